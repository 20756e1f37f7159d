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
        Assert.All(items, i => Assert.True((string?)i!["type"] is not "daemonset_status_changed.v1"));
    }
}
