using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Reconciliation;
using EventEngine.State;

namespace EventEngine.Bench;

/// <summary>
/// A cluster of N nodes (three zones) and 20 DaemonSets, built through the same fold the engine uses. DaemonSet
/// agent-0 stays off nodes labelled <see cref="Maintenance"/>.
/// </summary>
public static class ClusterFixture
{
    public const int DaemonSets = 20;
    public const string Maintenance = "example.com/maintenance";
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static long _ids;

    public static Guid NewId() => new(0, 0, 0, BitConverter.GetBytes(Interlocked.Increment(ref _ids)));

    /// <summary>Nodes and DaemonSets, no pods yet.</summary>
    public static ClusterState Empty(int nodes)
    {
        var s = ClusterState.Empty;
        for (var i = 0; i < nodes; i++)
        {
            var labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = $"node-{i}", ["topology.kubernetes.io/zone"] = $"zone-{i % 3}" };
            s = Fold.Evolve(s, new Recorded(NewId(), Now, new NodeJoined($"node-{i}", $"uid-{i}", labels, [], false, [])));
        }
        for (var d = 0; d < DaemonSets; d++)
        {
            var manifest = JsonNode.Parse("""
                {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent-#", "namespace": "kube-system"},
                 "spec": {"selector": {"matchLabels": {"app": "agent-#"}},
                          "template": {"metadata": {"labels": {"app": "agent-#"}},
                                       "spec": {"containers": [{"name": "agent", "image": "registry.example/agent:#"}],
                                                "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}]}}}}
                """.Replace("#", d.ToString(System.Globalization.CultureInfo.InvariantCulture)))!;
            if (d == 0)
                manifest["spec"]!["template"]!["spec"]!["affinity"] = JsonNode.Parse("""
                    {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "MAINTENANCE", "operator": "DoesNotExist"}]}]}}}
                    """.Replace("MAINTENANCE", Maintenance));
            var decided = DaemonSetDecisions.Create(s, Manifests.Deserialize<DaemonSet>(manifest), Now, NewId);
            s = Fold.EvolveAll(s, decided.Events.Select(e => new Recorded(NewId(), Now, e)));
        }
        return s;
    }

    /// <summary>The same cluster with every pod placed (settled).</summary>
    public static ClusterState Settled(int nodes) => Settler.Settle(Empty(nodes), Now, ReconcileScope.All, NewId).State;
}
