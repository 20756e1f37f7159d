using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Model;
using EventEngine.Projections.History;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EventEngine.Integration.Tests.History;

/// <summary>
/// A whole state in the past is built from the live state by putting back what changed since (<see cref="Fold.Back"/>):
/// at every seq of a log where nodes join, change and go, DaemonSets roll out, roll back, are deleted and made again,
/// pods are deleted, strays adopted and orphaned, it is the state the plain fold of the log reaches: the objects, and
/// every index the fold keeps (slots with their causes, counters, pods by node, unclaimed pods, uids, node order).
/// </summary>
public sealed class StateBackFromLiveTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryPastState_BuiltBackFromTheLiveOne_IsTheFoldOfTheLog_IndexesIncluded()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, kubelet: true);
        var runtime = api.Services.GetRequiredService<EngineRuntime>();
        await ScriptAsync(api, runtime, stale: null);

        var history = api.Services.GetRequiredService<TimeTravel>();
        var reference = TimeTravel.FoldingTheLog(api.Services.GetRequiredService<EventStore>(), runtime);
        var head = runtime.Head;
        Assert.True(head > 300, $"the script made only {head} events");
        for (var seq = 0L; seq < head; seq++)
        {
            var folded = await reference.StateAtAsync(seq, CancellationToken.None);
            var back = await history.StateAtAsync(seq, CancellationToken.None);
            AssertSameState(folded, back, $"at seq {seq} of {head}");
            Assert.Empty(Fold.CheckIndexes(back));
        }
        output.WriteLine($"{head} states compared");
    }

    /// <summary>
    /// A reader whose live state lags the log (a standby, or a command committed between taking the live state and
    /// reading the history): objects made after the seq asked and gone after the live state's head must go too.
    /// </summary>
    [Fact]
    public async Task PastStates_BuiltBackFromALaggingLiveState_AreTheFoldOfTheLog()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, kubelet: true);
        var runtime = api.Services.GetRequiredService<EngineRuntime>();
        var stale = new StaleHead();
        await ScriptAsync(api, runtime, stale);
        Assert.True(runtime.Head > stale.Current.Head + 50, "the log went on after the live state was kept");

        var lagging = new TimeTravel(api.Services.GetRequiredService<EventStore>(), api.Services.GetRequiredService<HistoryReader>(), stale);
        var reference = TimeTravel.FoldingTheLog(api.Services.GetRequiredService<EventStore>(), runtime);
        for (var seq = Math.Max(0, stale.Current.Head - 150); seq < stale.Current.Head; seq++)
        {
            var folded = await reference.StateAtAsync(seq, CancellationToken.None);
            var back = await lagging.StateAtAsync(seq, CancellationToken.None);
            AssertSameState(folded, back, $"at seq {seq}, the live state at {stale.Current.Head}");
        }
    }

    /// <summary>A live state kept as it was at one moment.</summary>
    private sealed class StaleHead : ILiveHead
    {
        public (long Head, ClusterState State) Current { get; set; }
    }

    /// <summary>The same objects, and the same indexes beside them.</summary>
    internal static void AssertSameState(ClusterState expected, ClusterState actual, string where)
    {
        Assert.Equal(Json.Serialize(StateDocument.From(expected)), Json.Serialize(StateDocument.From(actual)));
        var (kept, built) = (Indexes(expected), Indexes(actual));
        Assert.True(kept == built, $"{where}: the indexes built back are\n{built}\nwhere the fold keeps\n{kept}");
    }

    /// <summary>Every index the fold keeps beside the objects, as text in a fixed order.</summary>
    private static string Indexes(ClusterState s)
    {
        var lines = new List<string>
        {
            "nodes " + string.Join(",", s.NodeNames),
            "uids " + string.Join(",", s.DaemonSetsByUid.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)),
            "unclaimed " + string.Join(",", s.Unclaimed.Order(StringComparer.Ordinal)),
        };
        lines.AddRange(s.PodsByNode.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"on {p.Key}: {string.Join(",", p.Value.Order(StringComparer.Ordinal))}"));
        foreach (var ds in s.DaemonSets.Values.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            lines.Add($"{ds.Key} {ds.Counts} placement {Json.Serialize(ds.Placement)}");
            lines.AddRange(ds.Slots.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
                $"  {p.Key}: run={p.Value.ShouldRun} continue={p.Value.ShouldContinueRunning} pods=[{string.Join(",", p.Value.Pods)}] {p.Value.Counts} cause={p.Value.Cause}"));
        }
        return string.Join("\n", lines);
    }

    /// <summary>Every kind of change the fold knows, in a seeded order, with time passing so pods start and become ready.</summary>
    private static async Task ScriptAsync(EngineApi api, EngineRuntime runtime, StaleHead? stale)
    {
        async Task Run(Func<ClusterState, DateTimeOffset, Decided> decide)
        {
            var outcome = await runtime.ExecuteAsync(CommandContext.System("script"), decide);
            Assert.True(outcome.Ok, outcome.Failure?.Detail);
        }
        Task Apply(string json) => Run((s, now) => ApplyDecisions.Apply(s, [JsonNode.Parse(json)!.AsObject()], now, Guid.NewGuid));
        Task Tick() => api.Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 5}""");
        string Node(int i) => """{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n-I", "labels": {"zone": "zZ"}}}""".Replace("I", $"{i}").Replace("Z", $"{i % 2}");
        string DaemonSet(string name, string image, string selector) => """
            {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "NAME", "namespace": "kube-system"},
             "spec": {"selector": {"matchLabels": {"app": "NAME"}},
                      "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}},
                      "template": {"metadata": {"labels": {"app": "NAME"}},
                                   "spec": {SELECTOR "containers": [{"name": "c", "image": "IMAGE"}]}}}}
            """.Replace("NAME", name).Replace("SELECTOR", selector).Replace("IMAGE", image);

        for (var i = 0; i < 6; i++) await Apply(Node(i));
        await Apply(DaemonSet("a", "a:1", ""));
        await Apply(DaemonSet("b", "b:1", "\"nodeSelector\": {\"zone\": \"z1\"},"));
        await Apply(DaemonSet("c", "c:1", ""));
        await Tick();
        var random = new Random(3);
        // forty rounds of every kind of change; then, with b and n-5 gone, thirty that leave the DaemonSets as they are,
        // so states near the head are mended slot by slot rather than made again
        int[] tail = [0, 1, 2, 5, 6, 7, 9];
        for (var round = 0; round < 70; round++)
        {
            if (round == 40)
            {
                await Run((s, _) => DaemonSetDecisions.Delete(s, "kube-system/b", DeletionPolicy.Background));
                await Run((s, _) => NodeDecisions.Remove(s, "n-5"));
                await Tick();
            }
            // the live state as it stands here, kept while the log goes on
            if (round == 55 && stale is not null) stale.Current = runtime.Current;
            var node = $"n-{random.Next(round < 40 ? 6 : 5)}";
            switch (round < 40 ? round % 10 : tail[random.Next(tail.Length)])
            {
                case 0:
                    await Run((s, now) => NodeDecisions.Patch(s, node, JsonNode.Parse("""{"metadata": {"labels": {"zone": "zZ"}}}""".Replace("Z", $"{random.Next(2)}"))!, now));
                    break;
                case 1:
                    await Run((s, now) => NodeDecisions.Patch(s, node, JsonNode.Parse("""{"spec": {"taints": [{"key": "down", "effect": "NoExecute"}]}}""")!, now));
                    break;
                case 2:
                    await Run((s, now) => NodeDecisions.Patch(s, node, JsonNode.Parse("""{"spec": {"taints": null, "unschedulable": true}}""")!, now));
                    break;
                case 3:
                    await Run((s, _) => DaemonSetDecisions.Patch(s, "kube-system/a", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "a:ROUND"}]}}}}""".Replace("ROUND", $"{round}"))!));
                    break;
                case 4:
                    await Run((s, _) => DaemonSetDecisions.Rollback(s, "kube-system/a", 0));
                    break;
                case 5:
                    await Run((s, _) => s.PodsOn(node).FirstOrDefault(p => p.IsLive) is { } pod ? PodDecisions.Delete(s, pod.Namespace, pod.Name) : Decided.Nothing("no pod"));
                    break;
                case 6 when round >= 40 && round % 2 == 0:
                    // a pod a cluster registers as a's by uid, under another name: its slot is a's
                    await Run((s, now) => ApplyDecisions.Apply(s, [JsonNode.Parse("""
                        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "legacy-ROUND", "namespace": "kube-system", "labels": {"app": "a"},
                          "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "legacy", "uid": "UID", "controller": true}]},
                         "spec": {"nodeName": "NODE", "containers": [{"name": "c", "image": "a:1"}]}}
                        """.Replace("ROUND", $"{round}").Replace("NODE", node).Replace("UID", s.DaemonSets["kube-system/a"].Uid))!.AsObject()], now, Guid.NewGuid));
                    await Tick();
                    // deleted here, unless the DaemonSet already deleted it as a second pod on the node
                    await Run((s, _) => s.Pods.ContainsKey($"kube-system/legacy-{round}") ? PodDecisions.Delete(s, "kube-system", $"legacy-{round}") : Decided.Nothing("gone"));
                    break;
                case 6:
                    // a stray pod the DaemonSet adopts, or one it orphans when its labels leave the selector
                    await Apply("""
                        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray-ROUND", "namespace": "kube-system", "labels": {"app": "c"}},
                         "spec": {"nodeName": "NODE", "containers": [{"name": "c", "image": "c:1"}]}}
                        """.Replace("ROUND", $"{round}").Replace("NODE", node));
                    break;
                case 7:
                    await Run((s, _) => NodeDecisions.Remove(s, node));
                    await Tick();
                    await Apply(Node(int.Parse(node[2..], System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                case 8:
                    await Run((s, _) => DaemonSetDecisions.Delete(s, "kube-system/c", round % 20 == 8 ? DeletionPolicy.Orphan : DeletionPolicy.Background));
                    await Tick();
                    await Apply(DaemonSet("c", $"c:{round}", ""));
                    break;
                default:
                    await Run((s, now) => NodeDecisions.Patch(s, node, JsonNode.Parse("""{"spec": {"taints": null, "unschedulable": false}}""")!, now));
                    break;
            }
            await Tick();
        }
    }
}
