using System.Collections.Immutable;
using EventEngine.Placement;

namespace EventEngine.State;

public static partial class Fold
{
    /// <summary>Recomputes one slot from its sources and moves the DaemonSet's counters by the difference.</summary>
    private static DaemonSetState WithSlot(ClusterState s, DaemonSetState ds, string node, bool reevaluate, Guid cause)
    {
        var old = ds.SlotOf(node);
        bool shouldRun, shouldContinue;
        if (!reevaluate) (shouldRun, shouldContinue) = (old.ShouldRun, old.ShouldContinueRunning);
        else if (s.Nodes.TryGetValue(node, out var n)) (shouldRun, shouldContinue) = NodeShouldRun.Evaluate(n.Name, n.Labels, n.Taints, ds.Placement);
        else (shouldRun, shouldContinue) = (false, false);

        var slot = s.Nodes.ContainsKey(node) ? BuildSlot(s, ds, node, shouldRun, shouldContinue, cause) : NodeSlot.Empty;
        return ds with
        {
            Slots = slot.IsEmpty ? ds.Slots.Remove(node) : ds.Slots.SetItem(node, slot),
            Counts = ds.Counts - old.Counts + slot.Counts,
        };
    }

    /// <summary>
    /// One pod changed (or went away): move it in or out of its slot without rescanning the node, which holds the
    /// pods of every DaemonSet. This is the hot path of a rollout.
    /// </summary>
    private static DaemonSetState WithPod(ClusterState s, DaemonSetState ds, string node, string key, Guid cause)
    {
        if (!s.Nodes.ContainsKey(node)) return WithSlot(s, ds, node, reevaluate: false, cause);
        var old = ds.SlotOf(node);
        var belongs = s.Pods.TryGetValue(key, out var pod) && pod.Controller?.Uid == ds.Uid && pod.Namespace == ds.Namespace
            && !(pod.IsTerminal && pod.IsTerminating) && LabelSelectors.Matches(ds.Selector, pod.Labels);
        var pods = old.Pods.Remove(key);
        if (belongs)
        {
            var at = 0;
            while (at < pods.Length && PodOrder.Instance.Compare(s.Pods[pods[at]], pod) < 0) at++;
            pods = pods.Insert(at, key);
        }
        var slot = new NodeSlot(old.ShouldRun, old.ShouldContinueRunning, pods, Count(s, ds, old.ShouldRun, pods), cause);
        return ds with
        {
            Slots = slot.IsEmpty ? ds.Slots.Remove(node) : ds.Slots.SetItem(node, slot),
            Counts = ds.Counts - old.Counts + slot.Counts,
        };
    }

    /// <summary>All slots of a DaemonSet from scratch (on creation and on every template change).</summary>
    private static DaemonSetState WithAllSlots(ClusterState s, DaemonSetState ds, Guid cause)
    {
        var slots = ImmutableDictionary.CreateBuilder<string, NodeSlot>();
        var counts = default(SlotCounts);
        foreach (var n in s.Nodes.Values)
        {
            var (shouldRun, shouldContinue) = NodeShouldRun.Evaluate(n.Name, n.Labels, n.Taints, ds.Placement);
            if (!shouldRun && !shouldContinue && !s.PodsByNode.ContainsKey(n.Name)) continue;
            var slot = BuildSlot(s, ds, n.Name, shouldRun, shouldContinue, cause);
            if (slot.IsEmpty) continue;
            slots[n.Name] = slot;
            counts += slot.Counts;
        }
        return ds with { Slots = slots.ToImmutable(), Counts = counts };
    }

    private static NodeSlot BuildSlot(ClusterState s, DaemonSetState ds, string node, bool shouldRun, bool shouldContinue, Guid cause)
    {
        var pods = ImmutableArray<string>.Empty;
        if (s.PodsByNode.TryGetValue(node, out var keys))
        {
            var mine = new List<PodState>();
            foreach (var key in keys)
            {
                var p = s.Pods[key];
                // a DaemonSet only ever sees pods of its own namespace (owner references do not cross namespaces)
                if (p.Controller?.Uid != ds.Uid || p.Namespace != ds.Namespace || (p.IsTerminal && p.IsTerminating)) continue;
                if (!LabelSelectors.Matches(ds.Selector, p.Labels)) continue;
                mine.Add(p);
            }
            if (mine.Count > 1) mine.Sort(PodOrder.Instance);
            pods = [.. mine.Select(p => p.Key)];
        }
        return new NodeSlot(shouldRun, shouldContinue, pods, Count(s, ds, shouldRun, pods), cause);
    }

    /// <summary>What one node adds to the status: desired/current/misscheduled by shouldRun, the rest by the oldest pod.</summary>
    private static SlotCounts Count(ClusterState s, DaemonSetState ds, bool shouldRun, ImmutableArray<string> pods)
    {
        var old = 0;
        foreach (var key in pods)
        {
            var p = s.Pods[key];
            if (!p.IsTerminating && !ds.IsUpdated(p))
            {
                old = 1;
                break;
            }
        }
        if (pods.IsEmpty) return new SlotCounts(shouldRun ? 1 : 0, 0, 0, 0, 0, 0);
        if (!shouldRun) return new SlotCounts(0, 0, 1, 0, 0, old);
        var oldest = s.Pods[pods[0]];
        return new SlotCounts(1, 1, 0, oldest.Ready ? 1 : 0, ds.IsUpdated(oldest) ? 1 : 0, old);
    }
}
