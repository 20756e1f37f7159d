using System.Collections.Immutable;
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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void AdversarialRuns_FoldBatchedAsOneByOne(int seed)
    {
        // duplicate and existing names, foreign and unknown owners, other namespaces, labels off the selector
        var random = new Random(seed);
        var c = new TestCluster().Nodes(6).DaemonSet(name: "a").DaemonSet(name: "b").ReadyAll("a");
        var daemonSets = c.State.DaemonSets.Values.ToList();
        var existing = c.State.Pods.Values.Select(p => p.Name).ToList();
        for (var round = 0; round < 40; round++)
        {
            var events = new List<Recorded>();
            for (var i = 0; i < 16 + random.Next(20); i++)
            {
                var creator = daemonSets[random.Next(daemonSets.Count)];
                var owner = random.Next(4) switch { 0 => daemonSets[random.Next(daemonSets.Count)].Uid, 1 => "unknown-uid", _ => creator.Uid };
                var name = random.Next(3) switch { 0 => existing[random.Next(existing.Count)], 1 => $"dup-{random.Next(4)}", _ => $"p-{round}-{i}" };
                IReadOnlyDictionary<string, string> labels = random.Next(4) switch
                {
                    0 => new Dictionary<string, string> { ["app"] = "other", [WellKnown.RevisionHashLabel] = creator.CurrentHash },
                    1 => ImmutableDictionary.Create<string, string>(StringComparer.OrdinalIgnoreCase).Add("app", creator.Name).Add(WellKnown.RevisionHashLabel, creator.CurrentHash),
                    2 => new Dictionary<string, string> { ["app"] = creator.Name, [WellKnown.RevisionHashLabel] = "old" },
                    _ => new Dictionary<string, string> { ["app"] = creator.Name, [WellKnown.RevisionHashLabel] = creator.CurrentHash },
                };
                var e = new PodCreated(creator.Key, random.Next(6) == 0 ? "other" : "default", name, $"node-{random.Next(6)}", owner, creator.CurrentHash, 1, labels, []);
                events.Add(new Recorded(c.NewId(), TestCluster.Start.AddSeconds(i), e, random.Next(2) == 0 ? null : c.NewId()));
            }
            AssertSameFold(c.State, events, checkIndexes: false);
        }
    }

    [Fact]
    public void PodsCreatedWithoutANode_FoldOneByOne()
    {
        var c = new TestCluster().Nodes(2).DaemonSet();
        var ds = c.Ds();
        var events = Enumerable.Range(0, 20).Select(i => new Recorded(c.NewId(), TestCluster.Start,
            new PodCreated(ds.Key, "default", $"x-{i}", null!, ds.Uid, ds.CurrentHash, 1, new Dictionary<string, string> { ["app"] = "foo" }, []))).ToList();
        AssertSameFold(c.State, events, checkIndexes: false);
    }

    private static void AssertSameFold(ClusterState before, IReadOnlyList<Recorded> events, ClusterState? settled = null, bool checkIndexes = true)
    {
        var batched = Fold.EvolveAll(before, events);
        var single = events.Aggregate(before, Fold.Evolve);
        Assert.Equal(Document(single), Document(batched));
        if (settled is not null) Assert.Equal(Document(settled), Document(batched));
        if (checkIndexes) Assert.Empty(Fold.CheckIndexes(batched));
        Assert.True(single.Unclaimed.SetEquals(batched.Unclaimed));
        Assert.Equal(single.PodsByNode.Keys.Order(), batched.PodsByNode.Keys.Order());
        foreach (var (node, keys) in single.PodsByNode) Assert.True(keys.SetEquals(batched.PodsByNode[node]), node);
        foreach (var ds in single.DaemonSets.Values)
        {
            var other = batched.DaemonSets[ds.Key];
            Assert.Equal((ds.Counts, ds.PodsCreated), (other.Counts, other.PodsCreated));
            Assert.Equal(Slots(ds), Slots(other));
        }
        foreach (var (key, pod) in single.Pods) Assert.Equal(pod.Labels.KeyComparer, batched.Pods[key].Labels.KeyComparer);
    }

    private static string Document(ClusterState s) => Json.Serialize(StateDocument.From(s));

    private static List<string> Slots(DaemonSetState ds) =>
        [.. ds.Slots.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key} {p.Value.ShouldRun} {p.Value.ShouldContinueRunning} [{string.Join(",", p.Value.Pods)}] {p.Value.Counts} {p.Value.Cause}")];
}
