using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Reconciliation;
using EventEngine.State;

namespace EventEngine.Core.Tests.Reconciliation;

/// <summary>
/// cleanupHistory keeps an old revision any pod the DaemonSet owns still carries: a running pod, and a failed pod
/// being deleted (Kubernetes counts deleted terminal pods here; the DaemonSet's slots do not hold them), and drops it
/// once none does.
/// </summary>
public sealed class HistoryCleanupTests
{
    private static readonly DateTimeOffset T = TestCluster.Start;
    private int _ids;

    private ClusterState Fold(ClusterState state, params IEvent[] events)
    {
        foreach (var e in events) state = EventEngine.State.Fold.Evolve(state, new Recorded(new Guid(++_ids, 0, 0, new byte[8]), T, e));
        return state;
    }

    private static IReadOnlyList<long> Pruned(ClusterState s) =>
        Reconciler.Reconcile(s, T, ReconcileScope.ForDaemonSet("default/foo")).Actions.OfType<PruneRevisions>().SingleOrDefault()?.Revisions ?? [];

    [Fact]
    public void AnOldRevision_IsKept_WhileARunningOrAFailedDeletedPodCarriesIt_AndDroppedAfter()
    {
        DaemonSet Foo(string image) => Manifests.Deserialize<DaemonSet>(TestCluster.Yaml(TestCluster.DaemonSetYaml(
            $"{{containers: [{{name: c, image: '{image}'}}]}}", "{updateStrategy: {type: OnDelete}, revisionHistoryLimit: 0}")));
        var s = Fold(ClusterState.Empty,
            new NodeJoined("node-1", "uid-n1", new Dictionary<string, string>(), [], false, []),
            new DaemonSetCreated("default/foo", "uid-foo", Foo("img:1"), 1, 1, new RevisionChange("foo-aaa", 1, "aaa", null), []),
            new PodCreated("default/foo", "default", "foo-1", "node-1", "uid-foo", "aaa", 1,
                new Dictionary<string, string> { ["app"] = "foo", ["controller-revision-hash"] = "aaa" }, []),
            // OnDelete: the new template leaves the pod on revision 1, one old revision past a limit of none
            new DaemonSetUpdated("default/foo", Foo("img:2"), 2, 2, new RevisionChange("foo-bbb", 2, "bbb", null)));
        Assert.Empty(Pruned(s));

        // the pod failed and is being deleted, and its node has a pod of the new revision: the failed one still counts here
        s = Fold(s, new PodStatusObserved("default/foo", "default", "foo-1", "node-1", "Failed", false, null),
            new PodTerminating("default/foo", "default", "foo-1", "node-1", T),
            new PodCreated("default/foo", "default", "foo-2", "node-1", "uid-foo", "bbb", 2,
                new Dictionary<string, string> { ["app"] = "foo", ["controller-revision-hash"] = "bbb" }, []));
        Assert.Equal("default/foo-2", string.Join(",", s.DaemonSets["default/foo"].SlotOf("node-1").Pods));
        Assert.Empty(Pruned(s));

        s = Fold(s, new PodDeleted("default/foo", "default", "foo-1", "node-1", PodReasons.Deleted));
        Assert.Equal([1L], Pruned(s));
    }
}
