using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Runtime;
using EventEngine.State;

namespace EventEngine.Demo;

/// <summary>A phase of the demo story, with the log positions and times it spans.</summary>
public sealed record DemoPhase(string Name, string Story, long FromSeq, long ToSeq, DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// An incident to investigate, written through the normal command path: a 50-node cluster with fluentd,
/// node-exporter and a CNI agent; a fluentd rollout; a bad node-exporter rollout and its rollback; and a NoExecute
/// taint storm over 20 nodes that evicts every pod not tolerating it. On the manual clock, time moves between
/// steps as it would in a real incident.
/// </summary>
public sealed class IncidentDemo(EngineRuntime runtime, TimeProvider clock)
{
    public const string Fluentd = "kube-system/fluentd-elasticsearch";
    public const string NodeExporter = "monitoring/node-exporter";
    public const string Cni = "kube-system/cilium-agent";
    public const int NodeCount = 50;
    public const int StormNodes = 20;

    private readonly List<DemoPhase> _phases = [];

    public async Task<IReadOnlyList<DemoPhase>> RunAsync(CancellationToken ct)
    {
        if (runtime.State.DaemonSets.ContainsKey(Fluentd) || runtime.State.DaemonSets.ContainsKey(NodeExporter))
            throw new DemoAlreadyRunException();

        await PhaseAsync("cluster", "50 nodes join; fluentd, node-exporter and the cilium CNI agent are created and become ready", async () =>
        {
            var nodes = Enumerable.Range(1, NodeCount).Select(i => Manifests.Deserialize<Node>(Model.Yaml.ToJson(
                $"{{apiVersion: v1, kind: Node, metadata: {{name: {Name(i)}, labels: {{topology.kubernetes.io/zone: zone-{"abc"[i % 3]}, kubernetes.io/hostname: {Name(i)}}}}}}}").Single()!));
            await CommandAsync("platform-bot", (s, now) => Many(s, now, nodes.Select(n => (Func<ClusterState, DateTimeOffset, Decided>)((st, t) => NodeDecisions.Join(st, n, t, Guid.NewGuid)))));
            foreach (var yaml in new[] { FluentdYaml("v2.5.2"), NodeExporterYaml("v1.7.0"), CniYaml })
                await CommandAsync("alice", (s, now) => DaemonSetDecisions.Create(s, Manifests.Deserialize<DaemonSet>(Model.Yaml.ToJson(yaml).Single()!), now, Guid.NewGuid));
            await SettleRolloutAsync();
        });

        await PhaseAsync("fluentd-rollout", "alice rolls fluentd from v2.5.2 to v2.7.0, five nodes at a time", async () =>
        {
            await AdvanceAsync(TimeSpan.FromMinutes(5));
            await CommandAsync("alice", (s, _) => DaemonSetDecisions.Replace(s, Fluentd, Manifests.Deserialize<DaemonSet>(Model.Yaml.ToJson(FluentdYaml("v2.7.0")).Single()!)));
            await SettleRolloutAsync();
        });

        await PhaseAsync("bad-rollout", "bob pushes a node-exporter image that crashes; the rollout stalls and bob rolls it back", async () =>
        {
            await AdvanceAsync(TimeSpan.FromMinutes(10));
            await CommandAsync("bob", (s, _) => DaemonSetDecisions.Replace(s, NodeExporter, Manifests.Deserialize<DaemonSet>(Model.Yaml.ToJson(NodeExporterYaml("v1.8.0-rc1")).Single()!)));
            for (var crash = 0; crash < 3; crash++)
            {
                await AdvanceAsync(TimeSpan.FromSeconds(20));
                await ReportAsync(NodeExporter, onCurrentRevision: true, PodPhases.Failed, ready: false);
                await TickAsync();
            }
            await AdvanceAsync(TimeSpan.FromMinutes(2));
            await CommandAsync("bob", (s, _) => DaemonSetDecisions.Rollback(s, NodeExporter, 0));
            await SettleRolloutAsync();
        });

        await PhaseAsync("taint-storm", $"ops-automation drains {StormNodes} nodes with a NoExecute taint; pods that do not tolerate it are evicted; the taints go 15 minutes later", async () =>
        {
            await AdvanceAsync(TimeSpan.FromMinutes(10));
            for (var i = 1; i <= StormNodes; i++)
            {
                var node = Name(i);
                await CommandAsync("ops-automation", (s, now) => NodeDecisions.Patch(s, node, Model.Yaml.ToJson("{spec: {taints: [{key: maintenance, value: kernel-upgrade, effect: NoExecute}]}}").Single()!, now));
                await AdvanceAsync(TimeSpan.FromSeconds(3));
            }
            await AdvanceAsync(TimeSpan.FromMinutes(15));
            for (var i = 1; i <= StormNodes; i++)
            {
                var node = Name(i);
                await CommandAsync("ops-automation", (s, now) => NodeDecisions.Patch(s, node, Model.Yaml.ToJson("{spec: {taints: null}}").Single()!, now));
            }
            await SettleRolloutAsync();
        });
        return _phases;
    }

    public static string Name(int i) => $"node-{i:00}";

    private async Task PhaseAsync(string name, string story, Func<Task> run)
    {
        var fromSeq = runtime.Head + 1;
        var from = runtime.Now();
        await run();
        _phases.Add(new DemoPhase(name, story, fromSeq, runtime.Head, from, runtime.LastRecordedAt ?? from));
    }

    private async Task CommandAsync(string actor, Func<ClusterState, DateTimeOffset, Decided> decide)
    {
        var outcome = await runtime.ExecuteAsync(CommandContext.System(actor), decide);
        if (outcome.Failure is { } failure) throw new InvalidOperationException($"demo step refused: {failure.Detail}");
    }

    private Task TickAsync() => runtime.TickAsync(CommandContext.System(CommandContext.ClockActor));

    private async Task AdvanceAsync(TimeSpan by)
    {
        if (clock is not ManualClock manual) return;
        manual.Advance(by);
        await TickAsync();
    }

    /// <summary>A node agent reports pods of a DaemonSet (those on the current revision, or the others) as one command.</summary>
    private Task ReportAsync(string daemonSet, bool onCurrentRevision, string phase, bool ready) =>
        CommandAsync("node-agent", (s, now) =>
        {
            if (!s.DaemonSets.TryGetValue(daemonSet, out var ds)) return Decided.Nothing("gone");
            var events = s.Pods.Values
                .Where(p => p.IsLive && ds.Owns(p) && (p.Hash == ds.CurrentHash) == onCurrentRevision && (p.Phase != phase || p.Ready != ready))
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => (IEvent)new PodStatusObserved(ds.Key, p.Namespace, p.Name, p.TargetNode, phase, ready, ready ? now : null))
                .ToList();
            return new Decided(events);
        });

    /// <summary>Reports every pending pod ready, again and again, until every DaemonSet is fully rolled out and ready.</summary>
    private async Task SettleRolloutAsync()
    {
        for (var round = 0; round < 40; round++)
        {
            var s = runtime.State;
            if (s.DaemonSets.Values.All(d => d.Status.NumberReady == d.Status.DesiredNumberScheduled
                && d.Status.UpdatedNumberScheduled == d.Status.DesiredNumberScheduled && d.Counts.OldNodes == 0)) return;
            await AdvanceAsync(TimeSpan.FromSeconds(10));
            foreach (var ds in s.DaemonSets.Keys.Order(StringComparer.Ordinal))
            {
                await ReportAsync(ds, onCurrentRevision: true, PodPhases.Running, ready: true);
                await ReportAsync(ds, onCurrentRevision: false, PodPhases.Running, ready: true);
            }
        }
    }

    private static Decided Many(ClusterState s, DateTimeOffset now, IEnumerable<Func<ClusterState, DateTimeOffset, Decided>> decisions)
    {
        var events = new List<IEvent>();
        foreach (var decide in decisions)
        {
            var decided = decide(s, now);
            if (decided.Failure is not null) return decided;
            foreach (var e in decided.Events)
            {
                s = Fold.Evolve(s, new Recorded(Guid.Empty, now, e));
                events.Add(e);
            }
        }
        return new Decided(events);
    }

    private static string FluentdYaml(string version) => $$$"""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: fluentd-elasticsearch, namespace: kube-system, labels: {k8s-app: fluentd-logging}}
        spec:
          selector: {matchLabels: {name: fluentd-elasticsearch}}
          updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 5}}
          template:
            metadata: {labels: {name: fluentd-elasticsearch}}
            spec:
              tolerations:
              - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}
              containers:
              - name: fluentd-elasticsearch
                image: quay.io/fluentd_elasticsearch/fluentd:{{{version}}}
                resources: {limits: {memory: 200Mi}, requests: {cpu: 100m, memory: 200Mi}}
        """;

    private static string NodeExporterYaml(string version) => $$$"""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: node-exporter, namespace: monitoring}
        spec:
          selector: {matchLabels: {app: node-exporter}}
          updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 5}}
          template:
            metadata: {labels: {app: node-exporter}}
            spec:
              hostNetwork: true
              containers: [{name: node-exporter, image: 'quay.io/prometheus/node-exporter:{{{version}}}'}]
        """;

    private const string CniYaml = """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: cilium-agent, namespace: kube-system}
        spec:
          selector: {matchLabels: {k8s-app: cilium}}
          updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 2}}
          template:
            metadata: {labels: {k8s-app: cilium}}
            spec:
              hostNetwork: true
              tolerations: [{operator: Exists}]
              containers: [{name: cilium-agent, image: 'quay.io/cilium/cilium:v1.15.6'}]
        """;
}

/// <summary>The demo writes a story into an empty engine; run twice it would contradict itself.</summary>
public sealed class DemoAlreadyRunException() : InvalidOperationException("the demo has already run on this log");
