using System.Text.Json.Nodes;
using static EventEngine.Model.Patches.PatchJson;

namespace EventEngine.Model.Patches;

/// <summary>
/// Strategic merge patch (application/strategic-merge-patch+json) as the API server applies it: apimachinery's
/// mergeMap and mergeSlice with parallel lists merged and unmatched nulls ignored. Maps merge key by key and null
/// removes a key; lists merge by the key the schema names or are replaced; the directives $patch, $retainKeys,
/// $setElementOrder/f and $deleteFromPrimitiveList/f steer the merge and never reach the result.
/// </summary>
public static partial class StrategicMergePatch
{
    private const string PatchKey = "$patch";
    private const string RetainKeysKey = "$retainKeys";
    private const string SetElementOrderPrefix = "$setElementOrder";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";
    private const string BadRetainKeys = "invalid patch format of retainKeys";
    private const string BadSetElementOrder = "invalid patch format of setElementOrder list";
    private const string BadPrimitiveList = "invalid patch format of primitive list";

    /// <summary>The object with the patch applied. Neither input is changed; the result shares no node with them.</summary>
    public static JsonNode Apply(JsonNode? original, JsonNode patch, PatchSchema.Node schema)
    {
        if (patch is not JsonObject patchMap) throw BadRequest("a strategic merge patch must be a JSON object", "");
        var working = original switch
        {
            null => new JsonObject(),
            JsonObject map => (JsonObject)map.DeepClone(),
            _ when IsNull(original) => new JsonObject(),
            _ => throw Invalid("the object to patch is not a JSON object", ""),
        };
        return MergeMap(working, patchMap, schema, "");
    }

    /// <summary>Go's mergeMap. The original is a working copy this call may change and return; the patch is only read.</summary>
    private static JsonObject MergeMap(JsonObject original, JsonObject patch, PatchSchema.Node schema, string path)
    {
        if (patch.TryGetPropertyValue(PatchKey, out var directive)) return MapDirective(directive, patch, path);
        RetainKeys(original, patch, path);
        var ordered = MergeOrderedLists(original, patch, schema, path);
        foreach (var (key, value) in patch)
        {
            if (key == RetainKeysKey || key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal) || ordered.Contains(key)) continue;
            MergeField(original, key, value, schema, path);
        }
        return original;
    }

    /// <summary>A map carrying $patch is not merged: replace gives the patch's map, delete an empty one.</summary>
    private static JsonObject MapDirective(JsonNode? directive, JsonObject patch, string path) => Text(directive) switch
    {
        "replace" => (JsonObject)Raw(patch)!,
        "delete" => new JsonObject(),
        _ => throw BadRequest($"unknown patch type: {Describe(directive)} in map", Child(path, PatchKey)),
    };

    /// <summary>
    /// $retainKeys lists the keys the map keeps: every other key of the original goes, and a patch that sets a key the
    /// list leaves out contradicts itself (400, as the server answers).
    /// </summary>
    private static void RetainKeys(JsonObject original, JsonObject patch, string path)
    {
        if (!patch.TryGetPropertyValue(RetainKeysKey, out var listed)) return;
        if (listed is not JsonArray list) throw BadRequest(BadRetainKeys, Child(path, RetainKeysKey));
        var keep = list.Select(Text).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (key == RetainKeysKey || IsNull(value) || IsParallelList(key)) continue;
            if (!keep.Contains(key)) throw BadRequest(BadRetainKeys, Child(path, key));
        }
        foreach (var key in original.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList()) original.Remove(key);
    }

    /// <summary>One key of the patch (not an ordered list): Go's main loop of mergeMap.</summary>
    private static void MergeField(JsonObject original, string key, JsonNode? value, PatchSchema.Node schema, string path)
    {
        var deleteList = key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal);
        if (deleteList) key = FieldOf(key, DeleteFromPrimitiveListPrefix, BadPrimitiveList, Child(path, key));
        var here = Child(path, key);
        if (IsNull(value))
        {
            // the server deletes the field even when the null came in a deletion list
            original.Remove(key);
            return;
        }
        if (!original.TryGetPropertyValue(key, out var current) || ShapeOf(current) != ShapeOf(value))
        {
            // nothing to merge with: the patch's value, less its nulls and directives; a deletion list deletes nothing
            if (!deleteList) Put(original, key, Fresh(value));
            return;
        }
        original[key] = value switch
        {
            JsonObject map => MergeMap(Take<JsonObject>(original, key), map, schema.Field(key), here),
            JsonArray list => MergeList(Take<JsonArray>(original, key), list, schema.Field(key), deleteList, here),
            _ => value!.DeepClone(),
        };
    }

    /// <summary>The field a parallel-list directive names: $setElementOrder/containers names containers.</summary>
    private static string FieldOf(string directive, string prefix, string error, string path)
    {
        var slash = directive.IndexOf('/');
        if (slash != prefix.Length || slash == directive.Length - 1) throw BadRequest(error, path);
        return directive[(slash + 1)..];
    }

    private static bool IsParallelList(string key) =>
        key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal) ||
        key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal);

    private static bool IsDirective(string key) => key is PatchKey or RetainKeysKey || IsParallelList(key);

    /// <summary>Takes a child out of its map so it can be merged and put back; its slot (and so the key order) stays.</summary>
    private static T Take<T>(JsonObject map, string key) where T : JsonNode
    {
        var child = (T)map[key]!;
        map[key] = null;
        return child;
    }

    private static void Put(JsonObject map, string key, (JsonNode? Value, bool Keep) copy)
    {
        if (copy.Keep) map[key] = copy.Value;
        else map.Remove(key);
    }

    /// <summary>
    /// A patch value with nothing to merge into, as Go's removeDirectives leaves it after IgnoreUnmatchedNulls: null
    /// fields dropped, and a map carrying $patch dropped whole (Keep is false). The other directive keys are dropped
    /// too: Go leaves them for decoding into the typed object to discard, and this engine stores JSON.
    /// </summary>
    private static (JsonNode? Value, bool Keep) Fresh(JsonNode? value) => Copy(value, dropMarked: true);

    /// <summary>
    /// A patch value Go stores as it came (a $patch: replace map, an appended list item, a replaced list): what decoding
    /// it into the typed object keeps, so no null fields and no directive keys; a map carrying $patch keeps its fields.
    /// </summary>
    private static JsonNode? Raw(JsonNode? value) => Copy(value, dropMarked: false).Value;

    private static (JsonNode? Value, bool Keep) Copy(JsonNode? value, bool dropMarked)
    {
        switch (value)
        {
            case JsonObject map:
                if (dropMarked && map.TryGetPropertyValue(PatchKey, out var marker) && !IsNull(marker)) return (null, false);
                var copy = new JsonObject();
                foreach (var (key, field) in map)
                {
                    if (IsNull(field) || IsDirective(key)) continue;
                    var (inner, keep) = Copy(field, dropMarked);
                    if (keep) copy[key] = inner;
                }
                return (copy, true);
            case JsonArray list:
                var items = new JsonArray();
                foreach (var item in list)
                {
                    var (inner, keep) = Copy(item, dropMarked);
                    if (keep) items.Add(inner);
                }
                return (items, true);
            default:
                return (value?.DeepClone(), true);
        }
    }
}
