using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventEngine.Core.Tests.Patches;

/// <summary>JSON as the patch tests write and compare it: two documents are the same when their canonical texts are.</summary>
internal static class Canonical
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonNode? Parse(string json) => JsonNode.Parse(json);

    /// <summary>Compact JSON with every object's keys in ordinal order; list order and number text are kept.</summary>
    public static string Of(JsonNode? node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options)) Write(writer, node);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Equal(string expected, JsonNode? actual, string because = "") =>
        Assert.True(Of(Parse(expected)) == Of(actual), $"{because}\nexpected {Of(Parse(expected))}\nactual   {Of(actual)}");

    /// <summary>A JSON string literal holding the text (for annotations that hold JSON).</summary>
    public static string Quote(string text) => JsonSerializer.Serialize(text, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>
    /// The document with fields set to JSON values, or removed where the value is null; the path is dotted
    /// (spec.template.spec.containers). Expected results are written as the original plus what the patch changes.
    /// </summary>
    public static string With(string json, params (string Path, string? Value)[] changes)
    {
        var document = Parse(json)!.AsObject();
        foreach (var (path, value) in changes)
        {
            var steps = path.Split('.');
            var parent = document;
            foreach (var step in steps[..^1]) parent = parent[step]!.AsObject();
            if (value is null) parent.Remove(steps[^1]);
            else parent[steps[^1]] = Parse(value);
        }
        return document.ToJsonString();
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject map:
                writer.WriteStartObject();
                foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray list:
                writer.WriteStartArray();
                foreach (var item in list) Write(writer, item);
                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
