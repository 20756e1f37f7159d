using System.Collections.Immutable;

namespace EventEngine.State;

public static partial class Fold
{
    /// <summary>
    /// Rebuilds every derived index from the objects alone and lists where the incrementally kept ones differ.
    /// Empty means the fold's bookkeeping is right; tests run it after every step.
    /// </summary>
    public static IReadOnlyList<string> CheckIndexes(ClusterState s)
    {
        var problems = new List<string>();
        var byNode = s.Pods.Values.Where(p => p.TargetNode is not null).GroupBy(p => p.TargetNode!)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Key).ToHashSet());
        if (byNode.Count != s.PodsByNode.Count || byNode.Any(p => !s.PodsByNode.TryGetValue(p.Key, out var keys) || !keys.SetEquals(p.Value)))
            problems.Add("PodsByNode differs from the pods");

        var fresh = Reclassify(s with { Unclaimed = ImmutableHashSet<string>.Empty }, s.Pods.Keys);
        if (!fresh.Unclaimed.SetEquals(s.Unclaimed))
            problems.Add($"Unclaimed differs: kept [{string.Join(", ", s.Unclaimed.Order())}], rebuilt [{string.Join(", ", fresh.Unclaimed.Order())}]");

        foreach (var ds in s.DaemonSets.Values)
        {
            var rebuilt = WithAllSlots(s, ds, Guid.Empty);
            if (rebuilt.Counts != ds.Counts) problems.Add($"{ds.Key}: counts {ds.Counts} but rebuilt {rebuilt.Counts}");
            foreach (var node in rebuilt.Slots.Keys.Union(ds.Slots.Keys))
            {
                var a = ds.SlotOf(node);
                var b = rebuilt.SlotOf(node);
                if (a.ShouldRun != b.ShouldRun || a.ShouldContinueRunning != b.ShouldContinueRunning || !a.Pods.SequenceEqual(b.Pods) || a.Counts != b.Counts)
                    problems.Add($"{ds.Key} on {node}: kept {Describe(a)}, rebuilt {Describe(b)}");
            }
        }
        return problems;
    }

    /// <summary>The derived indexes (unclaimed pods, every DaemonSet's slots and counters) rebuilt from the objects.</summary>
    public static ClusterState Reindex(ClusterState s)
    {
        var unclaimed = ImmutableHashSet.CreateBuilder<string>();
        foreach (var p in s.Pods.Values)
            if (IsUnclaimed(s, p)) unclaimed.Add(p.Key);
        s = s with { Unclaimed = unclaimed.ToImmutable() };
        // the pods on nodes by owner uid and node, in one pass: each DaemonSet's slots then read only its own pods
        var owned = OwnedByNode(s);
        var none = new Dictionary<string, List<PodState>>();
        var daemonSets = s.DaemonSets.ToBuilder();
        foreach (var ds in s.DaemonSets.Values) daemonSets[ds.Key] = WithAllSlots(s, ds, Guid.Empty, owned.GetValueOrDefault(ds.Uid) ?? none);
        return s with { DaemonSets = daemonSets.ToImmutable() };
    }

    private static string Describe(NodeSlot slot) =>
        $"(run={slot.ShouldRun}, continue={slot.ShouldContinueRunning}, pods=[{string.Join(",", slot.Pods)}], {slot.Counts})";
}
