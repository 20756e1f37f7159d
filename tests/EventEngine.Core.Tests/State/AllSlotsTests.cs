using EventEngine.Events;
using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Core.Tests.State;

/// <summary>
/// A DaemonSet's slots worked out whole (on its creation, on a template change, on a selector change) match the slots
/// a fresh index of the same objects gives, when the pods they count came before the DaemonSet, when other
/// DaemonSets' pods share the nodes, and when the selector moves without a new template.
/// </summary>
public sealed class AllSlotsTests
{
    private static readonly DateTimeOffset T = TestCluster.Start;
    private static readonly DaemonSet Foo = Manifests.Deserialize<DaemonSet>(TestCluster.Yaml(TestCluster.DaemonSetYaml()));
    private static readonly DaemonSet Bar = Manifests.Deserialize<DaemonSet>(TestCluster.Yaml(TestCluster.DaemonSetYaml(name: "bar")));
    private int _ids;

    private ClusterState Fold(ClusterState state, params IEvent[] events)
    {
        foreach (var e in events)
        {
            state = EventEngine.State.Fold.Evolve(state, new Recorded(new Guid(++_ids, 0, 0, new byte[8]), T.AddSeconds(_ids), e));
            Assert.Empty(EventEngine.State.Fold.CheckIndexes(state));
        }
        return state;
    }

    private static string PodsOn(DaemonSetState ds, string node) => string.Join(",", ds.SlotOf(node).Pods);

    private static NodeJoined Node(string name) => new(name, "uid-" + name, new Dictionary<string, string>(), [], false, []);

    /// <summary>A running pod as a recorder registers it: owned by the DaemonSet <paramref name="uid"/>, which need not exist yet.</summary>
    private static PodRegistered Registered(string name, string node, string uid, string app, bool ready) => new(null, "default", name, node, new Pod
    {
        Metadata = new ObjectMeta
        {
            Name = name, Namespace = "default", CreationTimestamp = T,
            Labels = new Dictionary<string, string> { ["app"] = app, ["controller-revision-hash"] = "aaa" },
            OwnerReferences = [OwnerReference.ForDaemonSet(app, uid)],
        },
        Spec = System.Text.Json.JsonSerializer.SerializeToElement(new { nodeName = node }),
        Status = new PodStatus
        {
            Phase = "Running",
            Conditions = ready ? [new PodCondition { Type = "Ready", Status = "True", LastTransitionTime = T }] : [],
        },
    });

    [Fact]
    public void ADaemonSetCreatedAfterItsPods_CountsThem_AndNotAnotherDaemonSetsPodsOnTheSameNodes()
    {
        var s = Fold(ClusterState.Empty, Node("node-1"), Node("node-2"), Node("node-3"),
            Registered("foo-1", "node-1", "uid-foo", "foo", ready: true),
            Registered("foo-2", "node-2", "uid-foo", "foo", ready: false),
            Registered("bar-1", "node-1", "uid-bar", "bar", ready: true),
            Registered("bar-3", "node-3", "uid-bar", "bar", ready: true));

        s = Fold(s, new DaemonSetCreated("default/foo", "uid-foo", Foo, 1, 1, new RevisionChange("foo-aaa", 1, "aaa", null), []));

        var foo = s.DaemonSets["default/foo"];
        Assert.Equal("default/foo-1", PodsOn(foo, "node-1"));
        Assert.Equal("default/foo-2", PodsOn(foo, "node-2"));
        Assert.Equal("", PodsOn(foo, "node-3"));
        Assert.True(foo.SlotOf("node-3").ShouldRun);
        // desired on all three nodes, scheduled on two, ready on one, both pods of the current revision
        Assert.Equal(new SlotCounts(3, 2, 0, 1, 2, 0), foo.Counts);
    }

    [Fact]
    public void ATemplateChange_KeepsEachNodesPods_AndCountsThemAgainstTheNewRevision()
    {
        var s = Fold(ClusterState.Empty, Node("node-1"), Node("node-2"),
            new DaemonSetCreated("default/foo", "uid-foo", Foo, 1, 1, new RevisionChange("foo-aaa", 1, "aaa", null), []),
            new DaemonSetCreated("default/bar", "uid-bar", Bar, 1, 1, new RevisionChange("bar-aaa", 1, "aaa", null), []),
            new PodCreated("default/foo", "default", "foo-1", "node-1", "uid-foo", "aaa", 1, new Dictionary<string, string> { ["app"] = "foo", ["controller-revision-hash"] = "aaa" }, []),
            new PodCreated("default/foo", "default", "foo-2", "node-2", "uid-foo", "aaa", 1, new Dictionary<string, string> { ["app"] = "foo", ["controller-revision-hash"] = "aaa" }, []),
            new PodCreated("default/bar", "default", "bar-1", "node-1", "uid-bar", "aaa", 1, new Dictionary<string, string> { ["app"] = "bar", ["controller-revision-hash"] = "aaa" }, []));
        Assert.Equal(2, s.DaemonSets["default/foo"].Counts.Updated);

        // a new template that also keeps the DaemonSet off node-2: its pod there stays in the slot, now misscheduled
        var pinned = Manifests.Deserialize<DaemonSet>(TestCluster.Yaml(TestCluster.DaemonSetYaml(
            "{nodeSelector: {kubernetes.io/hostname: node-1}, containers: [{name: c, image: 'img:2'}]}")));
        s = Fold(s, new NodeLabelsChanged("node-1", new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-1" }),
            new DaemonSetUpdated("default/foo", pinned, 2, 2, new RevisionChange("foo-bbb", 2, "bbb", null)));

        var foo = s.DaemonSets["default/foo"];
        Assert.Equal("default/foo-1", PodsOn(foo, "node-1"));
        Assert.Equal("default/foo-2", PodsOn(foo, "node-2"));
        Assert.False(foo.SlotOf("node-2").ShouldRun);
        // desired 1, scheduled 1, misscheduled 1, ready 0, updated 0, on an old revision 2
        Assert.Equal(new SlotCounts(1, 1, 1, 0, 0, 2), foo.Counts);
        Assert.Equal("default/bar-1", PodsOn(s.DaemonSets["default/bar"], "node-1"));
    }

    [Fact]
    public void ASelectorThatMoves_WithOrWithoutANewTemplate_MovesThePodsCounted()
    {
        var s = Fold(ClusterState.Empty, Node("node-1"),
            new DaemonSetCreated("default/foo", "uid-foo", Foo, 1, 1, new RevisionChange("foo-aaa", 1, "aaa", null), []),
            new PodCreated("default/foo", "default", "foo-1", "node-1", "uid-foo", "aaa", 1, new Dictionary<string, string> { ["app"] = "foo", ["controller-revision-hash"] = "aaa" }, []));
        Assert.Equal("default/foo-1", PodsOn(s.DaemonSets["default/foo"], "node-1"));

        // an imported log may hold what the API refuses: the selector changed, the template not
        var other = Foo with { Spec = Foo.Spec! with { Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "other" } } } };
        s = Fold(s, new DaemonSetUpdated("default/foo", other, 2, 1, null));
        Assert.Equal("", PodsOn(s.DaemonSets["default/foo"], "node-1"));

        // and back, with a new template
        s = Fold(s, new DaemonSetUpdated("default/foo", Foo, 3, 2, new RevisionChange("foo-bbb", 2, "bbb", null)));
        Assert.Equal("default/foo-1", PodsOn(s.DaemonSets["default/foo"], "node-1"));
    }
}
