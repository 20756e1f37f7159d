using System.Text.Json.Nodes;
using EventEngine.Projections.Queries;
using EventEngine.Runtime;

namespace EventEngine.Api.Http;

/// <summary>Turns command outcomes and read-model rows into HTTP answers (objects carry an ETag of their resourceVersion).</summary>
public static class Responses
{
    /// <summary>The object as GET returns it now, or the problem the command met.</summary>
    public static async Task<IResult> ObjectAsync(HttpResponse response, CommandOutcome outcome, Func<Task<string?>> read, int status = 200)
    {
        if (outcome.Failure is { } failure) return Problems.From(failure);
        // the command took effect, but the controller removed the object in the same step (a failed pod is replaced)
        if (await read() is not { } json) return Status(outcome, "accepted; the controller has since removed the object");
        return Object(response, json, status, outcome.Note);
    }

    public static IResult Object(HttpResponse response, string? json, int status = 200, string? note = null)
    {
        if (json is null) return Problems.Problem(404, "Not found", "the object does not exist");
        var node = JsonNode.Parse(json)!;
        if ((string?)node["metadata"]?["resourceVersion"] is { } version) response.Headers.ETag = $"\"{version}\"";
        if (note is not null) response.Headers["X-Engine-Note"] = note;
        return Results.Text(json, "application/json", statusCode: status);
    }

    /// <summary>A Kubernetes list: apiVersion, kind, items, and the continue token (also at the top, per the contract).</summary>
    public static IResult List(string apiVersion, string kind, Page? page)
    {
        if (page is null) return Problems.Problem(400, "Malformed request", "the continue token is not valid", [("continue", "not a token this server gave")]);
        var items = new JsonArray(page.Items.Select(i => JsonNode.Parse(i)).ToArray());
        var list = new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = kind,
            ["metadata"] = page.Continue is null ? new JsonObject() : new JsonObject { ["continue"] = page.Continue },
            ["items"] = items,
        };
        if (page.Continue is not null) list["continue"] = page.Continue;
        return Results.Text(list.ToJsonString(), "application/json");
    }

    /// <summary>A Kubernetes Status for deletes and other answers without an object.</summary>
    public static IResult Status(CommandOutcome outcome, string message, JsonObject? details = null)
    {
        if (outcome.Failure is { } failure) return Problems.From(failure);
        var status = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Status",
            ["status"] = "Success",
            ["message"] = outcome.Note ?? message,
            ["details"] = details ?? new JsonObject(),
            ["events"] = outcome.Events.Count,
        };
        return Results.Text(status.ToJsonString(), "application/json");
    }

    /// <summary>limit: 1..10,000 (default 1,000).</summary>
    public static int Limit(int? limit) => Math.Clamp(limit ?? ContinueToken.DefaultLimit, 1, ContinueToken.MaxLimit);
}
