using System.Text.Json.Nodes;
using static EventEngine.Model.Patches.PatchJson;

namespace EventEngine.Model.Patches;

/// <summary>
/// JSON patch (RFC 6902, application/json-patch+json, what the official C# client sends): a list of add, remove,
/// replace, move, copy and test operations on JSON Pointer paths, applied in order and all or nothing. A malformed
/// operation is a 400 before anything applies; an operation that does not apply (a path that is not there, a failed
/// test) is a 422 with the message the API server gives.
/// </summary>
public static class JsonPatch
{
    private sealed record Operation(string Op, JsonPointer Path, JsonPointer? From, JsonNode? Value);

    /// <summary>
    /// Values copies may add in all. Each copy of the document into itself doubles it, so twenty small operations
    /// would build millions of values; the API server caps copies the same way (AccumulatedCopySizeLimit).
    /// </summary>
    private static readonly int CopyLimit = ParseLimits.Default.MaxNodes;

    /// <summary>The document with every operation applied. The input is not changed; the result shares no node with it.</summary>
    public static JsonNode Apply(JsonNode? document, JsonNode patch)
    {
        if (patch is not JsonArray list) throw BadRequest("a JSON patch must be a JSON array of operations", "");
        var operations = list.Select(Read).ToList();
        var result = document?.DeepClone();
        var copied = 0;
        foreach (var operation in operations) result = Run(result, operation, ref copied);
        return result ?? throw Invalid("the patch leaves no document (null)", "");
    }

    /// <summary>One operation, checked for its members before any operation runs.</summary>
    private static Operation Read(JsonNode? node, int index)
    {
        var at = Item("", index);
        if (node is not JsonObject op) throw BadRequest("an operation must be a JSON object", at);
        var name = Text(op["op"]);
        if (name is not ("add" or "remove" or "replace" or "move" or "copy" or "test"))
            throw BadRequest($"Unexpected kind: {Describe(op["op"])}", Child(at, "op"));
        var path = Pointer(op, "path", at);
        var from = name is "move" or "copy" ? Pointer(op, "from", at) : null;
        if (name is "add" or "replace" or "test" && !op.ContainsKey("value"))
            throw BadRequest("operation, missing value field", Child(at, "value"));
        if (name == "move" && from!.IsProperPrefixOf(path))
            throw BadRequest($"move operation cannot move {from.Text} into its own child {path.Text}", Child(at, "path"));
        return new Operation(name, path, from, op["value"]);
    }

    private static JsonPointer Pointer(JsonObject op, string member, string at)
    {
        var text = Text(op[member]) ?? throw BadRequest(member == "path" ? "operation missing path field" : "operation, missing from field", Child(at, member));
        return JsonPointer.Parse(text) ?? throw BadRequest($"invalid JSON pointer {Describe(op[member])}: a pointer is empty or starts with /, and ~ is followed by 0 or 1", Child(at, member));
    }

    private static JsonNode? Run(JsonNode? doc, Operation op, ref int copied)
    {
        var (path, from) = (op.Path, op.From);
        switch (op.Op)
        {
            case "add":
                return Add(doc, path, op.Value?.DeepClone(), $"add operation does not apply: doc is missing path: \"{path.Text}\": missing value");
            case "remove":
                return Remove(doc, path, $"remove operation does not apply: doc is missing path: \"{path.Text}\": missing value").Doc;
            case "replace":
                return Replace(doc, path, op.Value?.DeepClone());
            case "copy":
                var source = Get(doc, from!, $"copy operation does not apply: doc is missing from path: {from!.Text}: missing value");
                copied += Size(source);
                if (copied > CopyLimit)
                    throw Invalid($"Unable to complete the copy, the accumulated size increase of copy is {copied} values, exceeding the limit {CopyLimit}", path.FieldPath);
                return Add(doc, path, source?.DeepClone(), $"copy operation does not apply: doc is missing destination path: {path.Text}: missing value");
            case "move":
                var missingFrom = $"move operation does not apply: doc is missing from path: {from!.Text}: missing value";
                Get(doc, from, missingFrom);
                if (from.Text == path.Text) return doc;
                var (rest, moved) = Remove(doc, from, missingFrom);
                return Add(rest, path, moved, $"move operation does not apply: doc is missing destination path: {path.Text}: missing value");
            default:
                var actual = Get(doc, path, $"test operation does not apply: is missing path: {path.Text}: missing value");
                return Same(actual, op.Value) ? doc : throw Invalid($"testing value {path.Text} failed: test failed", path.FieldPath);
        }
    }

