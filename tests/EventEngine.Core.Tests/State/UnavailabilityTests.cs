using EventEngine.Events;
using EventEngine.Projections.History;
using EventEngine.State;

namespace EventEngine.Core.Tests.State;

/// <summary>
/// The counts a walk of the log keeps of each DaemonSet's desired nodes without an available pod (the divergence scan's
/// maxUnavailable rule) equal the counts made from scratch, after every event of random histories, at times that hold
/// for stretches of events as a command's time does.
/// </summary>
public sealed class UnavailabilityTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void TheCountsKeptFromEventToEvent_AreTheCountsMadeFromScratch(int seed)
    {
        var (_, log) = RandomHistory.Write(seed, steps: 200);

        var kept = new Unavailability();
        var state = ClusterState.Empty;
        var now = DateTimeOffset.UnixEpoch;
        var compared = 0;
        for (var i = 0; i < log.Count; i++)
        {
            // a time holds for seven events at a stretch, two seconds after the first of them (minReadySeconds counts)
            if (i % 7 == 0) now = log[i].At.AddSeconds(2);
            var next = Fold.Evolve(state, log[i]);
            kept.Moved(state, next, log[i].Event);
            state = next;
            foreach (var ds in state.DaemonSets.Values)
            {
                Assert.True(Unavailability.Count(state, ds, now) == kept.Of(state, ds, now),
                    $"seed {seed}, event {i} ({EventTypes.NameOf(log[i].Event)}), {ds.Key}: kept {kept.Of(state, ds, now)}, counted {Unavailability.Count(state, ds, now)}");
                compared++;
            }
        }
        Assert.True(compared > 500, $"only {compared} counts compared");
    }
}
