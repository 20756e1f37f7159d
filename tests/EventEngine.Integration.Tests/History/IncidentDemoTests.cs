using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Demo;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.History;

/// <summary>
/// The incident demo, written once into a database shared by the tests of this class, then investigated the way
/// the README does: timeline causation, placement history, what-if.
/// </summary>
public sealed class IncidentFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public EngineApi Api { get; private set; } = null!;
    public JsonArray Phases { get; private set; } = null!;
    public List<JsonNode> Events { get; private set; } = null!;

    public JsonNode Phase(string name) => Phases.Single(p => (string?)p!["name"] == name)!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Api = EngineApi.Start(Database);
        var (status, body, _) = await Api.Client.PostAsync("/engine/v1/demo/incident", "{}");
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        Phases = body!["phases"]!.AsArray();
        Events = await Api.Client.EventsAsync();
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Database.DisposeAsync();
    }
}

public sealed class IncidentDemoTests(IncidentFixture incident) : IClassFixture<IncidentFixture>
{
    private HttpClient Client => incident.Api.Client;

    [Fact]
    public async Task Demo_TellsItsStory_AndEndsSettled()
    {
        Assert.Equal(["cluster", "fluentd-rollout", "bad-rollout", "taint-storm"], incident.Phases.Select(p => (string)p!["name"]!));
        foreach (var ds in new[] { IncidentDemo.Fluentd, IncidentDemo.NodeExporter, IncidentDemo.Cni })
        {
            var (ns, name) = (ds.Split('/')[0], ds.Split('/')[1]);
            var status = (await Client.GetJsonAsync($"/apis/apps/v1/namespaces/{ns}/daemonsets/{name}"))["status"]!;
            Assert.Equal((50, 50, 50), ((int)status["desiredNumberScheduled"]!, (int)status["numberReady"]!, (int)status["updatedNumberScheduled"]!));
        }
        var exporter = (await Client.GetJsonAsync("/apis/apps/v1/namespaces/monitoring/daemonsets/node-exporter/revisions"))["items"]!.AsArray();
        Assert.Equal([2L, 3L], exporter.Select(r => (long)r!["revision"]!));
        Assert.True((bool)exporter[1]!["current"]!);
        Assert.Contains("v1.7.0", exporter[1]!["template"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.Conflict, (await Client.PostAsync("/engine/v1/demo/incident", "{}")).Status);
    }

    [Fact]
    public async Task TheEnginesOwnControllerFollowsTheRules_ItsRolloutsNeverGoOverBudget()
    {
        // fluentd rolls five nodes at a time (maxUnavailable 5), node-exporter's bad revision fails and is replaced: the
        // audit of the engine's own log finds only the moments a failed pod waited for its replacement, each ended
        var divergences = (await Client.GetJsonAsync("/engine/v1/divergences"))["items"]!.AsArray();
        Assert.DoesNotContain(divergences, d => (string?)d!["kind"] == "maxUnavailableExceeded");
        Assert.All(divergences, d => Assert.NotNull(d!["until"]));
    }

    [Fact]
    public void EveryPodEvictedByTheStorm_PointsAtTheTaintOfItsNode()
    {
        var byId = incident.Events.ToDictionary(e => (string)e["id"]!);
        var evictions = incident.Events.Where(e => (string)e["type"]! == "pod_deleted.v1" && (string?)e["data"]!["reason"] == "NoExecuteTaint").ToList();
        Assert.Equal(2 * IncidentDemo.StormNodes, evictions.Count);
        foreach (var eviction in evictions)
        {
            var cause = byId[(string)eviction["metadata"]!["causationId"]!];
            Assert.Equal("node_taints_changed.v1", (string)cause["type"]!);
            Assert.Equal((string)eviction["data"]!["node"]!, (string)cause["data"]!["node"]!);
            Assert.Equal("ops-automation", (string)eviction["metadata"]!["actor"]!);
        }
        Assert.DoesNotContain(evictions, e => (string?)e["data"]!["daemonSet"] == IncidentDemo.Cni);
    }

    [Fact]
    public void EveryPodCreatedByTheRollback_PointsAtTheRollback()
    {
        var rollback = incident.Events.Single(e => (string)e["type"]! == "daemonset_rolled_back.v1");
        var restoredHash = (string)rollback["data"]!["revision"]!["hash"]!;
        var stormStart = (long)incident.Phase("taint-storm")["fromSeq"]!;
        var created = incident.Events.Where(e => (string)e["type"]! == "pod_created.v1" && (string?)e["data"]!["daemonSet"] == IncidentDemo.NodeExporter
            && (long)e["seq"]! > (long)rollback["seq"]! && (long)e["seq"]! < stormStart).ToList();
        Assert.NotEmpty(created);
        Assert.All(created, e =>
        {
            Assert.Equal(restoredHash, (string)e["data"]!["hash"]!);
            Assert.Equal((string)rollback["id"]!, (string?)e["metadata"]!["causationId"]);
        });
    }

    [Fact]
    public async Task Timeline_OfTheStorm_DescribesTheTaintsAndTheirEvictions()
    {
        var storm = incident.Phase("taint-storm");
        var timeline = await Client.GetJsonAsync($"/engine/v1/timeline?from={(long)storm["fromSeq"]!}&to={(long)storm["toSeq"]!}&node=node-07&limit=1000");
        var items = timeline["items"]!.AsArray();
        var taint = items.First(i => (string)i!["type"]! == "node_taints_changed.v1")!;
        Assert.Equal("node-07 tainted maintenance=kernel-upgrade:NoExecute by ops-automation", (string?)taint["description"]);
        var removed = taint["placement"]!.AsArray().SelectMany(g => g!["removed"]!.AsArray().Select(r => ((string)g["daemonSet"]!, (string)r!["node"]!, (string)r["reason"]!))).Order().ToList();
        Assert.Equal([(IncidentDemo.Fluentd, "node-07", "NoExecuteTaint"), (IncidentDemo.NodeExporter, "node-07", "NoExecuteTaint")], removed);
        var eviction = items.First(i => (string)i!["type"]! == "pod_deleted.v1")!;
        Assert.Equal((long)taint["seq"]!, (long)eviction["cause"]!["seq"]!);
        Assert.EndsWith("deleted from node-07: taint maintenance=kernel-upgrade:NoExecute is not tolerated", (string?)eviction["description"]);
        Assert.All(items, i => Assert.True((string?)i!["type"] is not "daemonset_status_changed.v1"));
    }
}

/// <summary>What-if over the demo's taint storm, with each kind of change.</summary>
public sealed class WhatIfTests(IncidentFixture incident) : IClassFixture<IncidentFixture>
{
    [Fact]
    public async Task StormReplayed_WithATolerantNodeExporter_EvictsOnlyTheOthers_ExactlyAsTheyWere()
    {
        var client = incident.Api.Client;
        var storm = incident.Phase("taint-storm");
        var from = (long)storm["fromSeq"]! - 1;
        var exporter = await client.GetJsonAsync($"/engine/v1/state?at={from}");
        var ds = exporter["daemonSets"]!.AsArray().Single(d => (string?)d!["metadata"]!["name"] == "node-exporter")!.DeepClone().AsObject();
        ds.Remove("status");
        ds.Remove("currentRevision");
        ds["spec"]!["template"]!["spec"]!["tolerations"] = JsonNode.Parse("""[{"key":"maintenance","operator":"Exists","effect":"NoExecute"}]""");
        var before = await client.EventCountAsync();

        var body = new JsonObject { ["from"] = from, ["to"] = (long)storm["toSeq"]!, ["changes"] = new JsonArray(new JsonObject { ["replaceDaemonSet"] = ds }) };
        var (status, result, _) = await client.PostAsync("/engine/v1/replay", body.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, result?.ToJsonString());

        JsonNode Summary(string name) => result!["summary"]!["daemonSets"]!.AsArray().Single(d => (string?)d!["daemonSet"] == name)!;
        Assert.Equal((IncidentDemo.StormNodes, 0), ((int)Summary(IncidentDemo.NodeExporter)["real"]!["evicted"]!, (int)Summary(IncidentDemo.NodeExporter)["replay"]!["evicted"]!));
        Assert.Equal((IncidentDemo.StormNodes, IncidentDemo.StormNodes), ((int)Summary(IncidentDemo.Fluentd)["real"]!["evicted"]!, (int)Summary(IncidentDemo.Fluentd)["replay"]!["evicted"]!));
        Assert.Equal((0, 0), ((int)Summary(IncidentDemo.Cni)["real"]!["evicted"]!, (int)Summary(IncidentDemo.Cni)["replay"]!["evicted"]!));

        List<(long, string)> Evictions(string side, string dsName) => result!["steps"]!.AsArray()
            .SelectMany(s => s!["removed"] is null ? s[side]!["removed"]!.AsArray().Select(r => ((long)s["seq"]!, r!)) : [])
            .Where(x => (string?)x.Item2["daemonSet"] == dsName && (string?)x.Item2["reason"] == "NoExecuteTaint")
            .Select(x => (x.Item1, (string)x.Item2["node"]!)).ToList();
        Assert.True(Evictions("real", IncidentDemo.Fluentd).SequenceEqual(Evictions("replay", IncidentDemo.Fluentd)),
            $"real {string.Join(",", Evictions("real", IncidentDemo.Fluentd))} replay {string.Join(",", Evictions("replay", IncidentDemo.Fluentd))}");
        Assert.Equal(Enumerable.Range(1, IncidentDemo.StormNodes).Select(IncidentDemo.Name), Evictions("real", IncidentDemo.Fluentd).Select(e => e.Item2));
        var differences = result!["steps"]!.AsArray().SelectMany(s => s!["differences"]!.AsArray()).ToList();
        Assert.Contains(differences, d => (string?)d!["daemonSet"] == IncidentDemo.NodeExporter && (string?)d["real"] == "removed (NoExecuteTaint)" && (string?)d["replay"] == "unchanged");
        Assert.DoesNotContain(differences, d => (string?)d!["daemonSet"] == IncidentDemo.Fluentd);
        Assert.Equal(before, await client.EventCountAsync());
    }

