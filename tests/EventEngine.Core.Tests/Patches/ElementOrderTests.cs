using EventEngine.Model.Patches;

namespace EventEngine.Core.Tests.Patches;

/// <summary>
/// Where items land: the cases of apimachinery's own strategicpatch tests (patch_test.go, v0.32.0) on the same
/// shapes, with containers standing for their merging list (key name) and finalizers for their merging int list.
/// </summary>
public sealed class ElementOrderTests
{
    private static readonly PatchSchema.Node Pod = PatchSchema.For("v1", "Pod")!;

    private static string Containers(string items) => $$$"""{"spec":{"containers":[{{{items}}}]}}""";
    private static string Finalizers(string items) => $$$"""{"metadata":{"finalizers":[{{{items}}}]}}""";

    public static TheoryData<string, string, string, string> Cases => new()
    {
        {
            "$setElementOrder may name an item neither list has",
            Containers("""{"name":"1"},{"name":"3"}"""),
            """{"spec":{"$setElementOrder/containers":[{"name":"3"},{"name":"2"},{"name":"1"}],"containers":[{"name":"3","value":3},{"name":"1","value":1}]}}""",
            Containers("""{"name":"3","value":3},{"name":"1","value":1}""")
        },
        {
            "$setElementOrder may name a value a primitive list lacks",
            Finalizers("\"1\",\"3\""),
            """{"metadata":{"$setElementOrder/finalizers":["3","2","1"]}}""",
            Finalizers("\"3\",\"1\"")
        },
        {
            "a server-only item at the end stays at the end",
            Containers("""{"name":"1","other":"a"},{"name":"3","value":3},{"name":"4","value":4},{"name":"2","value":2},{"name":"9"}"""),
            """{"spec":{"$setElementOrder/containers":[{"name":"4"},{"name":"2"},{"name":"3"},{"name":"1"}]}}""",
            Containers("""{"name":"4","value":4},{"name":"2","value":2},{"name":"3","value":3},{"name":"1","other":"a"},{"name":"9"}""")
        },
        {
            "a server-only item in the middle stays after its old neighbour",
            Containers("""{"name":"1","other":"a"},{"name":"2","value":2},{"name":"9"},{"name":"3","value":3},{"name":"4","value":4}"""),
            """{"spec":{"$setElementOrder/containers":[{"name":"2"},{"name":"1"},{"name":"4"},{"name":"3"}]}}""",
            Containers("""{"name":"2","value":2},{"name":"1","other":"a"},{"name":"9"},{"name":"4","value":4},{"name":"3","value":3}""")
        },
        {
            "a run of server-only items moves together",
            Containers("""{"name":"1","other":"a"},{"name":"2","value":2},{"name":"7"},{"name":"9"},{"name":"8"},{"name":"3","value":3},{"name":"4","value":4}"""),
            """{"spec":{"$setElementOrder/containers":[{"name":"2"},{"name":"1"},{"name":"4"},{"name":"3"}]}}""",
            Containers("""{"name":"2","value":2},{"name":"1","other":"a"},{"name":"7"},{"name":"9"},{"name":"8"},{"name":"4","value":4},{"name":"3","value":3}""")
        },
        {
            "items with the same key sort together, at the first place the order names",
            Containers("""{"name":"1"},{"name":"2","value":"dup1"},{"name":"3"},{"name":"2","value":"dup2"},{"name":"4"}"""),
            """{"spec":{"$setElementOrder/containers":[{"name":"2"},{"name":"1"},{"name":"4"},{"name":"3"},{"name":"2"}]}}""",
            Containers("""{"name":"2","value":"dup1"},{"name":"2","value":"dup2"},{"name":"1"},{"name":"4"},{"name":"3"}""")
        },
        {
            "equal values of a primitive list sort together",
            Finalizers("\"1\",\"2\",\"3\",\"2\",\"4\""),
            """{"metadata":{"$setElementOrder/finalizers":["2","1","4","3","2"]}}""",
            Finalizers("\"2\",\"2\",\"1\",\"4\",\"3\"")
        },
        {
            "a deletion with an order keeps a server-only value",
            Finalizers("\"1\",\"2\",\"3\",\"4\""),
            """{"metadata":{"$setElementOrder/finalizers":["1","2"],"$deleteFromPrimitiveList/finalizers":["3"]}}""",
            Finalizers("\"1\",\"2\",\"4\"")
        },
        {
            "an addition and a deletion in one primitive list",
            Finalizers("\"1\",\"2\",\"3\""),
            """{"metadata":{"$setElementOrder/finalizers":["1","2","4"],"$deleteFromPrimitiveList/finalizers":["3"],"finalizers":["4"]}}""",
            Finalizers("\"1\",\"2\",\"4\"")
        },
        {
            "an addition goes where the order says, before a server-only value",
            Finalizers("\"1\",\"2\",\"4\""),
            """{"metadata":{"$setElementOrder/finalizers":["1","2","3"],"finalizers":["3"]}}""",
            Finalizers("\"1\",\"2\",\"3\",\"4\"")
        },
        {
            "a deletion and a reorder in one list, a reorder in another",
            """{"spec":{"containers":[{"name":"a","value":"a"},{"name":"b","value":"b"}],"initContainers":[{"name":"c","value":"c"},{"name":"d","value":"d"}]}}""",
            """{"spec":{"$setElementOrder/containers":[{"name":"b"}],"$setElementOrder/initContainers":[{"name":"d"},{"name":"c"}],"containers":[{"$patch":"delete","name":"a"}]}}""",
            """{"spec":{"containers":[{"name":"b","value":"b"}],"initContainers":[{"name":"d","value":"d"},{"name":"c","value":"c"}]}}"""
        },
        {
            "$retainKeys in an ordered list item clears the fields it leaves out",
            """{"spec":{"volumes":[{"name":"bar"},{"name":"foo","value":"a","other":"x"}]}}""",
            """{"spec":{"$setElementOrder/volumes":[{"name":"bar"},{"name":"foo"}],"volumes":[{"$retainKeys":["name","value"],"name":"foo"}]}}""",
            """{"spec":{"volumes":[{"name":"bar"},{"name":"foo","value":"a"}]}}"""
        },
        {
            "without $setElementOrder, patch items in patch order, object-only items between by their old places",
            Containers("""{"name":"a"},{"name":"b"},{"name":"d"}"""),
            Containers("""{"name":"c"},{"name":"b","image":"x"}"""),
            Containers("""{"name":"c"},{"name":"a"},{"name":"b","image":"x"},{"name":"d"}""")
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Items_LandWhereTheServerPutsThem(string behaviour, string original, string patch, string expected) =>
        Canonical.Equal(expected, StrategicMergePatch.Apply(Canonical.Parse(original), Canonical.Parse(patch)!, Pod), behaviour);
}
