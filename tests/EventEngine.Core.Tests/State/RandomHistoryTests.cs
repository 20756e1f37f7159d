using EventEngine.Decisions;
using EventEngine.Events;
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
        var random = new Random(seed);
        var c = new TestCluster();
        var log = new List<Recorded>();
        c.Nodes(6);
        log.AddRange(c.LastStep.Select(e => e.Event));
        string[] strategies =
        [
            "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 2}}}",
            "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: '50%'}}, minReadySeconds: 3}",
            "{updateStrategy: {type: OnDelete}}",
        ];
        for (var d = 0; d < 3; d++)
        {
            c.DaemonSet($"{{nodeSelector: {{pool: p{d % 2}}}, tolerations: [{{key: dedicated, operator: Exists, effect: NoSchedule}}]}}", strategies[d], name: $"ds{d}");
            log.AddRange(c.LastStep.Select(e => e.Event));
        }

        for (var step = 0; step < 300; step++)
        {
            var node = $"node-{random.Next(8)}";
            var ds = $"ds{random.Next(3)}";
            c.LastStep.Clear();
            try
            {
                switch (random.Next(9))
                {
                    case 0:
                        if (c.State.Nodes.ContainsKey(node)) c.PatchNode(node, $"{{metadata: {{labels: {{pool: p{random.Next(2)}}}}}}}");
                        else c.Node(node, $"{{pool: p{random.Next(2)}}}");
                        break;
                    case 1:
                        if (c.State.Nodes.ContainsKey(node))
                            c.PatchNode(node, random.Next(3) switch
                            {
                                0 => "{spec: {taints: [{key: dedicated, effect: NoSchedule}]}}",
                                1 => "{spec: {taints: [{key: evict, effect: NoExecute}]}}",
                                _ => "{spec: {taints: null}}",
                            });
                        break;
                    case 2:
                        if (c.State.Nodes.ContainsKey(node) && random.Next(3) == 0) c.Run(NodeDecisions.Remove(c.State, node));
                        break;
                    case 3:
                        c.PatchDaemonSet($"{{spec: {{template: {{spec: {{containers: [{{name: c, image: 'img:{random.Next(4)}'}}]}}}}}}}}", ds);
                        break;
                    case 4 or 5:
                        var pods = c.LivePods(ds);
                        if (pods.Count > 0)
                        {
                            var pod = pods[random.Next(pods.Count)];
                            c.Report(pod.Name, random.Next(4) == 0 ? "Failed" : "Running", random.Next(3) > 0);
                        }
                        break;
                    case 6:
                        var all = c.PodsOf(ds);
                        if (all.Count > 0) c.Run(PodDecisions.Delete(c.State, "default", all[random.Next(all.Count)].Name));
                        break;
                    case 7:
                        c.Advance(random.Next(1, 5));
                        break;
                    case 8:
                        var history = c.State.RevisionsOf(c.Ds(ds)).ToList();
                        c.Run(DaemonSetDecisions.Rollback(c.State, "default/" + ds, history[random.Next(history.Count)].Number));
                        break;
                }
            }
            catch (InvalidOperationException e) when (e.Message.StartsWith("refused", StringComparison.Ordinal))
            {
                continue;
            }
            log.AddRange(c.LastStep.Select(e => e.Event));

            var leftover = Reconciler.Reconcile(c.State, c.Now, ReconcileScope.All);
            Assert.True(leftover.IsEmpty, $"seed {seed} step {step}: a full reconcile still wants {string.Join(", ", leftover.Actions)}");
        }

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
