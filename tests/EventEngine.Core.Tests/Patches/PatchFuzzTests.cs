using System.Text.Json.Nodes;
using EventEngine.Model.Patches;

namespace EventEngine.Core.Tests.Patches;

/// <summary>
/// Random patches against random Pods (seeded, so a failure repeats): an engine throws nothing but PatchException,
/// never changes its inputs, and gives a result that shares no node with them. Half the patches are drawn from the
/// document itself, with directives mixed in, so the merge paths are reached and not only the type changes.
/// </summary>
public sealed class PatchFuzzTests
{
    private const int Cases = 400;
    private static readonly PatchSchema.Node Pod = PatchSchema.For("v1", "Pod")!;

    private static readonly string[] Keys =
    [
        "metadata", "spec", "containers", "initContainers", "env", "volumes", "finalizers", "tolerations", "nodeSelector",
        "name", "image", "value", "a", "$patch", "$retainKeys", "$setElementOrder/containers", "$setElementOrder/env",
        "$setElementOrder/finalizers", "$deleteFromPrimitiveList/finalizers", "$deleteFromPrimitiveList/env", "$setElementOrder",
    ];

    private static readonly string[] Texts = ["a", "b", "c", "delete", "replace", "merge", "name", "finalizers"];

    [Fact]
    public void StrategicMergePatch_ThrowsOnlyPatchException_AndChangesNoInput()
    {
        var random = new Random(20261204);
        for (var i = 0; i < Cases; i++)
        {
            var document = new JsonObject { ["metadata"] = Map(random, 3), ["spec"] = Map(random, 3) };
            var patch = random.Next(2) == 0 ? Derive(random, document, 4) ?? new JsonObject() : Map(random, 4);
            Check(i, document, patch, () => StrategicMergePatch.Apply(document, patch, Pod));
        }
    }

    [Fact]
    public void JsonPatch_ThrowsOnlyPatchException_AndChangesNoInput()
    {
        var random = new Random(6902);
        for (var i = 0; i < Cases; i++)
        {
            var document = new JsonObject { ["metadata"] = Map(random, 3), ["spec"] = Map(random, 3) };
            var patch = new JsonArray(Enumerable.Range(0, random.Next(1, 4)).Select(_ => (JsonNode?)Operation(random, document)).ToArray());
            Check(i, document, patch, () => JsonPatch.Apply(document, patch));
        }
    }

    private static void Check(int i, JsonNode document, JsonNode patch, Func<JsonNode> apply)
    {
        var (before, patchBefore) = (document.ToJsonString(), patch.ToJsonString());
        try
        {
            Mark(apply());
        }
        catch (Exception e) when (e is not PatchException)
        {
            Assert.Fail($"case {i}: {e.GetType().Name}: {e.Message}\ndocument {before}\npatch    {patchBefore}");
        }
        catch (PatchException)
        {
            // a refusal is a fine answer to a random patch
        }
        Assert.True(before == document.ToJsonString(), $"case {i} changed the document: {patchBefore}");
        Assert.True(patchBefore == patch.ToJsonString(), $"case {i} changed the patch: {patchBefore}");
    }

    /// <summary>Writes into every map of the result: a node shared with an input would show up there.</summary>
    private static void Mark(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject map:
                foreach (var child in map.Select(p => p.Value).ToList()) Mark(child);
                map["\u0001mark"] = 1;
                break;
            case JsonArray list:
                foreach (var item in list) Mark(item);
                break;
        }
    }

    private static JsonNode? Value(Random r, int depth) => r.Next(depth <= 0 ? 4 : 8) switch
    {
        0 => null,
        1 => Texts[r.Next(Texts.Length)],
        2 => r.Next(3),
        3 => r.Next(2) == 0,
        4 or 5 => Map(r, depth - 1),
        _ => List(r, depth - 1),
    };

    private static JsonObject Map(Random r, int depth)
    {
        var map = new JsonObject();
        for (var n = r.Next(5); n > 0; n--) map[Keys[r.Next(Keys.Length)]] = Value(r, depth);
        return map;
    }

    /// <summary>Lists are mostly of named maps (so they merge), sometimes of scalars, now and then of lists.</summary>
    private static JsonArray List(Random r, int depth)
    {
        var kind = r.Next(6);
        var items = Enumerable.Range(0, r.Next(4)).Select(_ => kind switch
        {
            0 or 1 or 2 => (JsonNode?)Named(r, depth),
            3 or 4 => Texts[r.Next(Texts.Length)],
            _ => Value(r, depth),
        });
        return new JsonArray(items.ToArray());
    }

    private static JsonObject Named(Random r, int depth)
    {
        var map = Map(r, depth);
        if (r.Next(5) > 0) map["name"] = Texts[r.Next(3)];
        return map;
    }

    /// <summary>A patch shaped like the document: some of its keys and items, changed, with directives added.</summary>
    private static JsonNode? Derive(Random r, JsonNode? node, int depth)
    {
        if (depth <= 0 || r.Next(6) == 0) return Value(r, depth);
        switch (node)
        {
            case JsonObject map:
                var patch = new JsonObject();
                foreach (var (key, value) in map.Where(_ => r.Next(3) > 0)) patch[key] = Derive(r, value, depth - 1);
                if (r.Next(3) == 0) patch[Keys[r.Next(Keys.Length)]] = Value(r, depth - 1);
                return patch;
            case JsonArray list:
                var items = list.Where(_ => r.Next(2) == 0).Select(item => Derive(r, item, depth - 1)).ToList();
                if (r.Next(3) == 0) items.Add(new JsonObject { ["$patch"] = Texts[r.Next(Texts.Length)], ["name"] = Texts[r.Next(3)] });
                return new JsonArray(items.ToArray());
            default:
                return Value(r, depth);
        }
    }

    private static JsonObject Operation(Random r, JsonNode document)
    {
        string[] ops = ["add", "remove", "replace", "move", "copy", "test"];
        var name = r.Next(20) == 0 ? "bogus" : ops[r.Next(ops.Length)];
        var op = new JsonObject { ["op"] = name, ["path"] = Pointer(r, document) };
        if (name is "move" or "copy" ? r.Next(10) > 0 : r.Next(10) == 0) op["from"] = Pointer(r, document);
        if (name is "add" or "replace" or "test" ? r.Next(10) > 0 : r.Next(10) == 0) op["value"] = Value(r, 2);
        return op;
    }

    /// <summary>A pointer into the document by a random walk, sometimes bent (past the end, "-", a bad escape).</summary>
    private static string Pointer(Random r, JsonNode document)
    {
        var path = "";
        JsonNode? node = document;
        while (node is JsonObject or JsonArray && r.Next(4) > 0)
        {
            (path, node) = node switch
            {
                JsonObject map when map.Count > 0 => map.ElementAt(r.Next(map.Count)) is var (k, v) ? ($"{path}/{k.Replace("~", "~0").Replace("/", "~1")}", v) : default,
                JsonArray list => r.Next(list.Count + 2) is var i && i < list.Count ? ($"{path}/{i}", list[i]) : ($"{path}/{(i == list.Count ? "-" : i.ToString())}", null),
                _ => ($"{path}/x", null),
            };
        }
        return r.Next(20) switch { 0 => path + "/~2", 1 => path.TrimStart('/'), _ => path };
    }
}
