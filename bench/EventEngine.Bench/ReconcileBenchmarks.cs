using BenchmarkDotNet.Attributes;
using EventEngine.Reconciliation;
using EventEngine.State;

namespace EventEngine.Bench;

/// <summary>
/// A full reconcile from empty: 20 DaemonSets on 1,000 nodes (baseline) and on 5,000 nodes (100,000 pods).
/// "Plan" is Reconcile alone; "Settle" also turns the plan into events and folds them until nothing changes.
/// </summary>
[Config(typeof(QuickConfig))]
public class FullReconcileBenchmarks
{
    private ClusterState _small = null!;
    private ClusterState _large = null!;

    [GlobalSetup]
    public void Setup()
    {
        _small = ClusterFixture.Empty(1_000);
        _large = ClusterFixture.Empty(5_000);
    }

    [Benchmark(Baseline = true)]
    public int Plan_1000Nodes() => Reconciler.Reconcile(_small, ClusterFixture.Now, ReconcileScope.All).Actions.Count;

    [Benchmark]
    public int Plan_5000Nodes() => Reconciler.Reconcile(_large, ClusterFixture.Now, ReconcileScope.All).Actions.Count;

    [Benchmark]
    public int Settle_5000Nodes() => Settler.Settle(_large, ClusterFixture.Now, ReconcileScope.All, ClusterFixture.NewId).Events.Count;
}

/// <summary>
/// One node's labels change on a settled cluster: fold the event and settle (reconcile, status). A rack label no
/// DaemonSet reads changes nothing; the maintenance label makes agent-0 delete its pod there. The cost must not grow
/// with the cluster: 1,000 nodes is the baseline, 5,000 nodes should be about the same.
/// </summary>
[Config(typeof(QuickConfig))]
public class IncrementalBenchmarks
{
    private ClusterState _small = null!;
    private ClusterState _large = null!;
    private int _flip;

    [GlobalSetup]
    public void Setup()
    {
        _small = ClusterFixture.Settled(1_000);
        _large = ClusterFixture.Settled(5_000);
    }

    [Benchmark(Baseline = true)]
    public int LabelChange_1000Nodes() => Relabel(_small, "node-500", "rack", (_flip++ % 2).ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Benchmark]
    public int LabelChange_5000Nodes() => Relabel(_large, "node-2500", "rack", (_flip++ % 2).ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Benchmark]
    public int MaintenanceLabel_DeletesAPod_1000Nodes() => Relabel(_small, "node-500", ClusterFixture.Maintenance, "true");

    [Benchmark]
    public int MaintenanceLabel_DeletesAPod_5000Nodes() => Relabel(_large, "node-2500", ClusterFixture.Maintenance, "true");

    private static int Relabel(ClusterState state, string node, string key, string value)
    {
        var labels = state.Nodes[node].Labels.SetItem(key, value);
        var settled = Steps.Run(state, [new Events.NodeLabelsChanged(node, labels)], ClusterFixture.Now, ClusterFixture.NewId).Settled;
        // the deletion and agent-0's new status, or nothing but the status writes the step always checks
        return settled.Events.Count;
    }
}
