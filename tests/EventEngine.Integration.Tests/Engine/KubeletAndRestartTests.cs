using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Runtime;
using EventEngine.State;
using Microsoft.Extensions.DependencyInjection;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>The simulated kubelet on both clocks, and an engine restarted on an existing log.</summary>
public sealed class KubeletAndRestartTests
{
    [Fact]
    public async Task SimulatedKubelet_OnTheManualClock_ReportsReadyWhenTimeComes()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, kubelet: true);
        await api.Client.PostAsync("/engine/v1/apply", $"[{Http.Node("n1")},{Http.Node("n2")}]");
        await api.Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml);
        Assert.Equal(0, await ReadyAsync(api));
        await api.Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 1}""");
        Assert.Equal(0, await ReadyAsync(api));
        await api.Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 1}""");
        Assert.Equal(2, await ReadyAsync(api));
        var reports = (await api.Client.EventsAsync()).Where(e => (string)e["type"]! == "pod_status_observed.v1").ToList();
        Assert.Equal(2, reports.Count);
        Assert.All(reports, r => Assert.Equal(CommandContext.KubeletActor, (string?)r["metadata"]!["actor"]));
        Assert.All(reports, r => Assert.Equal(("Running", true, "2026-01-01T00:00:02Z"),
            ((string)r["data"]!["phase"]!, (bool)r["data"]!["ready"]!, (string?)r["data"]!["readySince"])));
    }

    [Fact]
    public async Task SimulatedKubelet_OnTheSystemClock_MakesPodsReadyByItself()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, kubelet: true, settings: new Dictionary<string, string>
        {
            ["Engine:Clock"] = "System",
            ["Engine:SimulatedKubelet:ReadyAfterSeconds"] = "0.05",
        });
        await api.Client.PostAsync("/engine/v1/apply", $"[{Http.Node("n1")},{Http.Node("n2")}]");
        await api.Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml);
        await Wait.UntilAsync(async () => await ReadyAsync(api) == 2, TimeSpan.FromSeconds(20));
        var ds = await api.Client.GetJsonAsync("/apis/apps/v1/namespaces/kube-system/daemonsets/fluentd-elasticsearch");
        Assert.Equal(2, (int)ds["status"]!["numberAvailable"]!);
    }

    [Fact]
    public async Task RestartedEngine_FoldsTheLog_AndContinuesWhereItStopped()
    {
        await using var db = await TestDatabase.CreateAsync();
        string fingerprint;
        await using (var first = EngineApi.Start(db))
        {
            await first.Client.PostAsync("/engine/v1/apply", $"[{Http.Node("n1")},{Http.Node("n2")}]");
            await first.Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml);
            await first.Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 30}""");
            await first.Client.PatchAsync("/api/v1/nodes/n2", """{"spec":{"taints":[{"key":"maintenance","effect":"NoExecute"}]}}""");
            fingerprint = Fingerprint.Of(first.Services.GetRequiredService<EngineRuntime>().State);
        }

        await using var second = EngineApi.Start(db);
        var runtime = second.Services.GetRequiredService<EngineRuntime>();
        Assert.Equal(fingerprint, Fingerprint.Of(runtime.State));
        Assert.Empty(Fold.CheckIndexes(runtime.State));
        await second.Client.PatchAsync("/api/v1/nodes/n2", """{"spec":{"taints":null}}""");
        var events = await second.Client.EventsAsync();
        Assert.Equal("2026-01-01T00:00:30Z", (string?)events[^1]["recordedAt"]);
        Assert.Equal(2, (await second.Client.GetJsonAsync("/api/v1/pods?daemonset=kube-system/fluentd-elasticsearch"))["items"]!.AsArray().Count);
    }

    private static async Task<int> ReadyAsync(EngineApi api) =>
        (int)(await api.Client.GetJsonAsync("/apis/apps/v1/namespaces/kube-system/daemonsets/fluentd-elasticsearch"))["status"]!["numberReady"]!;
}
