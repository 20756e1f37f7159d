using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventEngine.Model;

/// <summary>
/// JSON bodies read with limits, before a tree is built: one pass with the forward-only reader checks nesting depth,
/// the number of values, duplicate keys in an object, and text the log can hold, naming the path of what it refuses;
/// only then is the tree built. Malformed or refused JSON is a <see cref="ManifestException"/> (a 400).
/// </summary>
public static class JsonText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static JsonNode? Parse(string text, ParseLimits? limits = null) => Parse(Encoding.UTF8.GetBytes(text), limits);

    public static JsonNode? Parse(ReadOnlySpan<byte> utf8, ParseLimits? limits = null)
    {
        limits ??= ParseLimits.Default;
        Check(utf8, limits);
        try
        {
            return JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = limits.MaxDepth });
        }
        catch (JsonException e)
        {
            throw new ManifestException("malformed JSON: " + Trim(e.Message), "");
        }
    }

    /// <summary>Text as it came: bytes that are not UTF-8 are refused, not replaced.</summary>
    public static string Decode(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            throw new ManifestException("the body is not valid UTF-8", "");
        }
    }

    private sealed class Frame(bool array)
    {
        public bool Array { get; } = array;
        public int Index { get; set; } = -1;
        public string? Property { get; set; }
        public HashSet<string>? Keys { get; set; }
    }

    private static void Check(ReadOnlySpan<byte> utf8, ParseLimits limits)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = limits.MaxDepth });
        var frames = new List<Frame>();
        var values = 0;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                    {
                        var frame = frames[^1];
                        var name = reader.GetString()!;
                        frame.Property = name;
                        Strings.Check(name, PathOf(frames));
                        if (!(frame.Keys ??= new HashSet<string>(StringComparer.Ordinal)).Add(name))
                            throw new ManifestException($"duplicate key \"{name}\"", PathOf(frames));
                        continue;
                    }
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        continue;
                }

                // a value: count it and say where it stands
                if (++values > limits.MaxNodes) throw new ManifestException($"more than {limits.MaxNodes} values", PathOf(frames));
                if (frames.Count > 0 && frames[^1].Array) frames[^1].Index++;
                if (reader.TokenType == JsonTokenType.String && reader.ValueIsEscaped) Strings.Check(reader.GetString()!, PathOf(frames));
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    frames.Add(new Frame(reader.TokenType == JsonTokenType.StartArray));
            }
        }
        catch (JsonException e)
        {
            throw new ManifestException("malformed JSON: " + Trim(e.Message), PathOf(frames));
        }
        catch (InvalidOperationException e)
        {
            // GetString on text that is not valid UTF-8, or an escape that is not one
            throw new ManifestException("malformed JSON: " + e.Message, PathOf(frames));
        }
    }

    /// <summary>The field path in the form validation errors use: spec.taints[0].key.</summary>
    private static string PathOf(List<Frame> frames)
    {
        var path = new StringBuilder();
        foreach (var frame in frames)
        {
            if (frame.Array)
            {
                if (frame.Index >= 0) path.Append('[').Append(frame.Index).Append(']');
            }
            else if (frame.Property is { } name)
            {
                if (path.Length > 0) path.Append('.');
                path.Append(name);
            }
        }
        return path.ToString();
    }

    private static string Trim(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}

/// <summary>
/// Reads of a raw body that never throw on a body of the wrong shape: a field is a string only if it is one, and a
/// step through anything but an object finds nothing. (Indexing a JsonNode by name throws on an array, and a cast to
/// string throws on an object: a hostile body would make either a 500.)
/// </summary>
public static class JsonFields
{
    /// <summary>The string at the path (metadata, name), or null when any step is missing or not an object, or the value is not a string.</summary>
    public static string? Text(JsonNode? node, params string[] path) =>
        At(node, path) is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    /// <summary>The node at the path, or null when any step is missing or not an object.</summary>
    public static JsonNode? At(JsonNode? node, params string[] path)
    {
        foreach (var name in path)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(name, out node)) return null;
        }
        return node;
    }
}
