using EventEngine.Events;
using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Core.Tests.EventCatalog;

/// <summary>
/// One event of every registered type, folded in an order a log could hold them, each with the change it must make;
/// the fold's indexes are checked after every event, and the log is checked to cover the whole registry.
/// </summary>
public sealed class FoldEveryTypeTests
{
    private static readonly DateTimeOffset T = TestCluster.Start;

    [Fact]
    public void EveryRegisteredType_FoldsAndChangesWhatItSays()
    {
        var ds = Manifests.Deserialize<DaemonSet>(TestCluster.Yaml(TestCluster.DaemonSetYaml()));
        var v2 = ds with { Spec = ds.Spec! with { MinReadySeconds = 5 } };
        Pod Observed(string name, string app) => new()
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "default", Labels = new Dictionary<string, string> { ["app"] = app }, CreationTimestamp = T },
            Spec = System.Text.Json.JsonSerializer.SerializeToElement(new { nodeName = "node-1" }),
            Status = new PodStatus { Phase = "Running" },
        };

        var steps = new (IEvent Event, Func<ClusterState, bool> Holds)[]
        {
            (new NodeJoined("node-1", "uid-n1", new Dictionary<string, string>(), [], false, []), s => s.Nodes.ContainsKey("node-1")),
            (new NodeLabelsChanged("node-1", new Dictionary<string, string> { ["zone"] = "a" }), s => s.Nodes["node-1"].Labels["zone"] == "a"),
            (new NodeAnnotationsChanged("node-1", new Dictionary<string, string> { ["team"] = "infra" }), s => s.Nodes["node-1"].Annotations!["team"] == "infra"),
            (new NodeResourcesChanged("node-1", new Dictionary<string, string> { ["pods"] = "110" }, null), s => s.Nodes["node-1"].Capacity!["pods"] == "110" && s.Nodes["node-1"].Allocatable is null),
            (new NodeTaintsChanged("node-1", [new Taint { Key = "k", Effect = "PreferNoSchedule" }]), s => s.Nodes["node-1"].Taints.Single().Key == "k"),
            (new NodeCordoned("node-1"), s => s.Nodes["node-1"].Unschedulable),
            (new NodeUncordoned("node-1"), s => !s.Nodes["node-1"].Unschedulable),
            (new NodeConditionChanged("node-1", "Ready", "False"), s => s.Nodes["node-1"].Conditions.Single().Status == "False"),
            (new DaemonSetCreated("default/foo", "uid-ds", ds, 1, 1, new RevisionChange("foo-aaa", 1, "aaa", null), []),
                s => s.DaemonSets["default/foo"].SlotOf("node-1").ShouldRun && s.Revisions.ContainsKey("default/foo-aaa")),
            (new PodCreated("default/foo", "default", "foo-1", "node-1", "uid-ds", "aaa", 1, new Dictionary<string, string> { ["app"] = "foo", ["controller-revision-hash"] = "aaa" }, []),
                s => s.DaemonSets["default/foo"].SlotOf("node-1").Pods.Single() == "default/foo-1"),
            (new PodStatusObserved("default/foo", "default", "foo-1", "node-1", "Running", true, T), s => s.Pods["default/foo-1"].Ready),
            (new DaemonSetStatusChanged("default/foo", new DaemonSetStatus { NumberReady = 1 }), s => s.DaemonSets["default/foo"].Status.NumberReady == 1),
            (new DaemonSetUpdated("default/foo", v2, 2, 2, new RevisionChange("foo-bbb", 2, "bbb", null)), s => s.DaemonSets["default/foo"].CurrentHash == "bbb"),
            (new DaemonSetRolledBack("default/foo", 1, ds, 3, 3, new RevisionChange("foo-aaa", 3, "aaa", 1)),
                s => s.DaemonSets["default/foo"].CurrentHash == "aaa" && s.Revisions["default/foo-aaa"].Number == 3),
            (new DaemonSetRevisionsPruned("default/foo", [2]), s => !s.Revisions.ContainsKey("default/foo-bbb")),
            (new PodRegistered(null, "default", "stray", "node-1", Observed("stray", "foo")), s => s.Pods["default/stray"].Observed && s.Unclaimed.Contains("default/stray")),
            (new PodAdopted("default/foo", "uid-ds", "default", "stray", "node-1"), s => s.Pods["default/stray"].Controller?.Uid == "uid-ds"),
            (new PodLabelsChanged("default/foo", "default", "stray", "node-1", new Dictionary<string, string> { ["app"] = "other" }),
                s => s.Unclaimed.Contains("default/stray") && !s.DaemonSets["default/foo"].SlotOf("node-1").Pods.Contains("default/stray")),
            (new PodOrphaned("default/foo", "default", "stray", "node-1", PodReasons.SelectorMismatch), s => s.Pods["default/stray"].Controller is null),
            (new PodTerminating(null, "default", "stray", "node-1", T), s => s.Pods["default/stray"].IsTerminating),
            (new PodDeleted(null, "default", "stray", "node-1", PodReasons.Deleted), s => !s.Pods.ContainsKey("default/stray")),
            (new DaemonSetRevisionsDeduplicated("default/foo", "foo-aaa", ["foo-ccc"]), s => s.Revisions.ContainsKey("default/foo-aaa")),
            (new DaemonSetRevisionObserved("default/foo", "foo-7d9f", 3, "7d9f", ds.Spec!.Template!, "foo-aaa"),
                s => !s.Revisions.ContainsKey("default/foo-aaa") && s.Revisions["default/foo-7d9f"].Number == 3 && s.DaemonSets["default/foo"].CurrentHash == "7d9f"),
            (new DaemonSetDeleted("default/foo", "uid-ds", "Background"), s => !s.DaemonSets.ContainsKey("default/foo") && s.DeletedOwners.ContainsKey("uid-ds")),
            (new PodDeleted("default/foo", "default", "foo-1", "node-1", PodReasons.DaemonSetDeleted), s => s.Pods.IsEmpty),
            (new NodeRemoved("node-1"), s => s.Nodes.IsEmpty && s.RemovedNodes.ContainsKey("node-1")),
        };

        var state = ClusterState.Empty;
        var id = 0;
        foreach (var (e, holds) in steps)
        {
            state = Fold.Evolve(state, new Recorded(new Guid(++id, 0, 0, new byte[8]), T, e));
            Assert.True(holds(state), $"after {EventTypes.NameOf(e)}");
            Assert.Empty(Fold.CheckIndexes(state));
        }
        Assert.Equal(EventTypes.Types.OrderBy(t => t.Name), steps.Select(s => s.Event.GetType()).Distinct().OrderBy(t => t.Name));
    }
}
