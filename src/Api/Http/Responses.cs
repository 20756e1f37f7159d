using System.Text.Json.Nodes;
using EventEngine.Projections.Queries;
using EventEngine.Projections.ReadModels;
using EventEngine.Runtime;
using EventEngine.State;

namespace EventEngine.Api.Http;

/// <summary>Turns command outcomes and read-model rows into HTTP answers (objects carry an ETag of their resourceVersion).</summary>
public static class Responses
{
    /// <summary>A node as its read-model row holds it.</summary>
    public static Func<ClusterState, IStreamPositions, string?> Node(string name) =>
        (s, p) => s.Nodes.TryGetValue(name, out var n) ? Rows.Node(n, p).Object : null;

    /// <summary>A DaemonSet as its read-model row holds it.</summary>
    public static Func<ClusterState, IStreamPositions, string?> DaemonSet(string ns, string name) =>
        (s, p) => s.DaemonSets.TryGetValue(ns + "/" + name, out var d) ? Rows.DaemonSet(d, p).Object : null;

    /// <summary>A pod as its read-model row holds it.</summary>
    public static Func<ClusterState, IStreamPositions, string?> Pod(string ns, string name) =>
        (s, p) => s.Pods.TryGetValue(ns + "/" + name, out var pod) ? Rows.Pod(pod, s, p).Object : null;

    public static IResult Object(HttpResponse response, string? json, int status = 200, string? note = null)
    {
        if (json is null) return Problems.Problem(404, "Not found", "the object does not exist");
        var node = EventEngine.Model.Json.ParseStored(json)!;
        if ((string?)node["metadata"]?["resourceVersion"] is { } version) response.Headers.ETag = $"\"{version}\"";
        if (note is not null) response.Headers["X-Engine-Note"] = note;
        return Results.Text(json, "application/json", statusCode: status);
    }

    /// <summary>A Kubernetes list: apiVersion, kind, items, and the continue token (also at the top, per the contract).</summary>
    public static IResult List(string apiVersion, string kind, Page? page)
    {
        if (page is null) return Problems.Problem(400, "Malformed request", "the continue token is not valid", [("continue", "not a token this server gave")]);
        // each item as its row holds it, not parsed and written again: a revision's data keeps the bytes kubectl compares
        var text = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(text))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", apiVersion);
            writer.WriteString("kind", kind);
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", Rv(page.ResourceVersion));
            if (page.Continue is not null) writer.WriteString("continue", page.Continue);
            writer.WriteEndObject();
            writer.WriteStartArray("items");
            // rows of json columns: valid JSON, and possibly deeper than the writer's check allows
            foreach (var item in page.Items) writer.WriteRawValue(item, skipInputValidation: true);
            writer.WriteEndArray();
            if (page.Continue is not null) writer.WriteString("continue", page.Continue);
            writer.WriteEndObject();
        }
        return Results.Bytes(text.WrittenMemory.ToArray(), "application/json");
    }

    private static string Rv(long seq) => seq.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>limit: 1..10,000 (default 1,000).</summary>
    public static int Limit(int? limit) => Math.Clamp(limit ?? ContinueToken.DefaultLimit, 1, ContinueToken.MaxLimit);
}