    [Fact]
    public async Task ReplayWithoutChanges_ReproducesEveryStepExactly()
    {
        var storm = incident.Phase("taint-storm");
        var body = $$"""{"from": {{(long)storm["fromSeq"]! - 1}}, "to": {{(long)storm["toSeq"]!}}}""";
        var (status, result, _) = await incident.Api.Client.PostAsync("/engine/v1/replay", body);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, (int)result!["summary"]!["stepsWithDifferences"]!);
        Assert.All(result["summary"]!["daemonSets"]!.AsArray(), d => Assert.Equal(d!["real"]!.ToJsonString(), d["replay"]!.ToJsonString()));
    }

    [Fact]
    public async Task RemovingTheTaints_LeavesEveryPodWhereItWas()
    {
        var storm = incident.Phase("taint-storm");
        var taints = incident.Events.Where(e => (string)e["type"]! == "node_taints_changed.v1"
            && (long)e["seq"]! >= (long)storm["fromSeq"]! && e["data"]!["taints"]!.AsArray().Count > 0).Select(e => (long)e["seq"]!).ToList();
        var body = new JsonObject
        {
            ["from"] = (long)storm["fromSeq"]! - 1, ["to"] = (long)storm["toSeq"]!,
            ["changes"] = new JsonArray(new JsonObject { ["removeEvents"] = new JsonArray(taints.Select(t => (JsonNode)JsonValue.Create(t)).ToArray()) }),
        };
        var (_, result, _) = await incident.Api.Client.PostAsync("/engine/v1/replay", body.ToJsonString());
        Assert.All(result!["summary"]!["daemonSets"]!.AsArray(), d => Assert.Equal(0, (int)d!["replay"]!["evicted"]!));
    }

