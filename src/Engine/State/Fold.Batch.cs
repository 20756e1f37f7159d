using System.Collections.Immutable;
using EventEngine.Events;

namespace EventEngine.State;

public static partial class Fold
{
    /// <summary>From how many pods created in a row the batched fold pays for its builders.</summary>
    private const int BatchFrom = 16;

    /// <summary>
    /// Evolve, event after event. Pods created in a row (a DaemonSet placed on thousands of nodes) are folded
    /// together through builders: the same state as one by one, without copying the large maps once per pod.
    /// </summary>
    public static ClusterState EvolveAll(ClusterState s, IEnumerable<Recorded> events)
    {
        var run = new List<(Recorded Recorded, PodCreated Event)>();
        foreach (var r in events)
        {
            if (r.Event is PodCreated created)
            {
                run.Add((r, created));
                continue;
            }
            s = Evolve(FoldCreated(s, run), r);
        }
        return FoldCreated(s, run);
    }

    private static ClusterState FoldCreated(ClusterState s, List<(Recorded Recorded, PodCreated Event)> run)
    {
        if (run.Count == 0) return s;
        s = run.Count >= BatchFrom && CanBatch(s, run) ? PodsCreated(s, run) : run.Aggregate(s, (state, c) => Evolve(state, c.Recorded));
        run.Clear();
        return s;
    }

    /// <summary>
    /// The batch covers the common case: pods on nodes that exist, of DaemonSets that exist. (A pod on a missing node
    /// takes another path in <see cref="WithPod"/>; a missing DaemonSet is an error the one-by-one fold reports.)
    /// </summary>
    private static bool CanBatch(ClusterState s, List<(Recorded Recorded, PodCreated Event)> run) =>
        run.TrueForAll(c => c.Event.Node is { } node && s.Nodes.ContainsKey(node) && c.Event.DaemonSet is { } ds && s.DaemonSets.ContainsKey(ds));

    /// <summary>PodCreated, then PutPod, for each event of the run: the same steps on builders.</summary>
    private static ClusterState PodsCreated(ClusterState s, List<(Recorded Recorded, PodCreated Event)> run)
    {
        var pods = s.Pods.ToBuilder();
        var unclaimed = s.Unclaimed.ToBuilder();
        var byNode = new Dictionary<string, ImmutableHashSet<string>.Builder>(StringComparer.Ordinal);
        var working = new Dictionary<string, Working>(StringComparer.Ordinal);
        Working Of(string key) => working.TryGetValue(key, out var w) ? w : working[key] = new Working(s.DaemonSets[key]);

        foreach (var (r, e) in run)
        {
            var creator = Of(e.DaemonSet);
            creator.PodsCreated++;
            var pod = CreatedPod(creator.Ds, e, r);
            pods[pod.Key] = pod;
            if (!byNode.TryGetValue(e.Node, out var onNode))
                byNode[e.Node] = onNode = s.PodsByNode.GetValueOrDefault(e.Node, ImmutableHashSet<string>.Empty).ToBuilder();
            onNode.Add(pod.Key);
            if (IsUnclaimed(s, pod)) unclaimed.Add(pod.Key);
            else unclaimed.Remove(pod.Key);

            if (s.DaemonSetByUid(pod.Controller?.Uid) is not { } owner) continue;
            var ds = Of(owner.Key);
            var old = ds.Slots.GetValueOrDefault(e.Node) ?? NodeSlot.Empty;
            var slot = SlotWithPod(pods, ds.Ds, old, pod.Key, r.CausationId ?? r.Id);
            if (slot.IsEmpty) ds.Slots.Remove(e.Node);
            else ds.Slots[e.Node] = slot;
            ds.Counts = ds.Counts - old.Counts + slot.Counts;
        }

        var nodes = s.PodsByNode.ToBuilder();
        foreach (var (node, keys) in byNode) nodes[node] = keys.ToImmutable();
        var daemonSets = s.DaemonSets.ToBuilder();
        foreach (var (key, w) in working)
            daemonSets[key] = w.Ds with { Slots = w.Slots.ToImmutable(), Counts = w.Counts, PodsCreated = w.PodsCreated };
        return s with
        {
            Pods = pods.ToImmutable(),
            PodsByNode = nodes.ToImmutable(),
            Unclaimed = unclaimed.ToImmutable(),
            DaemonSets = daemonSets.ToImmutable(),
        };
    }

    /// <summary>A DaemonSet while the batch changes it: its slots, counters and pods created so far.</summary>
    private sealed class Working(DaemonSetState ds)
    {
        public DaemonSetState Ds { get; } = ds;
        public ImmutableDictionary<string, NodeSlot>.Builder Slots { get; } = ds.Slots.ToBuilder();
        public SlotCounts Counts { get; set; } = ds.Counts;
        public long PodsCreated { get; set; } = ds.PodsCreated;
    }
}
