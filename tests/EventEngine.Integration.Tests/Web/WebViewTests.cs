using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EventEngine.Integration.Tests.Web;

/// <summary>
/// The web view in a real headless browser (the system's Chromium through Playwright) against a server process with
/// the demo incident in its log (manual clock): the matrix at a point of the log, stepping the timeline, following a
/// cause, an object's manifest and diff, explain on click, a DaemonSet's page with its rollback preview, following the
/// log live. Screenshots go to screenshots/ under the test output.
/// </summary>
[Trait("Category", "Browser")]
public sealed class WebViewTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Fluentd = "kube-system/fluentd-elasticsearch";
    private const string Exporter = "monitoring/node-exporter";
    private const string Cilium = "kube-system/cilium-agent";

    private TestDatabase _database = null!;
    private ServerProcess _server = null!;
    private Browser _browser = null!;

    public async Task InitializeAsync()
    {
        // the browser first: without Chromium the test fails before a server process is started
        _browser = await Browser.LaunchAsync();
        _database = await TestDatabase.CreateAsync();
        _server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = _database.ConnectionString,
            ["Engine:Clock"] = "Manual",
        });
        var (status, _, _) = await _server.Client().PostAsync("/engine/v1/demo/incident", "");
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
    }

    /// <summary>Whatever the start made, even when it failed part of the way: no server process is left behind.</summary>
    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }

    private static Task<string?> CellAsync(IPage page, string node, string ds) =>
        page.GetAttributeAsync($".cell[data-node='{node}'][data-ds='{ds}']", "data-state");

    private static Task LoadedAsync(IPage page, long seq) => page.WaitForSelectorAsync($"body[data-loaded='{seq}']");

    [Fact]
    public async Task TheDemoIncident_StepsThroughTheTimeline_TheMatrixChangesToTheRightCells_AndACauseIsFollowed()
    {
        var page = await _browser.OpenAsync(new Uri(_server.BaseAddress, "/#seq=400"));
        await LoadedAsync(page, 400);
        // mid fluentd rollout (README: node-11..13 not ready, node-14/15 missing, node-16.. outdated, node-01..10 done)
        Assert.Equal(("ready", "notready", "missing", "outdated"), (await CellAsync(page, "node-05", Fluentd), await CellAsync(page, "node-12", Fluentd),
            await CellAsync(page, "node-14", Fluentd), await CellAsync(page, "node-16", Fluentd)));
        Assert.Equal("ready", await CellAsync(page, "node-14", Cilium));
        Assert.Contains("rev 2 · 48/50 · miss 2 · old 35", await page.InnerTextAsync($"#matrix-head .col[data-ds='{Fluentd}']"));
        await Browser.ScreenshotAsync(page, "placement-mid-rollout");

        // the scrubber to the taint storm: node-07 tainted NoExecute at 627, its pods deleted at 628 and 629
        await page.Locator("#scrubber").FillAsync("627");
        await LoadedAsync(page, 627);
        Assert.Equal(("misscheduled", "misscheduled", "ready"), (await CellAsync(page, "node-07", Fluentd), await CellAsync(page, "node-07", Exporter),
            await CellAsync(page, "node-07", Cilium)));
        await page.ClickAsync("#next");
        await LoadedAsync(page, 628);
        Assert.Equal(("none", "misscheduled"), (await CellAsync(page, "node-07", Fluentd), await CellAsync(page, "node-07", Exporter)));
        await page.ClickAsync("#next");
        await LoadedAsync(page, 629);
        Assert.Equal(("none", "none", "ready"), (await CellAsync(page, "node-07", Fluentd), await CellAsync(page, "node-07", Exporter),
            await CellAsync(page, "node-07", Cilium)));

        // explain on click: the NoExecute taint is the rule that fails
        await page.ClickAsync($".cell[data-node='node-07'][data-ds='{Fluentd}']");
        await page.WaitForSelectorAsync("#rules li[data-kind='taint'].fail");
        Assert.Contains("maintenance=kernel-upgrade:NoExecute", await page.InnerTextAsync("#rules li[data-kind='taint'].fail"));

        // the deletion at 628 names its cause, 627; following it moves the point there and selects the taint event
        var cause = page.Locator("#events tr[data-seq='628'] a.cause");
        Assert.Equal("627", await cause.GetAttributeAsync("data-seq"));
        await cause.ClickAsync();
        await LoadedAsync(page, 627);
        await page.WaitForSelectorAsync("#events tr[data-seq='627'].selected");
        await page.WaitForSelectorAsync("#diff .add");
        Assert.Equal("node node-07 after seq 627", await page.InnerTextAsync("#object-title"));
        Assert.Contains(await page.Locator("#diff .add").AllInnerTextsAsync(), line => line.Contains("kernel-upgrade", StringComparison.Ordinal));
        Assert.Contains("ops-automation", await page.InnerTextAsync("#events tr[data-seq='627']"));
        // its row says what it did to placement: both pods removed from node-07
        Assert.Contains("− fluentd-elasticsearch-", await page.InnerTextAsync("#events tr[data-seq='627']"));
        await Browser.ScreenshotAsync(page, "cause-followed");

        // a time names the last event at or before it: at 00:30:18 node-07's pods are gone and node-08 not yet tainted
        await page.FillAsync("#goto", "2026-01-01T00:30:18Z");
        await page.ClickAsync("#goto-form button");
        await LoadedAsync(page, 631);
        Assert.Equal(("none", "ready"), (await CellAsync(page, "node-07", Fluentd), await CellAsync(page, "node-08", Fluentd)));
        // a row per DaemonSet over the whole log, where it diverged from the rules: the engine's own controller never did
        Assert.Equal([Cilium, Fluentd, Exporter], await page.Locator("#ds-spans .spans-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.ds)"));
        Assert.Equal(0, await page.Locator("#ds-spans rect.missing, #ds-spans rect.misscheduled").CountAsync());
        Assert.Empty(_browser.Errors[page]);
    }

    [Fact]
    public async Task TheDaemonSetPage_ShowsRevisionsPlacementsAndStatus_PreviewsARollback_AndTheViewFollowsTheLiveLog()
    {
        var page = await _browser.OpenAsync(_server.BaseAddress);
        var head = (long)(await _server.Client().GetJsonAsync("/readyz"))["head"]!;
        await LoadedAsync(page, head);

        await page.ClickAsync($"#matrix-head .col[data-ds='{Exporter}']");
        await page.WaitForSelectorAsync("#ds-revisions tbody tr");
        var revisions = await page.Locator("#ds-revisions tbody tr").AllAsync();
        var numbers = new List<string?>();
        foreach (var row in revisions) numbers.Add(await row.GetAttributeAsync("data-revision"));
        // the rollback of the demo renumbered revision 1 to 3
        Assert.Equal(["2", "3"], numbers.Order());
        Assert.True(int.Parse((await page.GetAttributeAsync("#ds-chart", "data-points"))!) > 3);

        // the crashing revision 2 reached five nodes, where its pods failed (three each) until the rollback
        await page.ClickAsync("#ds-revisions tr[data-revision='2'] a");
        await page.WaitForSelectorAsync("#ds-placements tbody tr");
        var placements = await page.Locator("#ds-placements tbody tr").AllInnerTextsAsync();
        Assert.Equal(["node-01", "node-02", "node-03", "node-04", "node-05"], placements.Select(p => p.Split('\t')[0]).Distinct().Order());
        Assert.Equal(15, placements.Count(p => p.Contains("failed", StringComparison.Ordinal)));
        Assert.Equal(5, placements.Count(p => p.Contains("rolled back", StringComparison.Ordinal)));

        // a rollback is previewed (a what-if at the head) before it is done, then done
        await page.ClickAsync("#ds-revisions tr[data-revision='2'] button");
        await page.WaitForSelectorAsync("#rollback-confirm");
        Assert.Matches(@"would create \d+ and remove \d+ pods", await page.InnerTextAsync("#ds-preview"));
        await Browser.ScreenshotAsync(page, "daemonset-page");
        var before = (await _server.Client().EventsAsync()).Count;
        await page.ClickAsync("#rollback-confirm");
        await page.WaitForSelectorAsync("#ds-preview:has-text('Rolled back to revision 2')");
        var events = await _server.Client().EventsAsync();
        Assert.Contains(events.Skip(before), e => (string?)e["type"] == "daemonset_rolled_back.v1");

        // live: a node joins through the API and the view, following the log, shows it
        await page.CheckAsync("#follow");
        await _server.Client().PostAsync("/api/v1/nodes", Http.Node("node-51"));
        await page.WaitForFunctionAsync("() => window.eventEngine.view.nodes.includes('node-51')");
        await page.EvalOnSelectorAsync("#matrix", "m => { m.scrollTop = m.scrollHeight; }");
        await page.WaitForSelectorAsync($".cell[data-node='node-51'][data-ds='{Cilium}']");
        var newHead = (long)(await _server.Client().GetJsonAsync("/readyz"))["head"]!;
        await page.WaitForSelectorAsync($"#head:has-text('seq {newHead}')");
        Assert.Empty(_browser.Errors[page]);
    }

    [Fact]
    public async Task WithTokensConfigured_ThePageLoads_AsksForAToken_AndReadsWithIt()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = database.ConnectionString,
            ["Engine:Auth:Tokens:0:User"] = "vera", ["Engine:Auth:Tokens:0:Role"] = "viewer",
            ["Engine:Auth:Tokens:0:Sha256"] = Api.TokenServer.Sha256(Api.TokenServer.Viewer),
        });
        var page = await _browser.OpenAsync(server.BaseAddress);
        await page.WaitForSelectorAsync("#token-box:not([hidden])");
        Assert.Contains("401", await page.InnerTextAsync("#status"));
        await page.FillAsync("#token", Api.TokenServer.Viewer);
        await page.DispatchEventAsync("#token", "change");
        await LoadedAsync(page, 0);
        Assert.True(await page.IsHiddenAsync("#token-box"));
        // the data still needs the token: the page is public, what it reads is not
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await server.Client().SendAsync(HttpMethod.Get, "/engine/v1/state")).Status);
    }

    [Fact]
    public async Task AtFiveThousandNodes_OnlyTheRowsInViewAreDrawn_AndTheLastNodeIsReachedByScrolling()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = database.ConnectionString,
            ["Engine:SimulatedKubelet:Enabled"] = "false",
        });
        var client = server.Client();
        var nodes = new JsonArray(Enumerable.Range(0, 5_000).Select(i => (JsonNode)JsonNode.Parse(Http.Node($"node-{i:D4}"))!).ToArray());
        var (status, _, _) = await client.PostAsync("/engine/v1/apply", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = nodes }.ToJsonString());
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        (status, _, _) = await client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent());
        Assert.Equal(System.Net.HttpStatusCode.Created, status);
        var head = (long)(await client.GetJsonAsync("/readyz"))["head"]!;

        var page = await _browser.OpenAsync(server.BaseAddress);
        await LoadedAsync(page, head);
        var ms = await page.EvaluateAsync<int>("() => window.eventEngine.timings[0].ms");
        var rows = await page.Locator("#matrix-body .matrix-row").CountAsync();
        output.WriteLine($"5,000 nodes x 1 DaemonSet: matrix loaded in {ms} ms (server and browser), {rows} rows drawn");
        Assert.InRange(rows, 10, 120);
        // no kubelet reports: every pod is there, Pending
        Assert.Equal("notready", await CellAsync(page, "node-0000", "default/agent"));

        await page.EvalOnSelectorAsync("#matrix", "m => { m.scrollTop = m.scrollHeight; }");
        await page.WaitForSelectorAsync(".matrix-row[data-node='node-4999']");
        Assert.InRange(await page.Locator("#matrix-body .matrix-row").CountAsync(), 10, 120);
        await Browser.ScreenshotAsync(page, "five-thousand-nodes");
        Assert.Empty(_browser.Errors[page]);
    }
}
