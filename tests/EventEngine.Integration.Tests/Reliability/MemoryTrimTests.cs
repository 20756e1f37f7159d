using EventEngine.Api.Hosting;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EventEngine.Integration.Tests.Reliability;

/// <summary>
/// Memory handed back after the work that holds a whole cluster in memory (<see cref="MemoryTrim"/>): when the last
/// large read ends, and when a process that grew is quiet.
/// </summary>
public sealed class MemoryTrimTests
{
    [Fact]
    public async Task StartUpAndAWhatIf_EachHandMemoryBackWhenTheyEnd()
    {
        await using var db = await TestDatabase.CreateAsync();
        // no trim for growth: only the ends of large reads count here
        await using var api = EngineApi.Start(db, settings: new Dictionary<string, string>
        {
            ["Engine:Memory:Trim"] = "true",
            ["Engine:Memory:TrimAfterGrowthMiB"] = "1000000",
        });
        var trim = api.Services.GetRequiredService<MemoryTrim>();
        await Wait.UntilAsync(() => Task.FromResult(trim.Trims == 1), TimeSpan.FromSeconds(20));

        await api.Client.PostAsync("/api/v1/nodes", Http.Node("node-1"));
        var (status, _, _) = await api.Client.PostAsync("/engine/v1/replay", """{"from":0,"to":1}""");
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        await Wait.UntilAsync(() => Task.FromResult(trim.Trims == 2), TimeSpan.FromSeconds(20));
        var metrics = await api.Client.GetStringAsync("/metrics");
        Assert.Contains("eventengine_memory_trim_duration_seconds_count 2", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProcessThatGrew_HandsMemoryBackOnceQuiet()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = db.ConnectionString,
            ["Engine:SimulatedKubelet:Enabled"] = "false",
            ["Engine:Memory:TrimAfterGrowthMiB"] = "1",
            ["Engine:Memory:QuietTrimEverySeconds"] = "1",
        });
        using var client = server.Client();
        await Wait.UntilAsync(() => Task.FromResult(server.Output.Contains("Memory handed back (a large read ended)", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20));

        // a thousand nodes and a DaemonSet on each: megabytes of state, events and garbage
        var nodes = string.Join(",", Enumerable.Range(0, 1_000).Select(i => Http.Node($"node-{i:0000}")));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.PostAsync("/engine/v1/apply", $"[{nodes}]")).Status);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml)).Status);
        await Wait.UntilAsync(() => Task.FromResult(server.Output.Contains("the process grew and is quiet", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30));
    }
}
