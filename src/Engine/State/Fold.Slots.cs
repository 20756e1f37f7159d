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
        else if (s.Nodes.TryGetValue(node, out var n)) (shouldRun, shouldContinue) = NodeShouldRun.Evaluate(n, ds.Placement);
        else (shouldRun, shouldContinue) = (false, false);

        var slot = s.Nodes.ContainsKey(node) ? KeepCause(old, BuildSlot(s, ds, node, shouldRun, shouldContinue, cause)) : NodeSlot.Empty;
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
        var slot = SlotWithPod(s.Pods, ds, old, key, cause);
        return ds with
        {
            Slots = slot.IsEmpty ? ds.Slots.Remove(node) : ds.Slots.SetItem(node, slot),
            Counts = ds.Counts - old.Counts + slot.Counts,
        };
    }

    /// <summary>The slot with the pod <paramref name="key"/> taken out, and put back in pod order if it belongs there.</summary>
    private static NodeSlot SlotWithPod(IReadOnlyDictionary<string, PodState> all, DaemonSetState ds, NodeSlot old, string key, Guid cause)
    {
        var pods = old.Pods.Remove(key);
        if (all.TryGetValue(key, out var pod) && ds.CountsPod(pod))
        {
            var at = 0;
            while (at < pods.Length && PodOrder.Instance.Compare(all[pods[at]], pod) < 0) at++;
            pods = pods.Insert(at, key);
        }
        return new NodeSlot(old.ShouldRun, old.ShouldContinueRunning, pods, Count(all, ds, old.ShouldRun, pods), cause);
    }

    /// <summary>
    /// All slots of a DaemonSet from scratch, given the pods on nodes its uid owns (by node): what
    /// <see cref="WithAllSlots(ClusterState, DaemonSetState, Guid)"/> finds by scanning every node's pods.
    /// </summary>
    private static DaemonSetState WithAllSlots(ClusterState s, DaemonSetState ds, Guid cause, IReadOnlyDictionary<string, List<PodState>> ownedByNode)
    {
        var slots = ImmutableDictionary.CreateBuilder<string, NodeSlot>();
        var counts = default(SlotCounts);
        foreach (var n in s.Nodes.Values)
        {
            var (shouldRun, shouldContinue) = NodeShouldRun.Evaluate(n, ds.Placement);
            var owned = ownedByNode.GetValueOrDefault(n.Name);
            if (!shouldRun && !shouldContinue && owned is null) continue;
            var pods = ImmutableArray<string>.Empty;
            if (owned is not null)
            {
                var mine = owned.Where(ds.CountsPod).ToList();
                if (mine.Count > 1) mine.Sort(PodOrder.Instance);
                pods = [.. mine.Select(p => p.Key)];
            }
            var slot = KeepCause(ds.SlotOf(n.Name), new NodeSlot(shouldRun, shouldContinue, pods, Count(s.Pods, ds, shouldRun, pods), cause));
            if (slot.IsEmpty) continue;
            slots[n.Name] = slot;
            counts += slot.Counts;
        }
        return ds with { Slots = slots.ToImmutable(), Counts = counts };
    }

    /// <summary>
    /// All slots of a new DaemonSet. The pods it may count are those whose controller has its uid: found in one pass
    /// over the pods, where <see cref="WithAllSlots(ClusterState, DaemonSetState, Guid)"/> would look up every pod of
    /// every node (twenty DaemonSets' pods on each of thousands of nodes).
    /// </summary>
    private static DaemonSetState WithAllSlotsOfNew(ClusterState s, DaemonSetState ds, Guid cause) =>
        WithAllSlots(s, ds, cause, OwnedByNode(s, ds.Uid).GetValueOrDefault(ds.Uid) ?? []);

    /// <summary>
    /// The pods on nodes by their controller's uid and by node, in one pass over the pods: every controller's, or only
    /// <paramref name="uid"/>'s.
    /// </summary>
    private static Dictionary<string, Dictionary<string, List<PodState>>> OwnedByNode(ClusterState s, string? uid = null)
    {
        var owned = new Dictionary<string, Dictionary<string, List<PodState>>>(StringComparer.Ordinal);
        foreach (var p in s.Pods.Values)
        {
            if (p.TargetNode is not { } node || p.Controller?.Uid is not { } owner || (uid is not null && owner != uid)) continue;
            if (!owned.TryGetValue(owner, out var byNode)) owned[owner] = byNode = new Dictionary<string, List<PodState>>(StringComparer.Ordinal);
            if (!byNode.TryGetValue(node, out var pods)) byNode[node] = pods = [];
            pods.Add(p);
        }
        return owned;
    }

    /// <summary>
    /// All slots of a DaemonSet whose template changed (<paramref name="ds"/> still holds its slots from before). The
    /// pods it counts depend on the pods and on its uid, namespace and selector, which a template change keeps: they
    /// are the pods its slots hold already, so no node's pods are looked up. Each node's answer and the counts are
    /// worked out again.
    /// </summary>
    private static DaemonSetState WithAllSlotsOfChanged(ClusterState s, DaemonSetState ds, Guid cause)
    {
        var owned = new Dictionary<string, List<PodState>>(StringComparer.Ordinal);
        foreach (var (node, slot) in ds.Slots)
        {
            if (slot.Pods.IsEmpty) continue;
            var pods = new List<PodState>(slot.Pods.Length);
            foreach (var key in slot.Pods)
                if (s.Pods.TryGetValue(key, out var p)) pods.Add(p);
            owned[node] = pods;
        }
        return WithAllSlots(s, ds, cause, owned);
    }

    /// <summary>All slots of a DaemonSet from scratch, from every node's pods.</summary>
    private static DaemonSetState WithAllSlots(ClusterState s, DaemonSetState ds, Guid cause)
    {
        var slots = ImmutableDictionary.CreateBuilder<string, NodeSlot>();
        var counts = default(SlotCounts);
        foreach (var n in s.Nodes.Values)
        {
            var (shouldRun, shouldContinue) = NodeShouldRun.Evaluate(n, ds.Placement);
            if (!shouldRun && !shouldContinue && !s.PodsByNode.ContainsKey(n.Name)) continue;
            var slot = KeepCause(ds.SlotOf(n.Name), BuildSlot(s, ds, n.Name, shouldRun, shouldContinue, cause));
            if (slot.IsEmpty) continue;
            slots[n.Name] = slot;
            counts += slot.Counts;
        }
        return ds with { Slots = slots.ToImmutable(), Counts = counts };
    }

    /// <summary>
    /// A slot's cause is the event that last changed its answer or its pods, so that an action names what really
    /// caused it: when one command removes a label and adds a taint, the label change that flipped the answer stays
    /// the cause, not the taint that followed and changed nothing more.
    /// </summary>
    private static NodeSlot KeepCause(NodeSlot old, NodeSlot slot) =>
        !old.IsEmpty && old.ShouldRun == slot.ShouldRun && old.ShouldContinueRunning == slot.ShouldContinueRunning && old.Pods.SequenceEqual(slot.Pods)
            ? slot with { Cause = old.Cause }
            : slot;

    private static NodeSlot BuildSlot(ClusterState s, DaemonSetState ds, string node, bool shouldRun, bool shouldContinue, Guid cause)
    {
        var pods = ImmutableArray<string>.Empty;
        if (s.PodsByNode.TryGetValue(node, out var keys))
        {
            var mine = new List<PodState>();
            foreach (var key in keys)
                if (s.Pods[key] is var p && ds.CountsPod(p)) mine.Add(p);
            if (mine.Count > 1) mine.Sort(PodOrder.Instance);
            pods = [.. mine.Select(p => p.Key)];
        }
        return new NodeSlot(shouldRun, shouldContinue, pods, Count(s.Pods, ds, shouldRun, pods), cause);
    }

    /// <summary>What one node adds to the status: desired/current/misscheduled by shouldRun, the rest by the oldest pod.</summary>
    private static SlotCounts Count(IReadOnlyDictionary<string, PodState> all, DaemonSetState ds, bool shouldRun, ImmutableArray<string> pods)
    {
        var old = 0;
        foreach (var key in pods)
        {
            var p = all[key];
            if (!p.IsTerminating && !ds.IsUpdated(p))
            {
                old = 1;
                break;
            }
        }
        if (pods.IsEmpty) return new SlotCounts(shouldRun ? 1 : 0, 0, 0, 0, 0, 0);
        if (!shouldRun) return new SlotCounts(0, 0, 1, 0, 0, old);
        var oldest = all[pods[0]];
        return new SlotCounts(1, 1, 0, oldest.Ready ? 1 : 0, ds.IsUpdated(oldest) ? 1 : 0, old);
    }
}
