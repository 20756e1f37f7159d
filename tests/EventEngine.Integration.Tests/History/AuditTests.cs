using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.History;

/// <summary>The audit log's live tail, the state at a point, and the timeline's filters and pages.</summary>
public sealed class AuditTests
{
    [Fact]
    public async Task Watch_StreamsEveryEventOnce_InSeqOrder_AsTheyCommit()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        await api.Client.PostAsync("/api/v1/nodes", Http.Node("before"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await api.Client.GetAsync("/engine/v1/events?watch=true&after=0", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));

        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++) await api.Client.PostAsync("/api/v1/nodes", Http.Node($"n{i}"));
            await api.Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml);
        });

        var seqs = new List<long>();
        string? type = null;
        while (seqs.Count < 21 + 21 + 1 && await reader.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var e = JsonNode.Parse(line[6..])!;
            Assert.Equal(type, (string?)e["type"]);
            seqs.Add((long)e["seq"]!);
        }
        await writer;
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        Assert.Equal((await api.Client.EventsAsync()).Take(seqs.Count).Select(e => (long)e["seq"]!), seqs);
    }

    [Fact]
    public async Task State_AtASeqOrATime_IsTheClusterAsItWas()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        var c = api.Client;
        await c.PostAsync("/engine/v1/apply", $"[{Http.Node("n1")},{Http.Node("n2")}]");
        await c.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml);
        var head = (long)(await c.EventsAsync())[^1]["seq"]!;
        await c.PostAsync("/engine/v1/clock", """{"advanceSeconds": 600}""");
        await c.PatchAsync("/api/v1/nodes/n2", """{"spec":{"taints":[{"key":"k","effect":"NoExecute"}]}}""");

        var then = await c.GetJsonAsync($"/engine/v1/state?at={head}");
        Assert.Equal(head, (long)then["at"]!["seq"]!);
        Assert.Equal(["n1", "n2"], then["pods"]!.AsArray().Select(p => (string)p!["spec"]!["nodeName"]!).Order());
        var byTime = await c.GetJsonAsync("/engine/v1/state?at=2026-01-01T00:05:00Z");
        Assert.Equal((string?)then["fingerprint"], (string?)byTime["fingerprint"]);
        var now = await c.GetJsonAsync("/engine/v1/state");
        Assert.Equal(["n1"], now["pods"]!.AsArray().Select(p => (string)p!["spec"]!["nodeName"]!));
        Assert.Equal(1, (int)now["daemonSets"]![0]!["currentRevision"]!["revision"]!);
        foreach (var at in new[] { "yesterday", "2026-01-01T00:05:00", "2026-01-01" })
        {
            // a time without its offset names no instant: refused rather than read in the server's zone
            var (status, problem, _) = await c.SendAsync(HttpMethod.Get, $"/engine/v1/state?at={at}");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(["at"], problem.Fields());
        }
    }

    [Fact]
    public async Task Events_PageByTheirContinueToken_UntilAShortPageEndsTheList()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        var c = api.Client;
        for (var i = 0; i < 5; i++) await c.PostAsync("/api/v1/nodes", Http.Node($"n{i}"));

        var seqs = new List<long>();
        var pages = 0;
        string? token = null;
        do
        {
            var page = await c.GetJsonAsync("/engine/v1/events?limit=2" + (token is null ? "" : "&continue=" + token));
            seqs.AddRange(page["items"]!.AsArray().Select(e => (long)e!["seq"]!));
            token = (string?)page["continue"];
            pages++;
        } while (token is not null);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], seqs);
        Assert.Equal(3, pages);

        var (status, problem, _) = await c.SendAsync(HttpMethod.Get, "/engine/v1/events?continue=abc");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["continue"], problem.Fields());
    }

    [Theory]
    [InlineData("from=soon", "from")]
    [InlineData("to=2026-01-01T00:00:00", "to")]
    [InlineData("continue=-1", "continue")]
    public async Task Timeline_RefusesAMalformedParameter_NamingIt(string query, string field)
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        var (status, problem, _) = await api.Client.SendAsync(HttpMethod.Get, "/engine/v1/timeline?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], problem.Fields());
    }

    [Fact]
    public async Task Timeline_FiltersByDaemonSet_KeepsCauses_AndPages()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        var c = api.Client;
        await c.PostAsync("/engine/v1/apply", $"[{Http.Node("n1")},{Http.Node("n2")},{Http.Node("n3")}]", headers: new Dictionary<string, string> { ["X-Actor"] = "bot" });
        await c.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml, new Dictionary<string, string> { ["X-Actor"] = "alice" });
        await c.PatchAsync("/api/v1/nodes/n3", """{"metadata":{"labels":{"rack":"r9"}}}""");

        var all = (await c.GetJsonAsync("/engine/v1/timeline"))["items"]!.AsArray();
        Assert.Equal("n1 joined by bot", (string?)all[0]!["description"]);
        var created = all.Single(i => (string)i!["type"]! == "daemonset_created.v1")!;
        Assert.StartsWith("DaemonSet kube-system/fluentd-elasticsearch created at revision 1", (string?)created["description"]);
        Assert.Equal(3, created["placement"]![0]!["created"]!.AsArray().Count);
        Assert.Equal("n3 labels changed: +rack=r9 by anonymous", (string?)all[^1]!["description"]);

        var filtered = (await c.GetJsonAsync("/engine/v1/timeline?daemonset=kube-system/fluentd-elasticsearch"))["items"]!.AsArray();
        Assert.Equal(["daemonset_created.v1", "pod_created.v1", "pod_created.v1", "pod_created.v1"], filtered.Select(i => (string)i!["type"]!));
        Assert.All(filtered.Skip(1), i => Assert.Equal((long)created["seq"]!, (long)i!["cause"]!["seq"]!));

        var node = (await c.GetJsonAsync("/engine/v1/timeline?node=n2"))["items"]!.AsArray();
        Assert.Equal(["node_joined.v1", "daemonset_created.v1", "pod_created.v1"], node.Select(i => (string)i!["type"]!));

        var page = await c.GetJsonAsync("/engine/v1/timeline?limit=2");
        Assert.Equal(2, page["items"]!.AsArray().Count);
        var next = await c.GetJsonAsync($"/engine/v1/timeline?limit=2&continue={(string)page["continue"]!}");
        Assert.True((long)next["items"]![0]!["seq"]! > (long)page["items"]![1]!["seq"]!);

        // a page full at the DaemonSet's creation still lists the pods its command created after it; the next page begins after it
        var full = await c.GetJsonAsync("/engine/v1/timeline?daemonset=kube-system/fluentd-elasticsearch&limit=1");
        var only = Assert.Single(full["items"]!.AsArray())!;
        Assert.Equal(("daemonset_created.v1", 3), ((string?)only["type"], only["placement"]![0]!["created"]!.AsArray().Count));
        Assert.Equal((long)created["seq"]!, long.Parse((string)full["continue"]!, System.Globalization.CultureInfo.InvariantCulture));
        // a page that begins after the cause names it as the log holds it
        var later = await c.GetJsonAsync($"/engine/v1/timeline?daemonset=kube-system/fluentd-elasticsearch&from={(long)filtered[2]!["seq"]!}");
        Assert.Equal(2, later["items"]!.AsArray().Count);
        Assert.All(later["items"]!.AsArray(), i => Assert.Equal(((long)created["seq"]!, "daemonset_created.v1", "alice"),
            ((long)i!["cause"]!["seq"]!, (string?)i["cause"]!["type"], (string?)i["cause"]!["actor"])));
    }
}
