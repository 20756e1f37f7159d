using EventEngine.Model.Patches;

namespace EventEngine.Core.Tests.Patches;

/// <summary>
/// The patch metadata of every list in the notes' table (section 4.1), shown by what a patch does to it: a merging
/// list keeps the items the patch does not name, an atomic one does not. "@" in a template is where the list goes.
/// </summary>
public sealed class PatchSchemaTests
{
    public static TheoryData<string, string, string?> MergingLists => new()
    {
        { "v1/Node", """{"metadata":{"finalizers":@}}""", null },
        { "v1/Node", """{"metadata":{"ownerReferences":@}}""", "uid" },
        { "v1/Node", """{"spec":{"podCIDRs":@}}""", null },
        { "v1/Node", """{"status":{"conditions":@}}""", "type" },
        { "v1/Node", """{"status":{"addresses":@}}""", "type" },
        { "v1/Pod", """{"spec":{"containers":@}}""", "name" },
        { "v1/Pod", """{"spec":{"initContainers":@}}""", "name" },
        { "v1/Pod", """{"spec":{"ephemeralContainers":@}}""", "name" },
        { "v1/Pod", """{"spec":{"volumes":@}}""", "name" },
        { "v1/Pod", """{"spec":{"imagePullSecrets":@}}""", "name" },
        { "v1/Pod", """{"spec":{"hostAliases":@}}""", "ip" },
        { "v1/Pod", """{"spec":{"topologySpreadConstraints":@}}""", "topologyKey" },
        { "v1/Pod", """{"spec":{"schedulingGates":@}}""", "name" },
        { "v1/Pod", """{"spec":{"resourceClaims":@}}""", "name" },
        { "v1/Pod", """{"spec":{"containers":[{"name":"c","env":@}]}}""", "name" },
        { "v1/Pod", """{"spec":{"containers":[{"name":"c","ports":@}]}}""", "containerPort" },
        { "v1/Pod", """{"spec":{"containers":[{"name":"c","volumeMounts":@}]}}""", "mountPath" },
        { "v1/Pod", """{"spec":{"containers":[{"name":"c","volumeDevices":@}]}}""", "devicePath" },
        { "v1/Pod", """{"spec":{"initContainers":[{"name":"c","env":@}]}}""", "name" },
        { "v1/Pod", """{"spec":{"ephemeralContainers":[{"name":"c","volumeMounts":@}]}}""", "mountPath" },
        { "v1/Pod", """{"status":{"conditions":@}}""", "type" },
        { "v1/Pod", """{"status":{"podIPs":@}}""", "ip" },
        { "v1/Pod", """{"status":{"hostIPs":@}}""", "ip" },
        { "v1/Pod", """{"status":{"resourceClaimStatuses":@}}""", "name" },
        { "apps/v1/DaemonSet", """{"metadata":{"finalizers":@}}""", null },
        { "apps/v1/DaemonSet", """{"spec":{"template":{"metadata":{"ownerReferences":@}}}}""", "uid" },
        { "apps/v1/DaemonSet", """{"spec":{"template":{"spec":{"containers":@}}}}""", "name" },
        { "apps/v1/DaemonSet", """{"spec":{"template":{"spec":{"containers":[{"name":"c","env":@}]}}}}""", "name" },
        { "apps/v1/DaemonSet", """{"spec":{"template":{"spec":{"volumes":@}}}}""", "name" },
        { "apps/v1/DaemonSet", """{"status":{"conditions":@}}""", "type" },
        { "v1/Namespace", """{"metadata":{"finalizers":@}}""", null },
        { "v1/Namespace", """{"status":{"conditions":@}}""", "type" },
        { "apps/v1/ControllerRevision", """{"metadata":{"ownerReferences":@}}""", "uid" },
    };

    [Theory]
    [MemberData(nameof(MergingLists))]
    public void MergingList_KeepsTheItemsThePatchDoesNotName(string kind, string template, string? mergeKey)
    {
        var (original, patch, expected) = mergeKey is { } k
            ? ($$$"""[{"{{{k}}}":"k1","a":"1"},{"{{{k}}}":"k2","a":"2"}]""", $$$"""[{"{{{k}}}":"k1","b":"3"}]""", $$$"""[{"{{{k}}}":"k1","a":"1","b":"3"},{"{{{k}}}":"k2","a":"2"}]""")
            : ("""["x","y"]""", """["z","x"]""", """["z","x","y"]""");
        Assert.Equal(mergeKey, Schema(kind, template).MergeKey);
        Canonical.Equal(template.Replace("@", expected), Apply(kind, template.Replace("@", original), template.Replace("@", patch)), template);
    }

