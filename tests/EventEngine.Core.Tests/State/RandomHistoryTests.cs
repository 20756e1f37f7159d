using EventEngine.Reconciliation;
using EventEngine.State;

namespace EventEngine.Core.Tests.State;

/// <summary>
/// Random histories (seeded, bounded) checked against three invariants after every step: the fold's indexes match
/// a rebuild, a full reconcile finds nothing a scoped settle left behind, and folding the emitted log from scratch
/// gives the same state.
/// </summary>
public sealed class RandomHistoryTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void ScopedSettles_LeaveNothingForAFullReconcile_AndTheLogRefoldsToTheSameState(int seed)
    {
        var (c, log) = RandomHistory.Write(seed, steps: 300, afterStep: (cluster, step) =>
        {
            var leftover = Reconciler.Reconcile(cluster.State, cluster.Now, ReconcileScope.All);
            Assert.True(leftover.IsEmpty, $"seed {seed} step {step}: a full reconcile still wants {string.Join(", ", leftover.Actions)}");
        });

        var refolded = Fold.EvolveAll(ClusterState.Empty, log);
        Assert.Equal(Fingerprint.Of(c.State), Fingerprint.Of(refolded));
        Assert.Empty(Fold.CheckIndexes(refolded));

        // a snapshot restores the same state, causes included, so folding can continue from it
        var json = EventEngine.Model.Json.Serialize(StateDocument.From(c.State));
        var restored = EventEngine.Model.Json.Deserialize<StateDocument>(json).ToState();
        Assert.Equal(Fingerprint.Of(c.State), Fingerprint.Of(restored));
        Assert.Empty(Fold.CheckIndexes(restored));
        foreach (var ds in c.State.DaemonSets.Values)
            Assert.Equal(ds.Slots.OrderBy(p => p.Key).Select(p => (p.Key, p.Value.Cause, p.Value.Counts)),
                restored.DaemonSets[ds.Key].Slots.OrderBy(p => p.Key).Select(p => (p.Key, p.Value.Cause, p.Value.Counts)));
        Assert.Equal(json, EventEngine.Model.Json.Serialize(StateDocument.From(restored)));
    }
}
