using System.Text.Json.Nodes;
using EventEngine.Model.Patches;

namespace EventEngine.Core.Tests.Patches;

/// <summary>Each directive alone, and the merge rules for maps, lists, nulls and type changes, on Pods.</summary>
public sealed class StrategicMergeBehaviourTests
{
    private static readonly PatchSchema.Node PodSchema = PatchSchema.For("v1", "Pod")!;

    private const string TwoContainers = """{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}""";
    private const string Finalizers = """{"metadata":{"finalizers":["a","b","c"]}}""";

    public static TheoryData<string, string, string, string> Cases => new()
    {
        // $patch on a map
        { "$patch: replace on a map keeps only the patch's fields", """{"spec":{"nodeSelector":{"a":"1","b":"1"}}}""", """{"spec":{"nodeSelector":{"$patch":"replace","c":"3"}}}""", """{"spec":{"nodeSelector":{"c":"3"}}}""" },
        { "$patch: replace on a map drops the nulls in it", """{"spec":{"nodeSelector":{"a":"1"}}}""", """{"spec":{"nodeSelector":{"$patch":"replace","c":"3","d":null}}}""", """{"spec":{"nodeSelector":{"c":"3"}}}""" },
        { "$patch: delete on a map leaves it empty, not absent", """{"spec":{"nodeSelector":{"a":"1"}}}""", """{"spec":{"nodeSelector":{"$patch":"delete","b":"2"}}}""", """{"spec":{"nodeSelector":{}}}""" },

        // $patch on a list item
        { "an item with $patch: delete removes the item with its key", TwoContainers, """{"spec":{"containers":[{"$patch":"delete","name":"a"}]}}""", """{"spec":{"containers":[{"name":"b","image":"y"}]}}""" },
        { "deleting an item the list lacks changes nothing", TwoContainers, """{"spec":{"containers":[{"$patch":"delete","name":"z"}]}}""", TwoContainers },
        { "a delete removes every item with the key", """{"spec":{"containers":[{"name":"c","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"},{"name":"X","value":"3"}]}]}}""", """{"spec":{"containers":[{"name":"c","env":[{"$patch":"delete","name":"X"}]}]}}""", """{"spec":{"containers":[{"name":"c","env":[{"name":"Y","value":"2"}]}]}}""" },
        { "an item with $patch: replace makes the other items the whole list", TwoContainers, """{"spec":{"containers":[{"$patch":"replace"},{"name":"c","image":"z","command":null}]}}""", """{"spec":{"containers":[{"name":"c","image":"z"}]}}""" },

        // $retainKeys
        { "$retainKeys clears the keys of a list item it does not list", """{"spec":{"volumes":[{"name":"v","emptyDir":{}},{"name":"w","secret":{"secretName":"s"}}]}}""", """{"spec":{"volumes":[{"$retainKeys":["hostPath","name"],"hostPath":{"path":"/x"},"name":"v"}]}}""", """{"spec":{"volumes":[{"hostPath":{"path":"/x"},"name":"v"},{"name":"w","secret":{"secretName":"s"}}]}}""" },
        { "$retainKeys on a map keeps only the listed keys", """{"spec":{"securityContext":{"runAsUser":1,"runAsGroup":2,"fsGroup":3}}}""", """{"spec":{"securityContext":{"$retainKeys":["runAsUser","fsGroup"],"runAsUser":5}}}""", """{"spec":{"securityContext":{"runAsUser":5,"fsGroup":3}}}""" },

        // $setElementOrder
        { "$setElementOrder alone reorders the object's list", """{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}""", """{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"},{"name":"b"}]}}""", """{"spec":{"containers":[{"name":"c"},{"name":"a"},{"name":"b"}]}}""" },
        { "$setElementOrder puts a new item where it says", """{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}""", """{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"x"},{"name":"b"}],"containers":[{"name":"x"}]}}""", """{"spec":{"containers":[{"name":"a"},{"name":"x"},{"name":"b"}]}}""" },
        { "$setElementOrder for a list the object lacks gives the patch's list, cleaned", """{"spec":{}}""", """{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"b","env":[{"name":"E","value":null}]},{"name":"a"}]}}""", """{"spec":{"containers":[{"name":"b","env":[{"name":"E"}]},{"name":"a"}]}}""" },
        { "$setElementOrder orders a primitive list", """{"metadata":{"finalizers":["a","b"]}}""", """{"metadata":{"$setElementOrder/finalizers":["b","a"]}}""", """{"metadata":{"finalizers":["b","a"]}}""" },
        { "$setElementOrder reorders an atomic primitive list too", """{"spec":{"containers":[{"name":"c","args":["x","y"]}]}}""", """{"spec":{"containers":[{"name":"c","$setElementOrder/args":["y","x"]}]}}""", """{"spec":{"containers":[{"name":"c","args":["y","x"]}]}}""" },

        // $deleteFromPrimitiveList
        { "$deleteFromPrimitiveList removes the listed values", Finalizers, """{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}""", """{"metadata":{"finalizers":["a","c"]}}""" },
        { "$deleteFromPrimitiveList of a value the list lacks changes nothing", Finalizers, """{"metadata":{"$deleteFromPrimitiveList/finalizers":["z"]}}""", Finalizers },
        { "$deleteFromPrimitiveList removes every copy", """{"metadata":{"finalizers":["a","b","b"]}}""", """{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}""", """{"metadata":{"finalizers":["a"]}}""" },
        { "$deleteFromPrimitiveList for a list the object lacks adds no list", """{"metadata":{"name":"p"}}""", """{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}""", """{"metadata":{"name":"p"}}""" },
        { "$deleteFromPrimitiveList works on an atomic list", """{"spec":{"containers":[{"name":"c","args":["x","y","z"]}]}}""", """{"spec":{"containers":[{"name":"c","$deleteFromPrimitiveList/args":["y"]}]}}""", """{"spec":{"containers":[{"name":"c","args":["x","z"]}]}}""" },
        { "a null deletion list removes the whole field, as the server does", Finalizers, """{"metadata":{"$deleteFromPrimitiveList/finalizers":null}}""", """{"metadata":{}}""" },

        // nulls and values the object lacks
        { "a null removes the field", """{"spec":{"hostname":"h","subdomain":"s"}}""", """{"spec":{"hostname":null}}""", """{"spec":{"subdomain":"s"}}""" },
        { "a null for a field the object lacks stores nothing", """{"spec":{}}""", """{"spec":{"hostname":null}}""", """{"spec":{}}""" },
        { "nulls inside a new value are dropped", """{"spec":{}}""", """{"spec":{"securityContext":{"runAsUser":1,"runAsGroup":null,"seLinuxOptions":{"level":null}}}}""", """{"spec":{"securityContext":{"runAsUser":1,"seLinuxOptions":{}}}}""" },
        { "a map carrying $patch inside a new value is dropped", """{"spec":{}}""", """{"spec":{"affinity":{"nodeAffinity":{"$patch":"delete"},"podAffinity":{"x":1}}}}""", """{"spec":{"affinity":{"podAffinity":{"x":1}}}}""" },
        { "a new value loses its directive keys", """{"spec":{}}""", """{"spec":{"containers":[{"name":"a","$setElementOrder/env":[{"name":"E"}],"env":[{"name":"E"}]}]}}""", """{"spec":{"containers":[{"name":"a","env":[{"name":"E"}]}]}}""" },
        { "a new list item loses its nulls and directive keys", """{"spec":{"containers":[{"name":"a"}]}}""", """{"spec":{"containers":[{"name":"b","image":null,"$setElementOrder/env":[{"name":"E"}],"env":[{"name":"E"}]}]}}""", """{"spec":{"containers":[{"name":"b","env":[{"name":"E"}]},{"name":"a"}]}}""" },

        // lists
        { "a new item without $setElementOrder goes before the object's items", """{"spec":{"containers":[{"name":"a"}]}}""", """{"spec":{"containers":[{"name":"b"}]}}""", """{"spec":{"containers":[{"name":"b"},{"name":"a"}]}}""" },
        { "an item merges into the item with its key; the others stay", """{"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}}""", """{"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"9"}]}]}}""", """{"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"9"},{"name":"B","value":"2"}]}]}}""" },
        { "ports merge by containerPort, a number", """{"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443}]}]}}""", """{"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"name":"http"}]}]}}""", """{"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"protocol":"TCP","name":"http"},{"containerPort":443}]}]}}""" },
        { "an empty patch list leaves a merging list alone", TwoContainers, """{"spec":{"containers":[]}}""", TwoContainers },
        { "finalizers merge as a set, new values first", """{"metadata":{"finalizers":["a"]}}""", """{"metadata":{"finalizers":["b"]}}""", """{"metadata":{"finalizers":["b","a"]}}""" },
        { "a finalizer the object has is not added twice", """{"metadata":{"finalizers":["a","b"]}}""", """{"metadata":{"finalizers":["a"]}}""", """{"metadata":{"finalizers":["a","b"]}}""" },
        { "tolerations are replaced whole", """{"spec":{"tolerations":[{"key":"a","operator":"Exists"},{"key":"b","operator":"Exists"}]}}""", """{"spec":{"tolerations":[{"key":"c","operator":"Exists"}]}}""", """{"spec":{"tolerations":[{"key":"c","operator":"Exists"}]}}""" },
        { "$patch in an atomic list is no directive: the item stays, the key goes", """{"spec":{"tolerations":[{"key":"a"}]}}""", """{"spec":{"tolerations":[{"$patch":"delete","key":"b"}]}}""", """{"spec":{"tolerations":[{"key":"b"}]}}""" },

        // maps, unknown fields, type changes
        { "nodeSelector merges key by key", """{"spec":{"nodeSelector":{"a":"1","b":"2"}}}""", """{"spec":{"nodeSelector":{"b":null,"c":"3"}}}""", """{"spec":{"nodeSelector":{"a":"1","c":"3"}}}""" },
        { "an unknown map merges and an unknown list is replaced", """{"spec":{"bogus":{"x":1,"l":[{"name":"p"},{"name":"q"}]}}}""", """{"spec":{"bogus":{"y":2,"l":[{"name":"p","v":1}]}}}""", """{"spec":{"bogus":{"x":1,"y":2,"l":[{"name":"p","v":1}]}}}""" },
        { "a scalar replaces a scalar; items the object had keep their order", TwoContainers, """{"spec":{"containers":[{"name":"b","image":"z"}]}}""", """{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"z"}]}}""" },
        { "a type change takes the patch's value", """{"spec":{"nodeSelector":{"a":"1"}}}""", """{"spec":{"nodeSelector":"x"}}""", """{"spec":{"nodeSelector":"x"}}""" },
        { "a type change drops the nulls in the new value", """{"spec":{"hostname":"h"}}""", """{"spec":{"hostname":{"a":1,"b":null}}}""", """{"spec":{"hostname":{"a":1}}}""" },
        { "a list can become a map", """{"spec":{"tolerations":[{"key":"k"}]}}""", """{"spec":{"tolerations":{"key":"k"}}}""", """{"spec":{"tolerations":{"key":"k"}}}""" },
        { "a null in the object takes the patch's value", """{"spec":{"nodeSelector":null}}""", """{"spec":{"nodeSelector":{"a":"1","b":null}}}""", """{"spec":{"nodeSelector":{"a":"1"}}}""" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Apply_MergesAsTheServerDoes(string behaviour, string original, string patch, string expected) =>
        Canonical.Equal(expected, StrategicMergePatch.Apply(Canonical.Parse(original), Canonical.Parse(patch)!, PodSchema), behaviour);

    [Fact]
    public void Apply_ChangesNeitherInput_AndTheResultSharesNoNodeWithThem()
    {
        const string original = """{"spec":{"containers":[{"name":"a","env":[{"name":"A","value":"1"}]}],"nodeSelector":{"a":"1"}}}""";
        const string patch = """{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"b","env":[{"name":"B"}]},{"name":"a","env":[{"$patch":"delete","name":"A"}]}],"nodeSelector":{"b":"2"}}}""";
        var (originalNode, patchNode) = (Canonical.Parse(original), Canonical.Parse(patch)!);
        var result = StrategicMergePatch.Apply(originalNode, patchNode, PodSchema);
        Canonical.Equal("""{"spec":{"containers":[{"name":"b","env":[{"name":"B"}]},{"name":"a","env":[]}],"nodeSelector":{"a":"1","b":"2"}}}""", result);
        result["spec"]!["containers"]![0]!["env"]![0]!["name"] = "changed";
        result["spec"]!["nodeSelector"]!["a"] = "changed";
        Canonical.Equal(original, originalNode);
        Canonical.Equal(patch, patchNode);
    }

    /// <summary>Matching item by item against every other (as Go does) takes minutes on lists this long.</summary>
    [Fact]
    public void LongLists_AreMatchedInOnePass_NotPairwise()
    {
        static JsonObject Pod(int from, int count) => new()
        {
            ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray(Enumerable.Range(from, count).Select(i => (JsonNode?)$"f{i}").ToArray()) },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(Enumerable.Range(from, count).Select(i => (JsonNode?)new JsonObject { ["name"] = $"n{i}" }).ToArray()) },
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = StrategicMergePatch.Apply(Pod(0, 60_000), Pod(30_000, 60_000), PodSchema);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Equal(90_000, result["metadata"]!["finalizers"]!.AsArray().Count);
        Assert.Equal(90_000, result["spec"]!["containers"]!.AsArray().Count);
        var names = result["spec"]!["containers"]!.AsArray().Select(c => (string?)c!["name"]);
        Assert.Equal(Enumerable.Range(0, 90_000).Select(i => $"n{i}"), names);
    }

    [Fact]
    public void NoOriginal_IsAnEmptyObject_AndTheResultIsThePatchCleaned()
    {
        var result = StrategicMergePatch.Apply(null, Canonical.Parse("""{"spec":{"hostname":"h","subdomain":null,"$retainKeys":["hostname"]}}""")!, PodSchema);
        Canonical.Equal("""{"spec":{"hostname":"h"}}""", result);
    }
}
