using EventEngine.State;

namespace EventEngine.Core.Tests.State;

/// <summary>
/// A past state built back from a later one (<see cref="Fold.Back"/>) is the state the fold reached then, whether each
/// DaemonSet's slots are mended node by node or worked out whole: on random histories, from the last state back to
/// every third event, and over a few events.
/// </summary>
public sealed class FoldBackTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void APastState_BuiltBack_IsTheFoldThen_WhetherSlotsAreMendedOrWorkedOutWhole(int seed)
    {
        var (_, log) = RandomHistory.Write(seed, steps: 150);
        var states = new List<ClusterState> { ClusterState.Empty };
        foreach (var recorded in log) states.Add(Fold.Evolve(states[^1], recorded));
        var last = states.Count - 1;

        var compared = 0;
        for (var then = 0; then < last; then += 3)
        {
            foreach (var later in new[] { last, Math.Min(then + 3, last) })
            {
                var (changed, before) = Between(states[then], states[later]);
                foreach (var mendUpTo in new[] { 0, int.MaxValue })
                {
                    var back = Fold.Back(states[later], changed, before, mendUpTo);
                    var where = $"seed {seed}: back from {later} to {then}, mending up to {mendUpTo} nodes";
                    Assert.True(Fingerprint.Of(states[then]) == Fingerprint.Of(back), $"{where}: the objects differ");
                    Assert.Empty(Fold.CheckIndexes(back));
                    Assert.Equal(states[then].NodeNames, back.NodeNames);
                    Assert.Equal(states[then].DaemonSetsByUid.OrderBy(p => p.Key), back.DaemonSetsByUid.OrderBy(p => p.Key));
                    compared++;
                }
            }
        }
        Assert.True(compared >= 250, $"only {compared} states compared");
    }

    /// <summary>
    /// What the history would give: the objects that differ between the two states (kind and key), and those of them
    /// the earlier state had, as they were there.
    /// </summary>
    private static (List<(char Kind, string Key)> Changed, List<(char Kind, string Key, object Value)> Then) Between(ClusterState earlier, ClusterState later)
    {
        var then = ObjectHistory.All(earlier).ToDictionary(c => (c.Kind, c.Key), c => c.After!);
        var now = ObjectHistory.All(later).ToDictionary(c => (c.Kind, c.Key), c => c.After!);
        var changed = then.Keys.Union(now.Keys)
            .Where(k => !then.TryGetValue(k, out var a) || !now.TryGetValue(k, out var b) || !Equals(a, b))
            .ToList();
        return (changed, [.. changed.Where(then.ContainsKey).Select(k => (k.Kind, k.Key, then[k]))]);
    }
}
