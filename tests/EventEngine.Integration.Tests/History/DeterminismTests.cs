using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Demo;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Model;
using EventEngine.Projections.History;
using EventEngine.Projections.ReadModels;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EventEngine.Integration.Tests.History;

/// <summary>
/// The object history answers every question about the past byte for byte as the plain fold of the log does: the
/// whole state and its fingerprint, each DaemonSet's placement, explain, pages of the state with every filter, the
/// timeline and a what-if, at seqs all along a long log; again after the read models are rebuilt; and a server that
/// starts on the log reads back the very state the fold reaches.
/// </summary>
public sealed class DeterminismTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TheHistory_AnswersAsTheFoldOfTheLogDoes_OnTheDemoIncidentGrownPastTenThousandEvents()
    {
        await using var db = await TestDatabase.CreateAsync();
        var api = EngineApi.Start(db, kubelet: true);
        try
        {
            await api.Client.PostAsync("/engine/v1/demo/incident", "{}");
            var runtime = api.Services.GetRequiredService<EngineRuntime>();
            await GrowAsync(api, runtime, target: 10_000);
            var head = runtime.Head;
            var points = Enumerable.Range(1, 20).Select(i => head * i / 20).Prepend(1).ToList();
            await AssertSameAnswersAsync(api, points, whatIfs: 3);

            await api.Client.PostAsync("/engine/v1/projections/rebuild", "{}");
            await AssertSameAnswersAsync(api, points.Where((_, i) => i % 4 == 0).ToList(), whatIfs: 0);
            api = await RestartAsync(api, db);
        }
        finally
        {
            await api.DisposeAsync();
        }
    }

    [Fact]
    public async Task TheHistory_AnswersAsTheFoldOfTheLogDoes_OnAHundredThousandEventLog()
    {
        await using var db = await TestDatabase.CreateAsync();
        var api = EngineApi.Start(db, kubelet: true);
        try
        {
            var runtime = api.Services.GetRequiredService<EngineRuntime>();
            await ChurnAsync(api, runtime, nodes: 300, daemonSets: 12, target: 100_000);
            var head = runtime.Head;
            output.WriteLine($"the log holds {head} events");
            var points = Enumerable.Range(1, 10).Select(i => head * i / 10).ToList();
            await AssertSameAnswersAsync(api, points, whatIfs: 1);
            api = await RestartAsync(api, db);
        }
        finally
        {
            await api.DisposeAsync();
        }
    }

    /// <summary>A server started on the log reads the live state back from the history: the same state the fold reaches, no rebuild.</summary>
    private static async Task<EngineApi> RestartAsync(EngineApi api, TestDatabase db)
    {
        var head = api.Services.GetRequiredService<EngineRuntime>().Head;
        await api.DisposeAsync();
        var again = EngineApi.Start(db, kubelet: true);
        var runtime = again.Services.GetRequiredService<EngineRuntime>();
        // the start-up reconcile may append: compare at whatever head the new server reached, state and head read together
        var (now, state) = runtime.Current;
        Assert.True(now >= head);
        var folded = await TimeTravel.FoldingTheLog(again.Services.GetRequiredService<EventStore>(), runtime).StateAtAsync(now, CancellationToken.None);
        Assert.Equal(Json.Serialize(StateDocument.From(folded)), Json.Serialize(StateDocument.From(state)));
        return again;
    }

    private async Task AssertSameAnswersAsync(EngineApi api, IReadOnlyList<long> points, int whatIfs)
    {
        var services = api.Services;
        var runtime = services.GetRequiredService<EngineRuntime>();
        var store = services.GetRequiredService<EventStore>();
        var history = services.GetRequiredService<TimeTravel>();
        var reference = TimeTravel.FoldingTheLog(store, runtime);
        var random = new Random(11);
        var compared = 0;
        foreach (var seq in points.Order())
        {
            var folded = await reference.StateAtAsync(seq, CancellationToken.None);
            var fingerprint = Fingerprint.Of(folded);
            Assert.Equal(fingerprint, await history.FingerprintAsync(seq, CancellationToken.None));
            var read = await history.StateAtAsync(seq, CancellationToken.None);
            Assert.Equal(fingerprint, Fingerprint.Of(read));
            StateBackFromLiveTests.AssertSameState(folded, read, $"at seq {seq}");

            var at = seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var nodes = folded.NodeNames.ToList();
            foreach (var ds in folded.DaemonSets.Keys.Order(StringComparer.Ordinal))
            {
                compared += await SameAsync($"placement of {ds} at {seq}", t => new GetPlacementHandler(t).Handle(new GetPlacement(ds, at, All: true), default));
                foreach (var node in Enumerable.Range(0, 2).Select(_ => nodes[random.Next(nodes.Count)]))
                    compared += await SameAsync($"explain {ds} on {node} at {seq}",
                        t => new ExplainPlacementHandler(t, store).Handle(new ExplainPlacement(ds, node, at), default));
            }
            var someDaemonSet = folded.DaemonSets.Keys.Order(StringComparer.Ordinal).FirstOrDefault();
            var someNode = nodes.Count > 0 ? nodes[random.Next(nodes.Count)] : "none";
            foreach (var query in new[]
            {
                new GetStateAt(at, 40), new GetStateAt(at, 100, Kind: "pods"), new GetStateAt(at, 7, Kind: "daemonsets"),
                new GetStateAt(at, 500, Node: someNode), new GetStateAt(at, 50, DaemonSet: someDaemonSet), new GetStateAt(at, 30, Namespace: "kube-system"),
                // the filters together: a DaemonSet's pods on a node, a node's pods in a namespace, a DaemonSet's in its
                // namespace and in another
                new GetStateAt(at, 1, DaemonSet: someDaemonSet, Node: someNode), new GetStateAt(at, 2, Node: someNode, Namespace: "monitoring"),
                new GetStateAt(at, 50, Node: someNode, Namespace: "kube-system"),
                new GetStateAt(at, 20, DaemonSet: someDaemonSet, Namespace: someDaemonSet?.Split('/')[0]),
                new GetStateAt(at, 20, Kind: "pods", DaemonSet: someDaemonSet, Namespace: "monitoring"),
            })
            {
                // the first page and the one its continue token leads to
                var page = await StateAsync(history, query);
                Assert.Equal(Json.Serialize(await StateAsync(reference, query)), Json.Serialize(page));
                if ((string?)page["continue"] is { } token)
                    Assert.Equal(Json.Serialize(await StateAsync(reference, query with { Continue = token })), Json.Serialize(await StateAsync(history, query with { Continue = token })));
                compared++;
            }
            var from = Math.Max(0, seq - 60).ToString(System.Globalization.CultureInfo.InvariantCulture);
            compared += await SameAsync($"timeline to {seq}", t => new TimelineHandler(t, store, new ReplayOptions(20_000), TimeProvider.System)
                .Handle(new GetTimeline(from, at, null, null, 30, null, true, Divergences: true), default));
            if (whatIfs-- > 0 && someDaemonSet is not null)
            {
                var body = JsonNode.Parse(Fill("""
                    {"from": %0%, "to": %1%, "changes": [{"at": %2%, "patchDaemonSet":
                      {"daemonset": "%3%", "patch": {"spec": {"template": {"spec": {"tolerations": [{"operator": "Exists"}]}}}}}}]}
                    """, Math.Max(0, seq - 500), seq, Math.Max(0, seq - 500), someDaemonSet))!.AsObject();
                compared += await SameAsync($"what-if to {seq}", t => new ReplayHandler(t, new ReplayOptions(20_000)).Handle(new ReplayWindow(body), default));
            }
        }
        output.WriteLine($"{points.Count} points of the log, {compared} answers compared byte for byte");

        async Task<int> SameAsync<T>(string what, Func<TimeTravel, Task<T>> ask)
        {
            var expected = Json.Serialize(await ask(reference));
            var actual = Json.Serialize(await ask(history));
            Assert.True(expected == actual, $"{what}: the history answers\n{actual}\nwhere the fold of the log answers\n{expected}");
            return 1;
        }
    }

    private static async Task<JsonObject> StateAsync(TimeTravel travel, GetStateAt query) => await new StateViewHandler(travel).Handle(query, default);

    /// <summary>Taints come and go on random nodes, fluentd images change, time passes: thousands of small commands.</summary>
    private static async Task GrowAsync(EngineApi api, EngineRuntime runtime, long target)
    {
        var random = new Random(7);
        var round = 0;
        while (runtime.Head < target)
        {
            var node = IncidentDemo.Name(random.Next(1, IncidentDemo.NodeCount + 1));
            var taints = random.Next(3) switch
            {
                0 => "{spec: {taints: [{key: flaky, effect: NoExecute}]}}",
                1 => "{spec: {taints: [{key: busy, effect: NoSchedule}]}}",
                _ => "{spec: {taints: null}}",
            };
            await Ok(runtime.ExecuteAsync(CommandContext.System("chaos"), (s, now) => NodeDecisions.Patch(s, node, Yaml.ToJson(taints).Single()!, now)));
            if (++round % 25 == 0)
            {
                var image = $"{{spec: {{template: {{spec: {{containers: [{{name: fluentd-elasticsearch, image: 'quay.io/fluentd_elasticsearch/fluentd:v2.{round % 4}.0'}}]}}}}}}}}";
                await Ok(runtime.ExecuteAsync(CommandContext.System("alice"), (s, _) => DaemonSetDecisions.Patch(s, IncidentDemo.Fluentd, Yaml.ToJson(image).Single()!)));
            }
            await api.Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 3}""");
        }
    }

    /// <summary>
    /// A cluster of <paramref name="nodes"/> nodes and <paramref name="daemonSets"/> DaemonSets rolled out again and
    /// again (all nodes at once), with labels, taints and cordons changing on the way, until the log is long enough.
    /// </summary>
    private static async Task ChurnAsync(EngineApi api, EngineRuntime runtime, int nodes, int daemonSets, long target)
    {
        var objects = Enumerable.Range(0, nodes).Select(i => JsonNode.Parse(Fill("""
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n-%0%", "labels": {"zone": "z%1%"}}}
            """, i, i % 3))!.AsObject())
            .Concat(Enumerable.Range(0, daemonSets).Select(d => JsonNode.Parse(Fill("""
            {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent-%0%", "namespace": "%1%"},
             "spec": {"selector": {"matchLabels": {"app": "agent-%2%"}},
                      "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": %3%}},
                      "template": {"metadata": {"labels": {"app": "agent-%4%"}},
                                   "spec": %5% "containers": [{"name": "agent", "image": "agent:0"}]}}}}
            """, d, (d % 2 == 0 ? "kube-system" : "monitoring"), d, nodes, d, (d % 4 == 3 ? "{\"nodeSelector\": {\"zone\": \"z1\"}," : "{")))!.AsObject())).ToList();
        await Ok(runtime.ExecuteAsync(CommandContext.System("setup"), (s, now) => ApplyDecisions.Apply(s, objects, now, Guid.NewGuid)));
        var random = new Random(5);
        for (var round = 1; runtime.Head < target; round++)
        {
            await api.Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 3}""");
            var ds = $"{(round % daemonSets % 2 == 0 ? "kube-system" : "monitoring")}/agent-{round % daemonSets}";
            var image = JsonNode.Parse(Fill("""{"spec": {"template": {"spec": {"containers": [{"name": "agent", "image": "agent:%0%"}]}}}}""", round))!;
            await Ok(runtime.ExecuteAsync(CommandContext.System("rollout"), (s, _) => DaemonSetDecisions.Patch(s, ds, image)));
            var node = $"n-{random.Next(nodes)}";
            var change = (random.Next(4)) switch
            {
                0 => """{"metadata": {"labels": {"zone": "z1"}}}""",
                1 => """{"spec": {"taints": [{"key": "maintenance", "effect": "NoExecute"}]}}""",
                2 => """{"spec": {"taints": null, "unschedulable": true}}""",
                _ => """{"spec": {"unschedulable": false}, "metadata": {"labels": {"zone": "z2"}}}""",
            };
            await Ok(runtime.ExecuteAsync(CommandContext.System("ops"), (s, now) => NodeDecisions.Patch(s, node, JsonNode.Parse(change)!, now)));
        }
        await api.Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 3}""");
    }

    /// <summary>The text with %0%, %1%... replaced by the values.</summary>
    private static string Fill(string template, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
            template = template.Replace($"%{i}%", Convert.ToString(values[i], System.Globalization.CultureInfo.InvariantCulture));
        return template;
    }

    private static async Task Ok(Task<CommandOutcome> command)
    {
        var outcome = await command;
        Assert.True(outcome.Ok, outcome.Failure?.Detail);
    }
}