    [Fact]
    public async Task PatchNode_TaintingANodeTheStormMissed_EvictsExactlyTheIntolerantPodsThere()
    {
        var storm = incident.Phase("taint-storm");
        var from = (long)storm["fromSeq"]! - 1;
        var taint = JsonNode.Parse("""{"spec":{"taints":[{"key":"maintenance","value":"kernel-upgrade","effect":"NoExecute"}]}}""");
        var result = await ReplayAsync(from, (long)storm["toSeq"]!, new JsonObject { ["at"] = from, ["patchNode"] = new JsonObject { ["name"] = "node-21", ["patch"] = taint } });

        Assert.Equal(
            [
                (from, IncidentDemo.Fluentd, "node-21", "unchanged", "removed (NoExecuteTaint)"),
                (from, IncidentDemo.NodeExporter, "node-21", "unchanged", "removed (NoExecuteTaint)"),
            ],
            Differences(result));
        Assert.Equal((IncidentDemo.StormNodes, IncidentDemo.StormNodes + 1), Evicted(result, IncidentDemo.Fluentd));
        Assert.Equal((IncidentDemo.StormNodes, IncidentDemo.StormNodes + 1), Evicted(result, IncidentDemo.NodeExporter));
        Assert.Equal((0, 0), Evicted(result, IncidentDemo.Cni));
    }

