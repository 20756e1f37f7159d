using System.Net;
using System.Text.Json;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Api;

/// <summary>
/// GET /metrics of a real server process (its own, so no other test's commands are counted), scraped as Prometheus
/// scrapes it: commands by outcome, group commits, the head, questions about the past, and HTTP requests by route
/// template. The clock is manual and the simulated kubelet off, so the server does nothing the test did not ask.
/// </summary>
public sealed class MetricsTests(TokenServer fixture) : IClassFixture<TokenServer>
{
    private const string Commands = "eventengine_command_duration_seconds";

    [Fact]
    public async Task Commands_AreTimedByOutcome_AndTheirGroupCommitsObserved()
    {
        const int n = 5;
        var before = await ScrapeAsync();
        using var client = fixture.Server.Client(TokenServer.Operator);
        var prefix = Unique("joined");
        for (var i = 0; i < n; i++)
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/v1/nodes", Http.Node($"{prefix}-{i}"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PatchAsync($"/api/v1/nodes/{Unique("missing")}", """{"spec":{"unschedulable":true}}""")).Status);
        var after = await ScrapeAsync();

        Assert.Equal("histogram", after.Types[Commands]);
        Assert.Equal(n, Delta(before, after, $"{Commands}_count", ("kind", "command"), ("outcome", "ok")));
        Assert.Equal(1, Delta(before, after, $"{Commands}_count", ("kind", "command"), ("outcome", "refused")));
        Assert.Equal(0, Delta(before, after, $"{Commands}_count", ("outcome", "failed")));
        // the latency buckets the engine advises, 0.5 ms to 10 s, and every answer falls in +Inf
        var buckets = after.Matching($"{Commands}_bucket", ("kind", "command"), ("outcome", "ok")).Select(s => s.Labels["le"]).ToList();
        Assert.Contains("0.0005", buckets);
        Assert.Contains("10", buckets);
        Assert.Equal(after.Sum($"{Commands}_count", ("kind", "command"), ("outcome", "ok")),
            after.Sum($"{Commands}_bucket", ("kind", "command"), ("outcome", "ok"), ("le", "+Inf")));

        // every join appended in a commit of its own (one request at a time), each with its node_joined event
        var groups = Delta(before, after, "eventengine_append_group_commands_count");
        Assert.True(groups >= n, $"{groups} group commits for {n} joins");
        Assert.True(Delta(before, after, "eventengine_append_group_commands_sum") >= n);
        Assert.True(Delta(before, after, "eventengine_append_group_events_sum") >= n);
        Assert.Equal(groups, Delta(before, after, "eventengine_append_group_events_count"));
        Assert.Equal(groups, Delta(before, after, "eventengine_append_duration_seconds_count"));
        Assert.True(Delta(before, after, "eventengine_append_duration_seconds_sum") > 0);
    }

    [Fact]
    public async Task TheHeadGauge_IsTheHeadTheServerReports()
    {
        using var client = fixture.Server.Client(TokenServer.Operator);
        var (status, created, _) = await client.PostAsync("/api/v1/nodes", Http.Node(Unique("head")));
        Assert.Equal(HttpStatusCode.Created, status);
        var written = long.Parse((string)created!["metadata"]!["resourceVersion"]!, System.Globalization.CultureInfo.InvariantCulture);

        var head = (long)(await client.GetJsonAsync("/readyz"))["head"]!;
        var scraped = await ScrapeAsync();

        Assert.Equal("gauge", scraped.Types["eventengine_head_seq"]);
        Assert.True(head >= written, $"head {head}, the join's seq {written}");
        Assert.Equal(head, Assert.Single(scraped.Matching("eventengine_head_seq")).Value);
    }

    [Fact]
    public async Task TheStreamsGauge_CountsTheStreamsOfTheObjectsThereAre_NotOfThoseDeleted()
    {
        using var client = fixture.Server.Client(TokenServer.Operator);
        for (var i = 0; i < 3; i++)
        {
            var name = Unique("gone");
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/v1/nodes", Http.Node(name))).Status);
            Assert.Equal(HttpStatusCode.OK, (await client.DeleteJsonAsync($"/api/v1/nodes/{name}")).Status);
        }
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/v1/nodes", Http.Node(Unique("kept")))).Status);

        async Task<int> Count(string path) => (await client.GetJsonAsync(path))["items"]!.AsArray().Count;
        var (nodes, daemonSets, pods) = (await Count("/api/v1/nodes"), await Count("/apis/apps/v1/daemonsets"), await Count("/api/v1/pods"));
        var scraped = await ScrapeAsync();

        Assert.Equal("gauge", scraped.Types["eventengine_streams_kept"]);
        // one stream per node and per pod, two per DaemonSet (spec and status)
        Assert.Equal(nodes + 2 * daemonSets + pods, Assert.Single(scraped.Matching("eventengine_streams_kept")).Value);
    }

    public static TheoryData<string, string, string, string?, HttpStatusCode> PastQuestions => new()
    {
        { "state", "GET", "/engine/v1/state?at=0", null, HttpStatusCode.OK },
        { "timeline", "GET", "/engine/v1/timeline", null, HttpStatusCode.OK },
        { "whatif", "POST", "/engine/v1/replay", """{"from":0,"to":0}""", HttpStatusCode.OK },
        { "placement", "GET", "/engine/v1/placement?daemonset=default/nothing", null, HttpStatusCode.NotFound },
        { "explain", "GET", "/engine/v1/explain?daemonset=default/nothing&node=nowhere", null, HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(PastQuestions))]
    public async Task EachQuestionAboutThePast_IsTimedUnderItsShape(string shape, string method, string path, string? body, HttpStatusCode expected)
    {
        const string name = "eventengine_time_travel_duration_seconds_count";
        var before = await ScrapeAsync();
        using var client = fixture.Server.Client(TokenServer.Viewer);
        var (status, answer, _) = await client.SendAsync(new HttpMethod(method), path, body);
        Assert.True(status == expected, $"{method} {path}: {status} {answer}");
        var after = await ScrapeAsync();

        Assert.Equal(1, Delta(before, after, name, ("shape", shape)));
        Assert.Equal(1, Delta(before, after, name));
    }

    [Fact]
    public async Task HttpRequests_AreLabelledByRouteTemplate_NeverByTheNameInThePath()
    {
        var missing = Unique("nameless");
        using var client = fixture.Server.Client(TokenServer.Operator);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(HttpMethod.Get, $"/api/v1/nodes/{missing}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(HttpMethod.Get, $"/no/such/{missing}")).Status);

        using var viewer = fixture.Server.Client(TokenServer.Viewer);
        var text = await viewer.GetStringAsync("/metrics");
        var scraped = PrometheusText.Parse(text);

        Assert.DoesNotContain(missing, text);
        Assert.Equal("histogram", scraped.Types["http_request_duration_seconds"]);
        Assert.True(scraped.Sum("http_request_duration_seconds_count", ("endpoint", "/api/v1/nodes/{name}"), ("method", "GET"), ("code", "404")) >= 1);
        Assert.True(scraped.Sum("http_request_duration_seconds_count", ("endpoint", ""), ("code", "404")) >= 1);
    }

    [Fact]
    public async Task AViewer_MayScrape_AndACallerWithoutAToken_IsRefused()
    {
        using var anonymous = fixture.Server.Client();
        var refused = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain("eventengine_", await refused.Content.ReadAsStringAsync());

        using var viewer = fixture.Server.Client(TokenServer.Viewer);
        Assert.Contains("# TYPE eventengine_head_seq gauge", await viewer.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task TheProcessFigures_ComeAlong()
    {
        var scraped = await ScrapeAsync();

        Assert.True(Assert.Single(scraped.Matching("process_start_time_seconds")).Value > 0);
        Assert.Equal("counter", scraped.Types["process_cpu_seconds_total"]);
    }

    [Fact]
    public async Task TheOpenApiDocument_LeavesMetricsOut_AndStillReads()
    {
        using var client = fixture.Server.Client(TokenServer.Viewer);
        var response = await client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/nodes/{name}", out _));
        Assert.False(paths.TryGetProperty("/metrics", out _));
    }

    private async Task<PrometheusText> ScrapeAsync()
    {
        using var client = fixture.Server.Client(TokenServer.Viewer);
        var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    private static double Delta(PrometheusText before, PrometheusText after, string name, params (string Label, string Value)[] labels) =>
        after.Sum(name, labels) - before.Sum(name, labels);

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 9)];
}
