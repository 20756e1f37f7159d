using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EventEngine.Model;
using EventEngine.Runtime;
using EventEngine.State;

namespace EventEngine.Api.Http;

/// <summary>
/// What a write answers, as data: status, content type, body, ETag and the engine's note. Rendered from the command's
/// outcome alone (its state and positions, never a read back), so it can be stored with the command's events under an
/// Idempotency-Key and given back to a retry byte for byte.
/// </summary>
public sealed record Answer(int Status, string ContentType, string Body, string? ETag, string? Note)
{
    public IResult ToResult(HttpResponse response)
    {
        if (ETag is not null) response.Headers.ETag = ETag;
        if (Note is not null) response.Headers["X-Engine-Note"] = Note;
        return Results.Text(Body, ContentType, statusCode: Status);
    }

    public string Serialize() => Model.Json.Serialize(this);

    public static Answer Parse(string text) => Model.Json.Deserialize<Answer>(text);
}

/// <summary>The answers of the write endpoints, and running a command so that an Idempotency-Key is honoured.</summary>
public static class Answers
{
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>
    /// Runs a command with the request's context and answers it: a refusal as a problem, a retry under a used
    /// Idempotency-Key with the first answer (nothing appended), anything else with <paramref name="answer"/>.
    /// </summary>
    public static async Task<IResult> WriteAsync(this HttpRequest request, Func<CommandContext, Task<CommandOutcome>> send, Func<CommandOutcome, Answer> answer)
    {
        var outcome = await send(request.Command(outcome => answer(outcome).Serialize()));
        if (outcome.Replayed is { } first) return Answer.Parse(first).ToResult(request.HttpContext.Response);
        if (outcome.Failure is { } failure) return Problems.From(failure);
        return answer(outcome).ToResult(request.HttpContext.Response);
    }

    /// <summary>The object the command wrote, as GET shows it after the command; a Status if the controller removed it in the same step.</summary>
    public static Func<CommandOutcome, Answer> Object(Func<ClusterState, IStreamPositions, string?> render, int status = 200,
        Func<CommandOutcome, JsonObject?>? asWritten = null) => outcome =>
    {
        // the command took effect, but the controller removed the object in the same step (a failed pod is replaced, an
        // orphan is collected): a create still answers the object as written, as the API server does, else a Status
        if (render(outcome.State, outcome.Positions) is not { } json)
        {
            if (asWritten?.Invoke(outcome) is not { } written) return Status("accepted; the controller has since removed the object")(outcome);
            json = written.ToJsonString();
        }
        var parsed = EventEngine.Model.Json.ParseStored(json);
        var version = JsonFields.Text(parsed, "metadata", "resourceVersion");
        if (version == "0")
        {
            // an object no event has written yet (a dry-run create) has no resourceVersion, as the API server leaves it
            // unset in a dry run's answer: "0" would read as "any version" to a client that sent it back
            (parsed!["metadata"] as JsonObject)?.Remove("resourceVersion");
            (json, version) = (parsed.ToJsonString(), null);
        }
        return new Answer(status, "application/json", json, version is null ? null : $"\"{version}\"", outcome.Note);
    };

    /// <summary>A Kubernetes Status for deletes and other answers without an object.</summary>
    public static Func<CommandOutcome, Answer> Status(string message, JsonObject? details = null, int status = 200) => outcome =>
        new Answer(status, "application/json", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Status",
            ["status"] = "Success",
            ["message"] = outcome.Note ?? message,
            ["details"] = details?.DeepClone() ?? new JsonObject(),
            ["events"] = outcome.Events.Count,
        }.ToJsonString(), null, null);

    /// <summary>JSON of the endpoint's own making.</summary>
    public static Func<CommandOutcome, Answer> Json(Func<CommandOutcome, JsonObject> body) => outcome =>
        new Answer(200, "application/json", body(outcome).ToJsonString(), null, null);
}

/// <summary>
/// Idempotency-Key: a write that carries one is hashed (method, path, query, media type and body), so a retry can be told
/// from a different request that reuses the key. The body is buffered for the endpoint to read again.
/// </summary>
public sealed class IdempotencyKeys(RequestDelegate next, BodyLimits limits)
{
    public const int MaxKeyLength = 255;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var key = request.Headers[Answers.IdempotencyHeader].ToString();
        if (key.Length == 0 || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            await next(context);
            return;
        }
        if (key.Length > MaxKeyLength || key.Any(char.IsControl))
        {
            await Errors.Write(context, 400, "BadRequest", $"{Answers.IdempotencyHeader} must be 1 to {MaxKeyLength} printable characters");
            return;
        }
        request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}\n{request.QueryString}\n{request.ContentType}\n"));
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await request.Body.ReadAsync(buffer, context.RequestAborted)) > 0 && (total += read) <= limits.MaxBytes)
            hash.AppendData(buffer, 0, read);
        request.Body.Position = 0;
        context.Items[typeof(IdempotencyKeys)] = (key, Convert.ToHexStringLower(hash.GetHashAndReset()));
        await next(context);
    }

    /// <summary>The request's key and hash, when it carries a key.</summary>
    public static (string Key, string Hash)? Of(HttpContext context) => context.Items[typeof(IdempotencyKeys)] as (string, string)?;
}
