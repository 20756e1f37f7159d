using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>
/// The scheduler on the system clock: a full reconcile costs the whole cluster, so it runs only for time-based work
/// that is due and for events another process appended, never for this process's own commands or kubelet reports.
/// </summary>
public sealed class SchedulerTests
{
    private static readonly Dictionary<string, string> SystemClock = new()
    {
        ["Engine:Clock"] = "System",
        ["Engine:SimulatedKubelet:ReadyAfterSeconds"] = "0.05",
    };

    [Fact]
    public async Task KubeletReportsAndOwnCommands_RunNoFullReconcile()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, kubelet: true, settings: SystemClock);
        var runtime = api.Services.GetRequiredService<EngineRuntime>();
        await api.Client.PostAsync("/engine/v1/apply", $"[{string.Join(",", Enumerable.Range(1, 4).Select(i => Http.Node($"n{i}")))}]");
        await api.Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml);
        await Wait.UntilAsync(async () => await ReadyAsync(api) == 4, TimeSpan.FromSeconds(20));
        var before = runtime.FullReconciles;

        // commands, and pods moved by them that the kubelet then reports ready: each settles itself
        for (var round = 0; round < 5; round++)
        {
            for (var i = 1; i <= 4; i++)
                await api.Client.PatchAsync($"/api/v1/nodes/n{i}", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["round"] = $"{round}" } } }.ToJsonString());
            await api.Client.PostAsync("/api/v1/nodes", Http.Node($"extra{round}"));
            await Wait.UntilAsync(async () => await ReadyAsync(api) == 5 + round, TimeSpan.FromSeconds(20));
        }
        var reports = (await api.Client.EventsAsync()).Count(e => (string?)e["type"] == "pod_status_observed.v1" && (string?)e["metadata"]!["actor"] == CommandContext.KubeletActor);
        Assert.Equal(9, reports); // 4 first pods and 5 added ones, each reported ready once
        Assert.Equal(before, runtime.FullReconciles);
    }

    [Fact]
    public async Task TimeBasedWork_StillRunsWhenDue()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, kubelet: true, settings: SystemClock);
        var runtime = api.Services.GetRequiredService<EngineRuntime>();
        await api.Client.PostAsync("/engine/v1/apply", $"[{Http.Node("n1")},{Http.Node("n2")}]");
        var agent = JsonNode.Parse(Http.Agent())!;
        agent["spec"]!["minReadySeconds"] = 1;
        await api.Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", agent.ToJsonString());
        var before = runtime.FullReconciles;

        // ready after 0.05 s, available one second later: only time passing makes them so
        await Wait.UntilAsync(async () => (int?)(await api.Client.GetJsonAsync("/apis/apps/v1/namespaces/default/daemonsets/agent"))["status"]!["numberAvailable"] == 2,
            TimeSpan.FromSeconds(20));
        Assert.True(runtime.FullReconciles > before);
    }

    [Fact]
    public async Task AnotherProcessesCommand_IsReconciledByTheLeader()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var leader = EngineApi.Start(db, kubelet: true, settings: SystemClock);
        await using var standby = EngineApi.Start(db, kubelet: true, settings: SystemClock);
        var runtime = leader.Services.GetRequiredService<EngineRuntime>();
        var before = runtime.FullReconciles;

        // the standby's commands settle there; the pods they create are the leader's kubelet's to report
        await standby.Client.PostAsync("/engine/v1/apply", $"[{Http.Node("n1")},{Http.Node("n2")}]");
        await standby.Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml);
        await Wait.UntilAsync(async () => await ReadyAsync(leader) == 2, TimeSpan.FromSeconds(20));
        Assert.True(runtime.FullReconciles > before);
    }

    [Fact]
    public async Task ARefresh_LeavesNoCommandBehind()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        var runtime = api.Services.GetRequiredService<EngineRuntime>();
        await api.Client.PostAsync("/api/v1/nodes", Http.Node("n1"));

        // the refresh holds the writer while it reads the log; a command arriving then is left to it
        for (var i = 0; i < 20; i++)
        {
            var refresh = runtime.RefreshAsync(CancellationToken.None);
            var command = runtime.TickAsync(CommandContext.System(CommandContext.ClockActor));
            await Task.WhenAll(refresh, command).WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static async Task<int> ReadyAsync(EngineApi api) =>
        (int)(await api.Client.GetJsonAsync("/apis/apps/v1/namespaces/kube-system/daemonsets/fluentd-elasticsearch"))["status"]!["numberReady"]!;
}
