using System.Text.Json.Nodes;
using static EventEngine.Model.Patches.PatchJson;

namespace EventEngine.Model.Patches;

public static partial class StrategicMergePatch
{
    /// <summary>
    /// Each $setElementOrder/f (Go's mergePatchIntoOriginal): the list f merged as usual, then put in the order the
    /// directive gives, with items only the server has kept near their old neighbours. Returns the fields it settled,
    /// which the rest of the merge skips.
    /// </summary>
    private static HashSet<string> MergeOrderedLists(JsonObject original, JsonObject patch, PatchSchema.Node schema, string path)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (directive, value) in patch)
        {
            if (!directive.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal)) continue;
            var field = FieldOf(directive, SetElementOrderPrefix, BadSetElementOrder, Child(path, directive));
            if (value is not JsonArray order) throw BadRequest(BadSetElementOrder, Child(path, directive));
            var here = Child(path, field);
            var fieldSchema = schema.Field(field);
            var inPatch = patch.TryGetPropertyValue(field, out var p) ? p as JsonArray ?? throw BadRequest(BadSetElementOrder, here) : null;
            var inOriginal = original.TryGetPropertyValue(field, out var o) ? o as JsonArray ?? throw Invalid($"{field} is not a list", here) : null;
            ValidateOrder(inPatch, order, fieldSchema.MergeKey, here);
            done.Add(field);
            if (inOriginal is null && inPatch is null) continue;

            var serverOrder = inOriginal?.ToList() ?? [];
            if (inOriginal is not null) Take<JsonArray>(original, field);
            var merged = (inOriginal, inPatch) switch
            {
                (not null, null) => Detach(inOriginal),
                (null, not null) => Detach((JsonArray)Fresh(inPatch).Value!),
                _ => Detach(MergeList(inOriginal!, inPatch!, fieldSchema, deleteList: false, here)),
            };
            var kind = ElementShape(here, serverOrder, inPatch?.ToList() ?? []);
            original[field] = kind is { } k
                ? Arrange(merged, order.ToList(), serverOrder, fieldSchema.MergeKey, k, here)
                : new JsonArray(merged.ToArray());
        }
        return done;
    }

    /// <summary>
    /// $setElementOrder must hold the patch's items in the same relative order (items carrying $patch aside), so a
    /// patch cannot ask for two orders at once.
    /// </summary>
    private static void ValidateOrder(JsonArray? patchList, JsonArray order, string? key, string path)
    {
        if (patchList is null || patchList.Count == 0 || order.Count == 0) return;
        var items = key is null ? patchList.ToList() : patchList.Where(i => !IsDeleteItem(i, path)).ToList();
        int p = 0, s = 0;
        while (p < items.Count && s < order.Count)
        {
            if (items[p] is JsonObject marked && marked.ContainsKey(PatchKey))
            {
                p++;
                continue;
            }
            if (key is null ? Same(items[p], order[s]) : Same(KeyOf(items[p], key, path), KeyOf(order[s], key, path))) p++;
            s++;
        }
        if (p < items.Count)
            throw BadRequest($"the order in patch list {Describe(patchList)} doesn't match $setElementOrder list {Describe(order)}", path);
    }

    /// <summary>Go's mergeSliceHandler: merge when the field merges (or for a deletion list), else the patch's list.</summary>
    private static JsonArray MergeList(JsonArray original, JsonArray patch, PatchSchema.Node field, bool deleteList, string path) =>
        field.Strategy == ListStrategy.Merge || deleteList
            ? MergeSlice(original, patch, field, deleteList, path)
            : (JsonArray)Raw(patch)!;

    /// <summary>Go's mergeSlice: primitives as a set (or a deletion), maps by merge key, then the merged order.</summary>
    private static JsonArray MergeSlice(JsonArray original, JsonArray patch, PatchSchema.Node field, bool deleteList, string path)
    {
        if (original.Count == 0 && patch.Count == 0) return original;
        var kind = ElementShape(path, original.ToList(), patch.ToList())!.Value;
        var server = Detach(original);
        if (kind != Shape.Object)
        {
            if (deleteList)
            {
                var doomed = patch.Select(d => new JsonKey(d)).ToHashSet();
                return new JsonArray(server.Where(s => !doomed.Contains(new JsonKey(s))).ToArray());
            }
            var seen = new HashSet<JsonKey>();
            var union = server.Concat(patch.Select(p => p?.DeepClone())).Where(item => seen.Add(new JsonKey(item))).ToList();
            return Arrange(union, patch.ToList(), server, field.MergeKey, kind, path);
        }
        var key = field.MergeKey ?? throw BadRequest($"cannot merge lists without merge key for {path}", path);
        var (kept, patchItems) = SpecialItems(server, patch, key, path);
        var merged = new List<JsonNode?>(kept);
        var byKey = new Dictionary<JsonKey, int>();
        for (var i = 0; i < merged.Count; i++)
        {
            if (merged[i] is JsonObject map && map.TryGetPropertyValue(key, out var value)) byKey.TryAdd(new JsonKey(value), i);
        }
        foreach (var (item, index) in patchItems)
        {
            var here = Item(path, index);
            var value = new JsonKey(KeyOf(item, key, here));
            if (byKey.TryGetValue(value, out var match)) merged[match] = MergeMap((JsonObject)merged[match]!, item, field, here);
            else
            {
                byKey[value] = merged.Count;
                merged.Add(Raw(item));
            }
        }
        return Arrange(merged, patchItems.Select(p => (JsonNode?)p.Item).ToList(), kept, key, kind, path);
    }

    /// <summary>
    /// Items carrying $patch: {"$patch":"delete", key: v} removes the original items with that key; {"$patch":"replace"}
    /// makes the patch's other items the whole list. Returns the original items left and the patch items to merge.
    /// </summary>
    private static (List<JsonNode?> Kept, List<(JsonObject Item, int Index)> Merge) SpecialItems(List<JsonNode?> server, JsonArray patch, string key, string path)
    {
        var plain = new List<(JsonObject Item, int Index)>();
        var doomed = new HashSet<JsonKey>();
        var replace = false;
        for (var i = 0; i < patch.Count; i++)
        {
            var item = (JsonObject)patch[i]!;
            if (!item.TryGetPropertyValue(PatchKey, out var directive))
            {
                plain.Add((item, i));
                continue;
            }
            var at = Item(path, i);
            switch (Text(directive))
            {
                case "delete":
                    doomed.Add(new JsonKey(KeyOf(item, key, at)));
                    break;
                case "replace":
                    replace = true;
                    break;
                case "merge":
                    throw BadRequest("merging lists cannot yet be specified in the patch", at);
                default:
                    throw BadRequest($"unknown patch type: {Describe(directive)} in map", Child(at, PatchKey));
            }
        }
        server.RemoveAll(s => s is JsonObject map && map.TryGetPropertyValue(key, out var v) && doomed.Contains(new JsonKey(v)));
        return replace ? (plain.Select(p => Raw(p.Item)).ToList(), []) : (server, plain);
    }

    /// <summary>
    /// Go's normalizeElementOrder: the items order names sorted by it, the server-only items by their old places, then
    /// interleaved: of two candidates both in the old list the earlier goes first, else the ordered item. Items are
    /// told apart by merge key (every item and every entry of the orders must have it), primitives by value.
    /// </summary>
    private static JsonArray Arrange(List<JsonNode?> merged, List<JsonNode?> order, List<JsonNode?> serverOrder, string? key, Shape kind, string path)
    {
        if (kind == Shape.Object && key is null) throw BadRequest($"cannot merge lists without merge key for {path}", path);
        JsonKey Id(JsonNode? item) => new(key is null ? item : KeyOf(item, key, path));
        var wanted = Positions(order, Id);
        var before = Positions(serverOrder, Id);
        var right = SortBy(merged.Where(item => wanted.ContainsKey(Id(item))), wanted, Id);
        var left = SortBy(merged.Where(item => !wanted.ContainsKey(Id(item))), before, Id);

        var result = new List<JsonNode?>(merged.Count);
        int i = 0, j = 0;
        while (i < left.Count || j < right.Count)
        {
            if (i >= left.Count) result.Add(right[j++]);
            else if (j >= right.Count) result.Add(left[i++]);
            else
            {
                var (l, r) = (before.GetValueOrDefault(Id(left[i]), -1), before.GetValueOrDefault(Id(right[j]), -1));
                result.Add(l >= 0 && r >= 0 && l < r ? left[i++] : right[j++]);
            }
        }
        return new JsonArray(result.ToArray());
    }

    /// <summary>Where each item first appears in a list.</summary>
    private static Dictionary<JsonKey, int> Positions(List<JsonNode?> list, Func<JsonNode?, JsonKey> id)
    {
        var positions = new Dictionary<JsonKey, int>();
        for (var i = 0; i < list.Count; i++) positions.TryAdd(id(list[i]), i);
        return positions;
    }

    /// <summary>
    /// Stable sort by position. Go's comparator is not an order for an item missing from the positions (only an empty
    /// or short $setElementOrder gets there); such items keep their relative order after the others.
    /// </summary>
    private static List<JsonNode?> SortBy(IEnumerable<JsonNode?> items, Dictionary<JsonKey, int> positions, Func<JsonNode?, JsonKey> id) =>
        items.OrderBy(item => positions.GetValueOrDefault(id(item), int.MaxValue)).ToList();

    /// <summary>The merge key's value of a list item; a map without it cannot be merged.</summary>
    private static JsonNode? KeyOf(JsonNode? item, string key, string path)
    {
        if (item is not JsonObject map) throw BadRequest($"expected a map in the list, but received {Describe(item)}", path);
        return map.TryGetPropertyValue(key, out var value)
            ? value
            : throw BadRequest($"map: {Describe(map)} does not contain declared merge key: {key}", path);
    }

    private static bool IsDeleteItem(JsonNode? item, string path) => item is JsonObject map
        ? Text(map[PatchKey]) == "delete"
        : throw BadRequest($"expected a map in the list, but received {Describe(item)}", path);

    /// <summary>
    /// The one kind every item of the lists shares; null when they are empty. A list of lists, or items of mixed
    /// kinds (a string list patched with maps), cannot merge: 422, as for the server's ErrNoListOfLists.
    /// </summary>
    private static Shape? ElementShape(string path, List<JsonNode?> original, List<JsonNode?> patch)
    {
        Shape? first = null;
        foreach (var item in original.Concat(patch))
        {
            var shape = ShapeOf(item);
            if (first is null && shape == Shape.Array) throw Invalid("lists of lists are not supported", path);
            first ??= shape;
            if (shape != first) throw Invalid($"list element types are not identical: {shape} and {first}", path);
        }
        return first;
    }

    /// <summary>The items of a list, taken out of it so they can go into another.</summary>
    private static List<JsonNode?> Detach(JsonArray list)
    {
        var items = list.ToList();
        list.Clear();
        return items;
    }
}
