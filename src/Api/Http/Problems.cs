using EventEngine.Decisions;
using EventEngine.Model;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;

namespace EventEngine.Api.Http;

/// <summary>
/// The one mapping from failures to RFC 9457 problem details: 400 malformed, 404 not found, 409 conflict,
/// 413 too large, 415 unsupported media type, 422 invalid (with every offending field's path). No stack traces.
/// </summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    public static IResult From(Failure failure) => Problem(StatusOf(failure.Kind), failure.Title, failure.Detail, failure.Errors.Select(e => (e.Field, e.Message)));

    /// <summary>The one mapping from the core's failure kinds to HTTP statuses.</summary>
    public static int StatusOf(FailureKind kind) => kind switch
    {
        FailureKind.Malformed => 400,
        FailureKind.NotFound => 404,
        FailureKind.Conflict => 409,
        _ => 422,
    };

    /// <summary>A failure answer: problem details, or on /api and /apis paths the Kubernetes Status kubectl reads.</summary>
    public static IResult Problem(int status, string title, string detail, IEnumerable<(string Field, string Message)>? errors = null) =>
        new Failed(status, title, detail, errors?.ToList() ?? []);

    /// <summary>Decides its form when written, from the request's path.</summary>
    private sealed class Failed(int status, string title, string detail, List<(string Field, string Message)> errors) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext context)
        {
            if (Errors.IsKubernetesPath(context.Request.Path))
                return Results.Text(Kubernetes.KubeErrors.Status(context, status, detail, errors).ToJsonString(), "application/json", statusCode: status)
                    .ExecuteAsync(context);
            var extensions = new Dictionary<string, object?>();
            if (errors.Count > 0) extensions["errors"] = errors.Select(e => new { field = e.Field, message = e.Message }).ToList();
            return Results.Problem(detail: detail, statusCode: status, title: title, type: TypeOf(status), extensions: extensions).ExecuteAsync(context);
        }
    }

    public static string TypeOf(int status) => status switch
    {
        400 => "urn:eventengine:problem:malformed",
        404 => "urn:eventengine:problem:not-found",
        409 => "urn:eventengine:problem:conflict",
        413 => "urn:eventengine:problem:too-large",
        415 => "urn:eventengine:problem:unsupported-media-type",
        422 => "urn:eventengine:problem:invalid",
        429 => "urn:eventengine:problem:too-many-requests",
        503 => "urn:eventengine:problem:unavailable",
        _ => "urn:eventengine:problem:error",
    };

    /// <summary>
    /// Exceptions that mean "your request", mapped; the database being out of reach is a 503 with Retry-After (the
    /// request changed nothing: a write commits whole or not at all); anything else is a 500 without details.
    /// </summary>
    public sealed class Handler(ILogger<Handler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (Unavailable(exception))
            {
                logger.LogWarning("The database is unavailable: {Message}", exception.Message);
                context.Response.Headers.RetryAfter = "5";
                await Errors.Write(context, 503, "ServiceUnavailable", "the event database is unavailable; retry shortly (a write cut off while it committed may have taken effect: read it back, or retry with the same Idempotency-Key)");
                return true;
            }
            var result = exception switch
            {
                ManifestException e when e.Malformed => Problem(400, "Malformed request", e.Message, Field(e.Path, e.Message)),
                ManifestException e => Problem(422, "Invalid object", e.Message, Field(e.Path, e.Message)),
                BodyException e => Problem(e.Status, e.Title, e.Message),
                // kubectl prints a Status's reason and message: "Error from server (BadRequest): ... unknown field ..."
                Kubernetes.StrictDecodingException e => Errors.IsKubernetesPath(context.Request.Path)
                    ? KubeStatus.Failure(400, "BadRequest", e.Message)
                    : Problem(400, "Malformed request", e.Message),
                ValidationException e => Problem(422, "Invalid request", string.Join("; ", e.Errors.Select(x => $"{x.PropertyName}: {x.ErrorMessage}")),
                    e.Errors.Select(x => (x.PropertyName, x.ErrorMessage))),
                BadHttpRequestException e => Problem(e.StatusCode, "Bad request", e.Message),
                Projections.History.InvalidAtException e => Problem(400, "Malformed request", e.Message, [(e.Field, e.Message)]),
                Projections.ReadModels.RebuildInProgressException e => Problem(409, "Conflict", e.Message),
                _ => null,
            };
            if (result is null) return false;
            await result.ExecuteAsync(context);
            return true;
        }

        private static IEnumerable<(string, string)>? Field(string path, string message) => path.Length == 0 ? null : [(path, message)];

        /// <summary>The database cannot be reached or is going away: transient, not the request's fault nor a bug.</summary>
        public static bool Unavailable(Exception e) => e switch
        {
            Npgsql.PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal)
                || p.SqlState.StartsWith("53", StringComparison.Ordinal),
            Npgsql.NpgsqlException n => n.IsTransient || n.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException,
            System.Net.Sockets.SocketException => true,
            _ => e.InnerException is { } inner && Unavailable(inner),
        };
    }
}

/// <summary>A request body that cannot be taken: too large (413) or of a media type the endpoint does not read (415).</summary>
public sealed class BodyException(int status, string title, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
}

/// <summary>
/// Errors as the path's clients read them: a Kubernetes Status on /api and /apis (kubectl prints its reason and
/// message), RFC 9457 problem details everywhere else.
/// </summary>
public static class Errors
{
    public static bool IsKubernetesPath(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/apis");

    public static Task Write(HttpContext context, int status, string reason, string message)
    {
        var result = IsKubernetesPath(context.Request.Path)
            ? KubeStatus.Failure(status, reason, message)
            : Problems.Problem(status, Words(reason), message);
        return result.ExecuteAsync(context);
    }

    /// <summary>"UnsupportedMediaType" as "Unsupported media type".</summary>
    private static string Words(string reason) =>
        string.Concat(reason.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));
}

/// <summary>
/// The body of an answer that has none (a path no route serves, a method the route does not take): on Kubernetes paths
/// the Status kubectl reads ("Error from server (NotFound): the server could not find the requested resource"), as the
/// API server words it; elsewhere the default problem details.
/// </summary>
public static class EmptyAnswers
{
    public static async Task WriteAsync(Microsoft.AspNetCore.Diagnostics.StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        if (Errors.IsKubernetesPath(http.Request.Path))
        {
            var message = status switch
            {
                404 => "the server could not find the requested resource",
                405 => "the server does not allow this method on the requested resource",
                _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : $"status {status}",
            };
            await KubeStatus.Failure(status, Kubernetes.KubeErrors.Reason(status), message).ExecuteAsync(http);
            return;
        }
        // problem details when the client takes JSON; a client that asks for something else (a browser's text/html) gets
        // the status line in plain text, never a failure to write one
        if (!await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext { HttpContext = http }))
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync($"{status} {Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}");
        }
    }
}

/// <summary>A Kubernetes metav1.Status failure: what kubectl reads to print "Error from server (Reason): message".</summary>
public static class KubeStatus
{
    public static IResult Failure(int code, string reason, string message, System.Text.Json.Nodes.JsonObject? details = null) =>
        Results.Text(new System.Text.Json.Nodes.JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["details"] = details,
            ["code"] = code,
        }.ToJsonString(), "application/json", statusCode: code);
}
