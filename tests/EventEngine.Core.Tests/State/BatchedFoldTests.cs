using EventEngine.Events;
using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Core.Tests.State;

/// <summary>The batched fold of pods created in a row gives exactly the state of folding them one by one.</summary>
public sealed class BatchedFoldTests
{
    [Fact]
    public void PlacingDaemonSets_OnManyNodes_FoldsBatchedAsOneByOne()
    {
        var c = new TestCluster();
        for (var i = 0; i < 60; i++) c.Node($"node-{i}", labels: i % 3 == 0 ? "{disk: ssd}" : "{}", taints: i % 5 == 0 ? "[{key: gpu, effect: NoSchedule}]" : "[]");
        c.DaemonSet(name: "plain");
        var before = c.State;
        c.Apply(TestCluster.DaemonSetYaml(podSpec: "{nodeSelector: {disk: ssd}, tolerations: [{key: gpu, operator: Exists}]}", name: "ssd")
            + "\n---\n" + TestCluster.DaemonSetYaml(name: "other"));
        Assert.True(c.Emitted<PodCreated>().Count > 60);
        AssertSameFold(before, c.LastStep.Select(e => e.Event).ToList(), c.State);
    }

    [Fact]
    public void SurgePods_BesideOldOnes_FoldBatchedAsOneByOne()
    {
        var c = new TestCluster().Nodes(40)
            .DaemonSet(spec: "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: '100%', maxUnavailable: 0}}}").ReadyAll();
        var before = c.State;
        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: img:2}]}}}}");
        Assert.Equal(40, c.Emitted<PodCreated>().Count);
        Assert.All(c.State.DaemonSets["default/foo"].Slots.Values, slot => Assert.Equal(2, slot.Pods.Length));
        AssertSameFold(before, c.LastStep.Select(e => e.Event).ToList(), c.State);
    }

    private static void AssertSameFold(ClusterState before, IReadOnlyList<Recorded> events, ClusterState settled)
    {
        var batched = Fold.EvolveAll(before, events);
        var single = events.Aggregate(before, Fold.Evolve);
        Assert.Equal(Document(single), Document(batched));
        Assert.Equal(Document(settled), Document(batched));
        Assert.Empty(Fold.CheckIndexes(batched));
        Assert.True(single.Unclaimed.SetEquals(batched.Unclaimed));
        Assert.Equal(single.PodsByNode.Keys.Order(), batched.PodsByNode.Keys.Order());
        foreach (var (node, keys) in single.PodsByNode) Assert.True(keys.SetEquals(batched.PodsByNode[node]), node);
        foreach (var ds in single.DaemonSets.Values)
        {
            var other = batched.DaemonSets[ds.Key];
            Assert.Equal((ds.Counts, ds.PodsCreated), (other.Counts, other.PodsCreated));
            Assert.Equal(Slots(ds), Slots(other));
        }
    }

    private static string Document(ClusterState s) => Json.Serialize(StateDocument.From(s));

    private static List<string> Slots(DaemonSetState ds) =>
        [.. ds.Slots.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key} {p.Value.ShouldRun} {p.Value.ShouldContinueRunning} [{string.Join(",", p.Value.Pods)}] {p.Value.Counts} {p.Value.Cause}")];
}
