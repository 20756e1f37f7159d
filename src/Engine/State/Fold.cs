using System.Collections.Immutable;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Placement;

namespace EventEngine.State;

/// <summary>
/// The fold: state = Evolve(state, event), one exhaustive switch. It also keeps the derived indexes (pods by node,
/// unclaimed pods, each DaemonSet's slot table) current, so readers never rescan the cluster.
/// </summary>
public static partial class Fold
{
    public static ClusterState Evolve(ClusterState s, Recorded r) => r.Event switch
    {
        NodeJoined e => NodeJoined(s, e, r),
        NodeLabelsChanged e => ChangeNode(s, e.Node, n => n with { Labels = e.Labels.ToImmutableDictionary() }, r.Id),
        NodeAnnotationsChanged e => ChangeNode(s, e.Node, n => n with { Annotations = MapOf(e.Annotations) }, null),
        NodeTaintsChanged e => ChangeNode(s, e.Node, n => n with { Taints = [.. e.Taints], TaintsCause = r.Id }, r.Id),
        NodeCordoned e => ChangeNode(s, e.Node, n => n with { Unschedulable = true }, null),
        NodeUncordoned e => ChangeNode(s, e.Node, n => n with { Unschedulable = false }, null),
        NodeResourcesChanged e => ChangeNode(s, e.Node, n => n with { Capacity = MapOf(e.Capacity), Allocatable = MapOf(e.Allocatable) }, null),
        NodeConditionChanged e => ChangeNode(s, e.Node, n => n with { Conditions = WithCondition(n.Conditions, e, r.At) }, null),
        NodeRemoved e => NodeRemoved(s, e, r),
        DaemonSetCreated e => DaemonSetCreated(s, e, r),
        DaemonSetUpdated e => DaemonSetChanged(s, e.DaemonSet, e.Object, e.Generation, e.TemplateGeneration, e.Revision, r),
        DaemonSetRolledBack e => DaemonSetChanged(s, e.DaemonSet, e.Object, e.Generation, e.TemplateGeneration, e.Revision, r),
        DaemonSetRevisionsPruned e => RevisionsPruned(s, e),
        DaemonSetRevisionsDeduplicated e => RevisionsDeduplicated(s, e),
        DaemonSetRevisionObserved e => RevisionObserved(s, e, r),
        DaemonSetDeleted e => DaemonSetDeleted(s, e, r),
        DaemonSetStatusChanged e => ChangeDaemonSet(s, e.DaemonSet, ds => ds with { Status = e.Status }),
        PodCreated e => PodCreated(s, e, r),
        PodRegistered e => PodRegistered(s, e, r),
        PodStatusObserved e => ChangePod(s, e.Namespace, e.Pod, p => p with
        {
            Phase = e.Phase, Ready = e.Ready, ReadySince = e.Ready ? e.ReadySince ?? p.ReadySince ?? r.At : null,
            StatusCause = r.Id,
        }, r),
        PodLabelsChanged e => ChangePod(s, e.Namespace, e.Pod, p => p with { Labels = e.Labels.ToImmutableDictionary(), LabelsCause = r.Id }, r),
        PodTerminating e => ChangePod(s, e.Namespace, e.Pod, p => p with { DeletionTimestamp = e.DeletionTimestamp }, r),
        PodDeleted e => PodDeleted(s, e, r),
        PodOrphaned e => ChangePod(s, e.Namespace, e.Pod, p => p with { Controller = null }, r),
        PodAdopted e => ChangePod(s, e.Namespace, e.Pod, p => p with
        {
            Controller = OwnerReference.ForDaemonSet(e.DaemonSet[(e.DaemonSet.IndexOf('/') + 1)..], e.Uid),
        }, r),
        _ => throw new InvalidOperationException($"the fold does not know {r.Event.GetType().Name}"),
    };