    public static TheoryData<string, string, bool> AtomicLists => new()
    {
        { "v1/Node", """{"spec":{"taints":@}}""", false },
        { "v1/Node", """{"status":{"images":@}}""", false },
        { "v1/Pod", """{"spec":{"tolerations":@}}""", false },
        { "v1/Pod", """{"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":@}}}}}""", false },
        { "v1/Pod", """{"spec":{"containers":[{"name":"c","args":@}]}}""", true },
        { "v1/Pod", """{"spec":{"containers":[{"name":"c","command":@}]}}""", true },
        { "v1/Pod", """{"status":{"containerStatuses":@}}""", false },
        { "apps/v1/DaemonSet", """{"spec":{"selector":{"matchExpressions":@}}}""", false },
        { "apps/v1/DaemonSet", """{"spec":{"template":{"spec":{"tolerations":@}}}}""", false },
        { "v1/Namespace", """{"spec":{"finalizers":@}}""", true },
        { "apps/v1/ControllerRevision", """{"data":{"spec":{"template":{"spec":{"containers":@}}}}}""", false },
    };

    [Theory]
    [MemberData(nameof(AtomicLists))]
    public void AtomicList_IsReplacedWhole(string kind, string template, bool primitive)
    {
        var (original, patch) = primitive
            ? ("""["x","y"]""", """["z"]""")
            : ("""[{"key":"k1","a":"1"},{"key":"k2"}]""", """[{"key":"k1","b":"3"}]""");
        Assert.Equal(ListStrategy.Replace, Schema(kind, template).Strategy);
        Canonical.Equal(template.Replace("@", patch), Apply(kind, template.Replace("@", original), template.Replace("@", patch)), template);
    }

    public static TheoryData<string, string, string?, bool> Metadata => new()
    {
        { "v1/Pod", "spec.volumes", "name", true },
        { "v1/Pod", "spec.resourceClaims", "name", true },
        { "v1/Pod", "status.resourceClaimStatuses", "name", true },
        { "v1/Pod", "spec.containers", "name", false },
        { "v1/Pod", "status.containerStatuses.volumeMounts", "mountPath", false },
        { "v1/Pod", "status.initContainerStatuses.allocatedResourcesStatus", "name", false },
        { "apps/v1/DaemonSet", "spec.template.spec.resourceClaims", "name", true },
        { "v1/Node", "spec.taints", null, false },
        { "v1/Node", "spec.taints.anything.below", null, false },
    };

    /// <summary>What the merge cannot show: the retainKeys tag, and lists under an atomic list (containerStatuses).</summary>
    [Theory]
    [MemberData(nameof(Metadata))]
    public void Field_CarriesItsTags(string kind, string path, string? mergeKey, bool retainKeys)
    {
        var node = path.Split('.').Aggregate(Root(kind), (n, name) => n.Field(name));
        Assert.Equal((mergeKey, retainKeys, mergeKey is null ? ListStrategy.Replace : ListStrategy.Merge), (node.MergeKey, node.RetainKeys, node.Strategy));
    }

    [Theory]
    [InlineData("v1", "Service")]
    [InlineData("apps/v1", "Deployment")]
    [InlineData("v1", "DaemonSet")]
    [InlineData("apps/v1", "Node")]
    public void For_AKindNotServed_IsNull(string apiVersion, string kind) => Assert.Null(PatchSchema.For(apiVersion, kind));

    private static PatchSchema.Node Root(string kind) => PatchSchema.For(kind[..kind.LastIndexOf('/')], kind[(kind.LastIndexOf('/') + 1)..])!;

    /// <summary>The schema node at the template's "@", read by walking the template's keys down to it.</summary>
    private static PatchSchema.Node Schema(string kind, string template)
    {
        var node = Root(kind);
        var path = template[..(template.IndexOf('@') + 1)];
        foreach (var step in System.Text.RegularExpressions.Regex.Matches(path, "\"([^\"]+)\":[\\[{@]").Select(m => m.Groups[1].Value))
            node = node.Field(step);
        return node;
    }

    private static System.Text.Json.Nodes.JsonNode Apply(string kind, string original, string patch) =>
        StrategicMergePatch.Apply(Canonical.Parse(original), Canonical.Parse(patch)!, Root(kind));
}
