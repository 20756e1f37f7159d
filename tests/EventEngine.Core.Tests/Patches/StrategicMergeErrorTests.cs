using EventEngine.Model.Patches;

namespace EventEngine.Core.Tests.Patches;

/// <summary>Patches the server refuses: malformed ones and bad directives are 400s, lists that cannot merge 422s; the path names the field.</summary>
public sealed class StrategicMergeErrorTests
{
    private static readonly PatchSchema.Node Pod = PatchSchema.For("v1", "Pod")!;

    private const string OneContainer = """{"spec":{"containers":[{"name":"a"}]}}""";
    private const string Tolerations = """{"spec":{"tolerations":[{"key":"a"}]}}""";

    public static TheoryData<string, string, string, PatchError, string, string> Cases => new()
    {
        { "a patch that is a list", "{}", "[]", PatchError.BadRequest, "", "must be a JSON object" },
        { "a patch that is a string", "{}", "\"x\"", PatchError.BadRequest, "", "must be a JSON object" },
        { "an object that is a list", "[1]", "{}", PatchError.Invalid, "", "not a JSON object" },
        { "$patch: merge on a map", """{"spec":{"nodeSelector":{"a":"1"}}}""", """{"spec":{"nodeSelector":{"$patch":"merge"}}}""", PatchError.BadRequest, "spec.nodeSelector.$patch", "unknown patch type: \"merge\" in map" },
        { "$patch: null on a map", """{"spec":{"nodeSelector":{"a":"1"}}}""", """{"spec":{"nodeSelector":{"$patch":null}}}""", PatchError.BadRequest, "spec.nodeSelector.$patch", "unknown patch type: null" },
        { "$patch: merge on a list item", OneContainer, """{"spec":{"containers":[{"$patch":"merge","name":"a"}]}}""", PatchError.BadRequest, "spec.containers[0]", "merging lists cannot yet be specified in the patch" },
        { "an unknown $patch on a list item", OneContainer, """{"spec":{"containers":[{"name":"b"},{"$patch":"bogus","name":"a"}]}}""", PatchError.BadRequest, "spec.containers[1].$patch", "unknown patch type: \"bogus\"" },
        { "a list item without its merge key", OneContainer, """{"spec":{"containers":[{"image":"x"}]}}""", PatchError.BadRequest, "spec.containers[0]", "does not contain declared merge key: name" },
        { "a delete item without the merge key", OneContainer, """{"spec":{"containers":[{"$patch":"delete"}]}}""", PatchError.BadRequest, "spec.containers[0]", "does not contain declared merge key: name" },
        { "an object item without the merge key", """{"spec":{"containers":[{"image":"x"}]}}""", """{"spec":{"containers":[{"name":"a"}]}}""", PatchError.BadRequest, "spec.containers", "does not contain declared merge key: name" },
        { "$retainKeys that is not a list", """{"spec":{"securityContext":{"runAsUser":1}}}""", """{"spec":{"securityContext":{"$retainKeys":"runAsUser"}}}""", PatchError.BadRequest, "spec.securityContext.$retainKeys", "invalid patch format of retainKeys" },
        { "$retainKeys that leaves out a key the patch sets", """{"spec":{"volumes":[{"name":"v","emptyDir":{}}]}}""", """{"spec":{"volumes":[{"$retainKeys":["name"],"hostPath":{"path":"/x"},"name":"v"}]}}""", PatchError.BadRequest, "spec.volumes[0].hostPath", "invalid patch format of retainKeys" },
        { "$setElementOrder that is not a list", OneContainer, """{"spec":{"$setElementOrder/containers":{"name":"a"}}}""", PatchError.BadRequest, "spec.$setElementOrder/containers", "invalid patch format of setElementOrder list" },
        { "$setElementOrder against the patch's own order", OneContainer, """{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"b"},{"name":"a"}]}}""", PatchError.BadRequest, "spec.containers", "doesn't match $setElementOrder list" },
        { "$setElementOrder with a null list", OneContainer, """{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":null}}""", PatchError.BadRequest, "spec.containers", "invalid patch format of setElementOrder list" },
        { "$setElementOrder without a field name", OneContainer, """{"spec":{"$setElementOrderContainers":[]}}""", PatchError.BadRequest, "spec.$setElementOrderContainers", "invalid patch format of setElementOrder list" },
        { "$setElementOrder with an item lacking the merge key", OneContainer, """{"spec":{"$setElementOrder/containers":[{"nom":"a"}]}}""", PatchError.BadRequest, "spec.containers", "does not contain declared merge key: name" },
        { "$setElementOrder for a field that is not a list", """{"spec":{"containers":"a"}}""", """{"spec":{"$setElementOrder/containers":[]}}""", PatchError.Invalid, "spec.containers", "is not a list" },
        { "$setElementOrder on an atomic list of maps", Tolerations, """{"spec":{"$setElementOrder/tolerations":[{"key":"a"}]}}""", PatchError.BadRequest, "spec.tolerations", "cannot merge lists without merge key" },
        { "$deleteFromPrimitiveList without a field name", """{"metadata":{}}""", """{"metadata":{"$deleteFromPrimitiveList":["a"]}}""", PatchError.BadRequest, "metadata.$deleteFromPrimitiveList", "invalid patch format of primitive list" },
        { "$deleteFromPrimitiveList on a list of maps without a merge key", Tolerations, """{"spec":{"$deleteFromPrimitiveList/tolerations":[{"key":"a"}]}}""", PatchError.BadRequest, "spec.tolerations", "cannot merge lists without merge key for spec.tolerations" },
        { "a list of lists in a merging list", """{"metadata":{"finalizers":[]}}""", """{"metadata":{"finalizers":[["a"]]}}""", PatchError.Invalid, "metadata.finalizers", "lists of lists are not supported" },
        { "maps patched into a list of strings", """{"metadata":{"finalizers":["a"]}}""", """{"metadata":{"finalizers":[{"x":1}]}}""", PatchError.Invalid, "metadata.finalizers", "list element types are not identical" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Apply_Refuses(string behaviour, string original, string patch, PatchError kind, string path, string message)
    {
        var e = Assert.Throws<PatchException>(() => StrategicMergePatch.Apply(Canonical.Parse(original), Canonical.Parse(patch)!, Pod));
        Assert.True(e.Kind == kind && e.Path == path && e.Message.Contains(message, StringComparison.Ordinal),
            $"{behaviour}: got {e.Kind} at '{e.Path}': {e.Message}");
    }

    [Fact]
    public void ListOfLists_InAnAtomicList_IsReplacedWithoutError()
    {
        var result = StrategicMergePatch.Apply(Canonical.Parse("""{"spec":{"bogus":[[1]]}}"""), Canonical.Parse("""{"spec":{"bogus":[[2],[3]]}}""")!, Pod);
        Canonical.Equal("""{"spec":{"bogus":[[2],[3]]}}""", result);
    }
}