    /// <summary>Sets a member (replacing one already there) or inserts an item ("-" appends); "" replaces the document.</summary>
    private static JsonNode? Add(JsonNode? doc, JsonPointer path, JsonNode? value, string missing)
    {
        if (path.IsRoot) return value;
        var last = path.Tokens[^1];
        switch (Parent(doc, path, missing))
        {
            case JsonObject map:
                map[last] = value;
                break;
            case JsonArray list when last == "-":
                list.Add(value);
                break;
            case JsonArray list:
                var index = JsonPointer.Index(last) is { } i && i <= list.Count ? i : throw BadIndex("add", path, last);
                list.Insert(index, value);
                break;
        }
        return doc;
    }

    /// <summary>Takes the value out of its parent; the document itself cannot be removed.</summary>
    private static (JsonNode? Doc, JsonNode? Removed) Remove(JsonNode? doc, JsonPointer path, string missing)
    {
        if (path.IsRoot) throw Invalid(missing, "");
        var last = path.Tokens[^1];
        switch (Parent(doc, path, missing))
        {
            case JsonObject map when map.TryGetPropertyValue(last, out var member):
                map.Remove(last);
                return (doc, member);
            case JsonArray list when JsonPointer.Index(last) is { } i && i < list.Count:
                var item = list[i];
                list.RemoveAt(i);
                return (doc, item);
            default:
                throw Invalid(missing, path.FieldPath);
        }
    }

    /// <summary>Sets a value that must already be there; "" replaces the document.</summary>
    private static JsonNode? Replace(JsonNode? doc, JsonPointer path, JsonNode? value)
    {
        if (path.IsRoot) return value;
        var missing = $"replace operation does not apply: doc is missing key: {path.Text}: missing value";
        var last = path.Tokens[^1];
        switch (Parent(doc, path, missing))
        {
            case JsonObject map when map.ContainsKey(last):
                map[last] = value;
                return doc;
            case JsonArray list when JsonPointer.Index(last) is { } i && i < list.Count:
                list[i] = value;
                return doc;
            default:
                throw Invalid(missing, path.FieldPath);
        }
    }

    /// <summary>The value the pointer names ("" is the document), or a 422 when any step is not there.</summary>
    private static JsonNode? Get(JsonNode? doc, JsonPointer path, string missing)
    {
        if (path.IsRoot) return doc;
        var last = path.Tokens[^1];
        return Parent(doc, path, missing) switch
        {
            JsonObject map when map.TryGetPropertyValue(last, out var member) => member,
            JsonArray list when JsonPointer.Index(last) is { } i && i < list.Count => list[i],
            _ => throw Invalid(missing, path.FieldPath),
        };
    }

    /// <summary>The object or array that holds the pointer's last step.</summary>
    private static JsonNode Parent(JsonNode? doc, JsonPointer path, string missing)
    {
        var node = doc;
        foreach (var token in path.Tokens.Take(path.Tokens.Count - 1))
        {
            node = node switch
            {
                JsonObject map when map.TryGetPropertyValue(token, out var member) => member,
                JsonArray list when JsonPointer.Index(token) is { } i && i < list.Count => list[i],
                _ => throw Invalid(missing, path.FieldPath),
            };
        }
        return node is JsonObject or JsonArray ? node : throw Invalid(missing, path.FieldPath);
    }

    private static int Size(JsonNode? node) => node switch
    {
        JsonObject map => 1 + map.Sum(p => Size(p.Value)),
        JsonArray list => 1 + list.Sum(Size),
        _ => 1,
    };

    private static PatchException BadIndex(string op, JsonPointer path, string token) => Invalid(
        JsonPointer.Index(token) is { } i
            ? $"error in {op} for path: '{path.Text}': Unable to access invalid index: {i}: invalid index referenced"
            : $"error in {op} for path: '{path.Text}': value was not a proper array index: '{token}'",
        path.FieldPath);
}