    [Fact]
    public async Task PatchDaemonSet_PinningFluentdToZoneA_RemovesItElsewhere_AndTheStormThenMissesThoseNodes()
    {
        var storm = incident.Phase("taint-storm");
        var from = (long)storm["fromSeq"]! - 1;
        var patch = JsonNode.Parse("""
            {"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null},
                     "template":{"spec":{"nodeSelector":{"topology.kubernetes.io/zone":"zone-a"}}}}}
            """);
        var result = await ReplayAsync(from, (long)storm["toSeq"]!, new JsonObject { ["patchDaemonSet"] = new JsonObject { ["daemonset"] = IncidentDemo.Fluentd, ["patch"] = patch } });

        // the demo puts node-i in zone-a when i is a multiple of 3; OnDelete: the pods left in zone-a stay as they are
        static bool ZoneA(int i) => i % 3 == 0;
        var elsewhere = Enumerable.Range(1, IncidentDemo.NodeCount).Where(i => !ZoneA(i)).Select(IncidentDemo.Name).ToList();
        var stormedElsewhere = Enumerable.Range(1, IncidentDemo.StormNodes).Where(i => !ZoneA(i)).Select(IncidentDemo.Name).ToList();
        var differences = Differences(result);
        Assert.Equal(elsewhere.Select(n => (from, IncidentDemo.Fluentd, n, "unchanged", "removed (Misscheduled)")), differences.Where(d => d.Item1 == from));
        Assert.Equal(
            stormedElsewhere.Select(n => (n, "removed (NoExecuteTaint)", "unchanged")).Concat(stormedElsewhere.Select(n => (n, "created", "unchanged"))),
            differences.Where(d => d.Item1 != from).Select(d => (d.Item3, d.Item4, d.Item5)));
        Assert.All(differences, d => Assert.Equal(IncidentDemo.Fluentd, d.Item2));
        var fluentd = Summary(result, IncidentDemo.Fluentd);
        Assert.Equal("""{"created":20,"removed":20,"evicted":20}""", fluentd["real"]!.ToJsonString());
        Assert.Equal("""{"created":6,"removed":40,"evicted":6}""", fluentd["replay"]!.ToJsonString());
        Assert.Equal(elsewhere, fluentd["endOnlyReal"]!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public async Task PatchDaemonSet_BeforeTheDaemonSetExists_Is422_NamingTheField_AndWritesNothing()
    {
        var created = (long)incident.Events.Single(e => (string)e["type"]! == "daemonset_created.v1" && (string?)e["data"]!["daemonSet"] == IncidentDemo.NodeExporter)["seq"]!;
        var before = await incident.Api.Client.EventCountAsync();
        JsonObject Body(long at) => new()
        {
            ["from"] = created - 1, ["to"] = created + 5,
            ["changes"] = new JsonArray(
                new JsonObject { ["at"] = at, ["patchDaemonSet"] = new JsonObject { ["daemonset"] = IncidentDemo.NodeExporter, ["patch"] = JsonNode.Parse("""{"spec":{"minReadySeconds":5}}""") } },
                new JsonObject { ["at"] = at, ["patchNode"] = new JsonObject { ["name"] = "node-99", ["patch"] = new JsonObject() } }),
        };

        var (status, problem, _) = await incident.Api.Client.PostAsync("/engine/v1/replay", Body(created - 1).ToJsonString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["changes[0].patchDaemonSet.daemonset", "changes[1].patchNode.name"], problem.Fields());
        Assert.Equal($"daemonset {IncidentDemo.NodeExporter} not found at seq {created - 1}", (string?)problem!["errors"]![0]!["message"]);

        // once it exists only the node that never joined is refused
        (status, problem, _) = await incident.Api.Client.PostAsync("/engine/v1/replay", Body(created).ToJsonString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["changes[1].patchNode.name"], problem.Fields());
        Assert.Equal(before, await incident.Api.Client.EventCountAsync());
    }

    private async Task<JsonNode> ReplayAsync(long from, long to, JsonObject change)
    {
        var before = await incident.Api.Client.EventCountAsync();
        var body = new JsonObject { ["from"] = from, ["to"] = to, ["changes"] = new JsonArray(change) };
        var (status, result, _) = await incident.Api.Client.PostAsync("/engine/v1/replay", body.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, result?.ToJsonString());
        Assert.Equal(before, await incident.Api.Client.EventCountAsync());
        return result!;
    }

    private static List<(long, string, string, string, string)> Differences(JsonNode result) =>
        result["steps"]!.AsArray().SelectMany(s => s!["differences"]!.AsArray()
            .Select(d => ((long)s["seq"]!, (string)d!["daemonSet"]!, (string)d["node"]!, (string)d["real"]!, (string)d["replay"]!))).ToList();

    private static JsonNode Summary(JsonNode result, string daemonSet) =>
        result["summary"]!["daemonSets"]!.AsArray().Single(d => (string?)d!["daemonSet"] == daemonSet)!;

    private static (int Real, int Replay) Evicted(JsonNode result, string daemonSet) =>
        ((int)Summary(result, daemonSet)["real"]!["evicted"]!, (int)Summary(result, daemonSet)["replay"]!["evicted"]!);

    [Fact]
    public async Task BadReplayRequests_Are422_NamingTheField()
    {
        var (status, problem, _) = await incident.Api.Client.PostAsync("/engine/v1/replay", """{"from": "yesterday", "changes": [{"explode": true}]}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["from", "changes[0]"], problem.Fields());
    }
}