    private static ClusterState NodeJoined(ClusterState s, NodeJoined e, Recorded r)
    {
        var node = new NodeState(e.Node, e.Uid, e.Labels.ToImmutableDictionary(), [.. e.Taints], e.Unschedulable,
            [.. e.Conditions], r.At, r.Id)
        {
            Annotations = MapOf(e.Annotations),
            Capacity = MapOf(e.Capacity),
            Allocatable = MapOf(e.Allocatable),
        };
        s = s with
        {
            Nodes = s.Nodes.SetItem(e.Node, node),
            NodeNames = s.NodeNames.Add(e.Node),
            RemovedNodes = s.RemovedNodes.Remove(e.Node),
        };
        return RefreshNodeForAll(s, e.Node, r.Id);
    }

    /// <summary>A map a node may lack (annotations, resources): null when empty, so a node without one is stored as before it was kept.</summary>
    private static ImmutableDictionary<string, string>? MapOf(IReadOnlyDictionary<string, string>? map) =>
        map is { Count: > 0 } ? map.ToImmutableDictionary() : null;

    private static ClusterState ChangeNode(ClusterState s, string name, Func<NodeState, NodeState> change, Guid? placementCause)
    {
        var node = s.Nodes.GetValueOrDefault(name) ?? throw Missing("node", name);
        var changed = change(node);
        s = s with { Nodes = s.Nodes.SetItem(name, changed) };
        return placementCause is { } cause ? ReevaluateNodeForAll(s, changed, cause) : s;
    }

    /// <summary>
    /// A node's labels or taints changed, not its pods: a DaemonSet whose answer there is the same keeps its slot as it
    /// is (the slot rebuilt would hold the same pods, counts and cause), so only the answers that moved cost a rebuild.
    /// </summary>
    private static ClusterState ReevaluateNodeForAll(ClusterState s, NodeState node, Guid cause)
    {
        var daemonSets = s.DaemonSets;
        foreach (var ds in s.DaemonSets.Values)
        {
            var old = ds.SlotOf(node.Name);
            if (NodeShouldRun.Evaluate(node, ds.Placement) == (old.ShouldRun, old.ShouldContinueRunning)) continue;
            daemonSets = daemonSets.SetItem(ds.Key, WithSlot(s, ds, node.Name, reevaluate: true, cause));
        }
        return s with { DaemonSets = daemonSets };
    }

    private static ImmutableArray<NodeCondition> WithCondition(ImmutableArray<NodeCondition> conditions, NodeConditionChanged e, DateTimeOffset at)
    {
        var rest = conditions.Where(c => c.Type != e.Type);
        return e.Status is null
            ? [.. rest]
            : [.. rest, new NodeCondition { Type = e.Type, Status = e.Status, LastTransitionTime = at }];
    }

    private static ClusterState NodeRemoved(ClusterState s, NodeRemoved e, Recorded r)
    {
        s = s with
        {
            Nodes = s.Nodes.Remove(e.Node),
            NodeNames = s.NodeNames.Remove(e.Node),
            RemovedNodes = s.RemovedNodes.SetItem(e.Node, r.Id),
        };
        return RefreshNodeForAll(s, e.Node, r.Id);
    }

    private static ClusterState RefreshNodeForAll(ClusterState s, string node, Guid cause)
    {
        var daemonSets = s.DaemonSets;
        foreach (var ds in s.DaemonSets.Values)
            daemonSets = daemonSets.SetItem(ds.Key, WithSlot(s, ds, node, reevaluate: true, cause));
        return s with { DaemonSets = daemonSets };
    }

    private static ClusterState ChangeDaemonSet(ClusterState s, string key, Func<DaemonSetState, DaemonSetState> change)
    {
        var ds = s.DaemonSets.GetValueOrDefault(key) ?? throw Missing("DaemonSet", key);
        return s with { DaemonSets = s.DaemonSets.SetItem(key, change(ds)) };
    }

    private static InvalidOperationException Missing(string kind, string name) =>
        new($"the log refers to {kind} {name}, which the fold does not know: the log is inconsistent");
}
