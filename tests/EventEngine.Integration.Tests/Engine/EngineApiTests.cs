using System.Net;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>/engine/v1: apply, the manual clock and the audit log, through HTTP.</summary>
public sealed class EngineApiTests : ApiTest
{
    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Engine:MaxBodyBytes"] = "8192" };

    private const string Cluster = """
        apiVersion: v1
        kind: Node
        metadata: {name: node-1, labels: {disk: ssd}}
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: node-2}
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: exporter, namespace: monitoring}
        spec:
          selector: {matchLabels: {app: exporter}}
          template:
            metadata: {labels: {app: exporter}}
            spec:
              nodeSelector: {disk: ssd}
              containers: [{name: e, image: prom/node-exporter:v1.8.0}]
        """;

    [Fact]
    public async Task Apply_CreatesEveryObject_ThenReportsThemUnchanged()
    {
        var (status, body, _) = await Client.PostAsync("/engine/v1/apply", Cluster, Http.Yaml);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["created", "created", "created"], body!["items"]!.AsArray().Select(i => (string)i!["action"]!));
        Assert.Single((await Client.GetJsonAsync("/api/v1/pods?daemonset=monitoring/exporter"))["items"]!.AsArray());
        var again = await Client.PostAsync("/engine/v1/apply", Cluster, Http.Yaml);
        Assert.Equal(["unchanged", "unchanged", "unchanged"], again.Body!["items"]!.AsArray().Select(i => (string)i!["action"]!));
        Assert.Equal(0, (int)again.Body["events"]!);
    }

    [Fact]
    public async Task Apply_ItemsCarryTheResourceVersionGetAnswers()
    {
        var (_, body, _) = await Client.PostAsync("/engine/v1/apply", Cluster, Http.Yaml);
        string[] paths = ["/api/v1/nodes/node-1", "/api/v1/nodes/node-2", "/apis/apps/v1/namespaces/monitoring/daemonsets/exporter"];
        var versions = body!["items"]!.AsArray().Select(i => (string)i!["resourceVersion"]!).ToList();
        for (var i = 0; i < paths.Length; i++)
            Assert.Equal((string?)(await Client.GetJsonAsync(paths[i]))["metadata"]!["resourceVersion"], versions[i]);
        await Client.PatchAsync("/api/v1/nodes/node-2", """{"metadata":{"labels":{"zone":"b"}}}""");
        var again = await Client.PostAsync("/engine/v1/apply", Cluster, Http.Yaml);
        Assert.Equal(["unchanged", "configured", "unchanged"], again.Body!["items"]!.AsArray().Select(i => (string)i!["action"]!));
        for (var i = 0; i < paths.Length; i++)
            Assert.Equal((string?)(await Client.GetJsonAsync(paths[i]))["metadata"]!["resourceVersion"], (string?)again.Body["items"]![i]!["resourceVersion"]);
    }

    [Fact]
    public async Task Apply_WithAStaleResourceVersion_Is409_NamingTheItem_AndAppendsNothing()
    {
        await Client.PostAsync("/engine/v1/apply", $"[{Http.Node("a")},{Http.Node("b")}]");
        await Client.PatchAsync("/api/v1/nodes/b", """{"metadata":{"labels":{"zone":"b"}}}""");
        var before = await Client.EventCountAsync();
        string Body(string version) =>
            $"[{Http.Node("a", ",\"labels\":{\"zone\":\"x\"}")},{Http.Node("b", $",\"resourceVersion\":\"{version}\",\"labels\":{{\"zone\":\"y\"}}")}]";

        // b's resourceVersion is the seq of its last event (the patch); the one it had before is stale
        var latest = (string)(await Client.GetJsonAsync("/api/v1/nodes/b"))["metadata"]!["resourceVersion"]!;
        var stale = (long.Parse(latest, System.Globalization.CultureInfo.InvariantCulture) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (status, problem, _) = await Client.PostAsync("/engine/v1/apply", Body(stale));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(["[1].metadata.resourceVersion"], problem.Fields());
        Assert.Equal(before, await Client.EventCountAsync());
        Assert.Null((await Client.GetJsonAsync("/api/v1/nodes/a"))["metadata"]!["labels"]);

        var (ok, body, _) = await Client.PostAsync("/engine/v1/apply", Body(latest));
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal([(string?)(await Client.GetJsonAsync("/api/v1/nodes/a"))["metadata"]!["resourceVersion"], (string?)(await Client.GetJsonAsync("/api/v1/nodes/b"))["metadata"]!["resourceVersion"]],
            body!["items"]!.AsArray().Select(i => (string?)i!["resourceVersion"]));
        Assert.Equal("y", (string?)(await Client.GetJsonAsync("/api/v1/nodes/b"))["metadata"]!["labels"]!["zone"]);
    }

    [Fact]
    public async Task Apply_AcceptsAJsonArray_AndAList()
    {
        var array = $"[{Http.Node("a")},{Http.Node("b")}]";
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync("/engine/v1/apply", array)).Status);
        var list = $$"""{"apiVersion":"v1","kind":"List","items":[{{Http.Node("c")}}]}""";
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync("/engine/v1/apply", list)).Status);
        Assert.Equal(3, (await Client.GetJsonAsync("/api/v1/nodes"))["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Apply_WithOneBadObject_RefusesTheWholeBody_NamingTheItem()
    {
        var body = Cluster.Replace("name: node-2", "name: NODE_2");
        var (status, problem, _) = await Client.PostAsync("/engine/v1/apply", body, Http.Yaml);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["[1].metadata.name"], problem.Fields());
        Assert.Equal(0, await Client.EventCountAsync());
        var (kind, kindProblem, _) = await Client.PostAsync("/engine/v1/apply", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n", Http.Yaml);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, kind);
        Assert.Equal(["[0].kind"], kindProblem.Fields());
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.PostAsync("/engine/v1/apply", "a: [", Http.Yaml)).Status);
    }

    [Fact]
    public async Task Apply_BodyTooLarge_Is413_AndAppendsNothing()
    {
        await Client.PostAsync("/engine/v1/apply", Cluster, Http.Yaml);
        var before = await Client.EventCountAsync();
        var nodes = string.Join(",", Enumerable.Range(0, 300).Select(i => Http.Node($"node-{i}")));
        var (status, problem, response) = await Client.PostAsync("/engine/v1/apply", $"[{nodes}]");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(413, (int)problem!["status"]!);
        Assert.Equal(before, await Client.EventCountAsync());
    }

    [Fact]
    public async Task Apply_UnsupportedMediaType_Is415_AndAppendsNothing()
    {
        var (status, problem, response) = await Client.PostAsync("/engine/v1/apply", Cluster, "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(415, (int)problem!["status"]!);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Client.PostAsync("/engine/v1/apply", Cluster, "application/merge-patch+json")).Status);
        Assert.Equal(0, await Client.EventCountAsync());
    }

    [Fact]
    public async Task Clock_MovesTime_AndTimeBasedWorkHappens()
    {
        await Client.PostAsync("/engine/v1/apply", Cluster, Http.Yaml);
        var pod = (string)(await Client.GetJsonAsync("/api/v1/pods?daemonset=monitoring/exporter"))["items"]![0]!["metadata"]!["name"]!;
        await Client.PutAsync($"/api/v1/namespaces/monitoring/pods/{pod}/status", """{"status":{"phase":"Failed"}}""");
        pod = (string)(await Client.GetJsonAsync("/api/v1/pods?daemonset=monitoring/exporter"))["items"]![0]!["metadata"]!["name"]!;
        await Client.PutAsync($"/api/v1/namespaces/monitoring/pods/{pod}/status", """{"status":{"phase":"Failed"}}""");
        // the second failure waits for its backoff (1 s)
        Assert.Equal("Failed", (string?)(await Client.GetJsonAsync("/api/v1/pods?daemonset=monitoring/exporter"))["items"]![0]!["status"]!["phase"]);
        var (status, body, _) = await Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 1}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("2026-01-01T00:00:01Z", (string?)body!["now"]);
        Assert.Equal("Pending", (string?)(await Client.GetJsonAsync("/api/v1/pods?daemonset=monitoring/exporter"))["items"]![0]!["status"]!["phase"]);
        var (negative, problem, _) = await Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": -5}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, negative);
        Assert.Equal(["advanceSeconds"], problem.Fields());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Client.PostAsync("/engine/v1/clock", "{}")).Status);
    }

    [Fact]
    public async Task Events_ArePagedBySeq_InTheContractShape()
    {
        await Client.PostAsync("/engine/v1/apply", Cluster, Http.Yaml);
        var first = await Client.GetJsonAsync("/engine/v1/events?limit=2");
        var items = first["items"]!.AsArray();
        Assert.Equal(2, items.Count);
        foreach (var field in new[] { "seq", "id", "stream", "version", "type", "data", "metadata", "recordedAt" }) Assert.NotNull(items[0]![field]);
        Assert.Equal("2026-01-01T00:00:00Z", (string?)items[0]!["recordedAt"]);
        var next = await Client.GetJsonAsync($"/engine/v1/events?after={(string)first["continue"]!}&limit=2");
        Assert.Equal((long)items[1]!["seq"]! + 1, (long)next["items"]![0]!["seq"]!);
    }
}

/// <summary>The clock endpoint belongs to the manual clock only.</summary>
public sealed class SystemClockTests
{
    [Fact]
    public async Task Clock_OnTheSystemClock_Is409()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, settings: new Dictionary<string, string> { ["Engine:Clock"] = "System" });
        var (status, body, _) = await api.Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 1}""");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("Engine__Clock=Manual", (string?)body!["detail"]);
    }
}
