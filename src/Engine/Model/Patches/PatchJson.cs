using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventEngine.Model.Patches;

/// <summary>The kinds of JSON value a strategic merge tells apart, as Go's decoded types do (map, slice, string, ...).</summary>
internal enum Shape { Null, Object, Array, String, Number, Bool }

/// <summary>Reads and field paths shared by the patch engines; none of them changes a node.</summary>
internal static class PatchJson
{
    public static Shape ShapeOf(JsonNode? node) => node switch
    {
        null => Shape.Null,
        JsonObject => Shape.Object,
        JsonArray => Shape.Array,
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => Shape.String,
            JsonValueKind.Number => Shape.Number,
            JsonValueKind.True or JsonValueKind.False => Shape.Bool,
            _ => Shape.Null,
        },
    };

    public static bool IsNull(JsonNode? node) => ShapeOf(node) == Shape.Null;

    /// <summary>JSON equality: numbers by value (1 equals 1.0), strings by ordinal, objects regardless of key order.</summary>
    public static bool Same(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    /// <summary>The string a node holds, or null when it holds anything else.</summary>
    public static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>A value as it appears in a message: compact JSON, null as null, cut short so a message stays a line.</summary>
    public static string Describe(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        if (text.Length <= 200) return text;
        return text[..(char.IsHighSurrogate(text[199]) ? 199 : 200)] + "...";
    }

    /// <summary>The path of a field inside the value at path (spec, spec.template).</summary>
    public static string Child(string path, string name) => path.Length == 0 ? name : path + "." + name;

    /// <summary>The path of a list item (spec.taints[0]).</summary>
    public static string Item(string path, int index) => $"{path}[{index}]";

    public static PatchException BadRequest(string message, string path) => new(message, path, PatchError.BadRequest);

    public static PatchException Invalid(string message, string path) => new(message, path, PatchError.Invalid);
}

/// <summary>
/// A JSON value as a set member or dictionary key, equal when the values are (<see cref="PatchJson.Same"/>, null
/// included), so list items are matched in one pass: a patch of many items against a long list stays linear.
/// </summary>
internal readonly struct JsonKey(JsonNode? node) : IEquatable<JsonKey>
{
    public JsonNode? Node { get; } = node;

    public bool Equals(JsonKey other) => PatchJson.Same(Node, other.Node);

    public override bool Equals(object? obj) => obj is JsonKey other && Equals(other);

    /// <summary>Coarse where equality is subtle (1 and 1.0 are equal numbers; key order does not matter in a map).</summary>
    public override int GetHashCode() => PatchJson.ShapeOf(Node) switch
    {
        Shape.String => PatchJson.Text(Node)!.GetHashCode(),
        Shape.Number => double.Parse(Node!.ToJsonString(), CultureInfo.InvariantCulture).GetHashCode(),
        Shape.Bool => Node!.GetValue<bool>().GetHashCode(),
        Shape.Object => ((JsonObject)Node!).Count,
        Shape.Array => ((JsonArray)Node!).Count,
        _ => 0,
    };
}
