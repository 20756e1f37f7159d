using EventEngine.Decisions;
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
        var random = new Random(seed);
        var c = new TestCluster();
        var log = new List<Recorded>();
        c.Nodes(6);
        log.AddRange(c.LastStep.Select(e => e.Event));
        string[] strategies =
        [
            "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 2}}}",
            "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: '50%'}}, minReadySeconds: 3}",
        ];
        for (var d = 0; d < strategies.Length; d++)
        {
            c.DaemonSet($"{{nodeSelector: {{pool: p{d % 2}}}}}", strategies[d], name: $"ds{d}");
            log.AddRange(c.LastStep.Select(e => e.Event));
        }
        for (var step = 0; step < 200; step++)
        {
            var node = $"node-{random.Next(8)}";
            var ds = $"ds{random.Next(strategies.Length)}";
            c.LastStep.Clear();
            try
            {
                switch (random.Next(6))
                {
                    case 0:
                        if (c.State.Nodes.ContainsKey(node)) c.PatchNode(node, $"{{metadata: {{labels: {{pool: p{random.Next(2)}}}}}}}");
                        else c.Node(node, $"{{pool: p{random.Next(2)}}}");
                        break;
                    case 1:
                        c.PatchDaemonSet($"{{spec: {{template: {{spec: {{containers: [{{name: c, image: 'img:{random.Next(4)}'}}]}}}}}}}}", ds);
                        break;
                    case 2 or 3:
                        var live = c.LivePods(ds);
                        if (live.Count > 0) c.Report(live[random.Next(live.Count)].Name, random.Next(5) == 0 ? "Failed" : "Running", random.Next(3) > 0);
                        break;
                    case 4:
                        var all = c.PodsOf(ds);
                        if (all.Count > 0) c.Run(PodDecisions.Delete(c.State, "default", all[random.Next(all.Count)].Name));
                        break;
                    case 5:
                        c.Advance(random.Next(1, 3));
                        break;
                }
            }
            catch (InvalidOperationException e) when (e.Message.StartsWith("refused", StringComparison.Ordinal))
            {
                continue;
            }
            log.AddRange(c.LastStep.Select(e => e.Event));
        }

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
