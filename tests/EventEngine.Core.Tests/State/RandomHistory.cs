using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.State;

namespace EventEngine.Core.Tests.State;

/// <summary>
/// Random histories (seeded, bounded) of a cluster of up to eight nodes and three DaemonSets (two rolling updates, one
/// with maxSurge and minReadySeconds, and one OnDelete): nodes join, are relabelled, tainted and removed, templates
/// change and roll back, pods are reported, fail, are deleted, and time passes. Each step settles as the engine does.
/// </summary>
internal static class RandomHistory
{
    /// <summary>The cluster after <paramref name="steps"/> random steps, and the log it recorded; <paramref name="afterStep"/> runs after each step.</summary>
    public static (TestCluster Cluster, List<Recorded> Log) Write(int seed, int steps, Action<TestCluster, int>? afterStep = null)
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

        for (var step = 0; step < steps; step++)
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
            afterStep?.Invoke(c, step);
        }
        return (c, log);

    }
}
