using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Reconciliation;
using EventEngine.State;

namespace EventEngine.Bench;

/// <summary>
/// One sync of one DaemonSet at 5,000 nodes (100,000 pods): settled (baseline), and OnDelete with revisionHistoryLimit
/// 0 after a template change, so every one of its pods still carries the old revision, which is one past the limit
/// and cannot be dropped. Every sync of such a DaemonSet (each of its pods' events, each node change it sees) asks
/// the history cleanup again.
/// </summary>
[Config(typeof(QuickConfig))]
public class HistoryCleanupBenchmarks
{
    private static readonly ReconcileScope AgentOne = ReconcileScope.ForDaemonSet("kube-system/agent-1");
    private ClusterState _settled = null!;
    private ClusterState _carried = null!;

    [GlobalSetup]
    public void Setup()
    {
        _settled = ClusterFixture.Settled(5_000);
        var patch = JsonNode.Parse("""
            {"spec": {"updateStrategy": {"type": "OnDelete"}, "revisionHistoryLimit": 0,
                      "template": {"spec": {"containers": [{"name": "agent", "image": "registry.example/agent:new"}]}}}}
            """)!;
        var decided = DaemonSetDecisions.Patch(_settled, "kube-system/agent-1", patch);
        var changed = Fold.EvolveAll(_settled, decided.Events.Select(e => new Recorded(ClusterFixture.NewId(), ClusterFixture.Now, e)));
        _carried = Settler.Settle(changed, ClusterFixture.Now, ReconcileScope.All, ClusterFixture.NewId).State;
        if (_carried.RevisionsOf(_carried.DaemonSets["kube-system/agent-1"]).Count() != 2)
            throw new InvalidOperationException("the old revision should be kept while the pods carry it");
    }

    [Benchmark(Baseline = true)]
    public int Sync_Settled() => Reconciler.Reconcile(_settled, ClusterFixture.Now, AgentOne).Actions.Count;

    [Benchmark]
    public int Sync_OldRevisionCarried_LimitZero() => Reconciler.Reconcile(_carried, ClusterFixture.Now, AgentOne).Actions.Count;
}
