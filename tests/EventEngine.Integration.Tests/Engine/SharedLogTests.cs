using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Runtime;
using EventEngine.State;
using Microsoft.Extensions.DependencyInjection;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>Two servers writing one log, and the wake-ups a scoped command must not forget.</summary>
public sealed class SharedLogTests
{
    [Fact]
    public async Task TwoServersOnOneLog_NeitherSkipsTheOthersEvents()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var a = EngineApi.Start(db);
        await using var b = EngineApi.Start(db);

        // a adds nodes while b adds nodes and, midway, creates the DaemonSet: every node must end with a pod
        var writers = new[]
        {
            Task.Run(async () =>
            {
                for (var i = 0; i < 15; i++) await a.Client.CreateAsync("/api/v1/nodes", Http.Node($"a{i}"));
            }),
            Task.Run(async () =>
            {
                for (var i = 0; i < 15; i++)
                {
                    await b.Client.CreateAsync("/api/v1/nodes", Http.Node($"b{i}"));
                    if (i == 4) await b.Client.CreateAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent());
                }
            }),
        };
        await Task.WhenAll(writers);
        // one more command on each folds whatever the other appended last
        await a.Client.CreateAsync("/api/v1/nodes", Http.Node("a-last"));
        await b.Client.CreateAsync("/api/v1/nodes", Http.Node("b-last"));

        var pods = (await a.Client.GetJsonAsync("/api/v1/pods?daemonset=default/agent"))["items"]!.AsArray();
        Assert.Equal(32, pods.Count);
        Assert.Equal(32, pods.Select(p => (string)p!["spec"]!["nodeName"]!).Distinct().Count());
        var seqs = (await b.Client.EventsAsync()).Select(e => (long)e["seq"]!).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);

        // b learns of a's last node while refusing to create it again; then both hold what a fresh fold holds
        await a.Client.CreateAsync("/api/v1/nodes", Http.Node("a-sync"));
        Assert.Equal(HttpStatusCode.Conflict, (await b.Client.PostAsync("/api/v1/nodes", Http.Node("a-sync"))).Status);
        await using var fresh = EngineApi.Start(db);
        var folded = Fingerprint.Of(fresh.Services.GetRequiredService<EngineRuntime>().State);
        Assert.Equal(folded, Fingerprint.Of(a.Services.GetRequiredService<EngineRuntime>().State));
        Assert.Equal(folded, Fingerprint.Of(b.Services.GetRequiredService<EngineRuntime>().State));
        Assert.Empty(Fold.CheckIndexes(b.Services.GetRequiredService<EngineRuntime>().State));
    }

    [Fact]
    public async Task ADryRunOnTheOtherServer_IsDecidedOnTheLogAsItIs_AndAppendsNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var a = EngineApi.Start(db);
        await using var b = EngineApi.Start(db);
        await a.Client.CreateAsync("/api/v1/nodes", Http.Node("n1", ",\"labels\":{\"zone\":\"a\"}"));
        var events = await a.Client.EventCountAsync();

        // b has folded nothing of a's since it started: its dry runs fold the log first, as its writes would
        var (status, _, _) = await b.Client.PostAsync("/api/v1/nodes?dryRun=All", Http.Node("n1"));
        Assert.Equal(HttpStatusCode.Conflict, status);
        var version = (string?)(await b.Client.GetJsonAsync("/api/v1/nodes/n1"))["metadata"]!["resourceVersion"];
        (status, var patched, _) = await b.Client.PatchAsync("/api/v1/nodes/n1?dryRun=All",
            """{"metadata":{"resourceVersion":"VERSION","labels":{"zone":"b"}}}""".Replace("VERSION", version));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("b", version), ((string?)patched!["metadata"]!["labels"]!["zone"], (string?)patched["metadata"]!["resourceVersion"]));

        Assert.Equal(events, await b.Client.EventCountAsync());
        Assert.Equal("a", (string?)(await a.Client.GetJsonAsync("/api/v1/nodes/n1"))["metadata"]!["labels"]!["zone"]);
    }

    [Fact]
    public async Task ACommandAboutSomethingElse_KeepsTheEarlierWakeUp()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        var runtime = api.Services.GetRequiredService<EngineRuntime>();
        await api.Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        var agent = JsonNode.Parse(Http.Agent("""{"nodeSelector":{"role":"agent"}}"""))!;
        agent["spec"]!["minReadySeconds"] = 30;
        await api.Client.PatchAsync("/api/v1/nodes/n1", """{"metadata":{"labels":{"role":"agent"}}}""");
        await api.Client.CreateAsync("/apis/apps/v1/namespaces/default/daemonsets", agent.ToJsonString());
        var pod = (string)(await api.Client.GetJsonAsync("/api/v1/pods?daemonset=default/agent"))["items"]![0]!["metadata"]!["name"]!;
        await api.Client.PutAsync($"/api/v1/namespaces/default/pods/{pod}/status",
            """{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""");
        var due = new DateTimeOffset(2026, 1, 1, 0, 0, 30, TimeSpan.Zero);
        Assert.Equal(due, runtime.WakeAt);

        // another DaemonSet, placed nowhere: its reconcile does not look at agent, whose wake-up must stay
        var other = JsonNode.Parse(Http.Agent("""{"nodeSelector":{"role":"none"}}"""))!;
        other["metadata"]!["name"] = "other";
        await api.Client.CreateAsync("/apis/apps/v1/namespaces/default/daemonsets", other.ToJsonString());
        Assert.Equal(due, runtime.WakeAt);

        // time passes beyond it with no reconcile yet (the scheduler's pass comes after): a scoped command meanwhile
        // keeps the wake-up that is now due, for only a full reconcile does what it was for
        ((EventEngine.Runtime.ManualClock)api.Services.GetRequiredService<TimeProvider>()).Advance(TimeSpan.FromSeconds(31));
        await api.Client.PatchAsync("/api/v1/nodes/n1", """{"metadata":{"labels":{"rack":"r1"}}}""");
        Assert.Equal(due, runtime.WakeAt);
        await api.Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 1}""");
        var ds = await api.Client.GetJsonAsync("/apis/apps/v1/namespaces/default/daemonsets/agent");
        Assert.Equal(1, (int)ds["status"]!["numberAvailable"]!);
        Assert.Null(runtime.WakeAt);
    }
}
