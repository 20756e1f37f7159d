using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Api.Hosting;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EventEngine.Integration.Tests.Reliability;

/// <summary>
/// What the log promises when things go wrong, with real server processes on loopback: a SIGKILL under load loses
/// no acknowledged write, a database restart under load gives 503s and then recovers by itself, and when the leading
/// process dies a standby takes over its work within seconds, with no duplicate pods and no 409 for unrelated writes.
/// Each test is bounded in count and time.
/// </summary>
[Collection(nameof(ReliabilityTests))]
public sealed class ReliabilityTests(ITestOutputHelper output)
{
    private const string Agent = "default/agent";

    private static Dictionary<string, string> Settings(string connectionString) => new()
    {
        ["ConnectionStrings:Events"] = connectionString,
        ["Engine:SimulatedKubelet:ReadyAfterSeconds"] = "0.2",
    };

    private static async Task SeedAsync(HttpClient client, int nodes)
    {
        var (status, body, _) = await client.PostAsync("/engine/v1/apply", "[" + string.Join(",", Enumerable.Range(1, nodes).Select(i => Http.Node($"node-{i}"))) + "]");
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent())).Status);
    }

    [Fact]
    public async Task SigkillUnderLoad_LosesNoAcknowledgedWrite_ReadModelsEqualARebuild_AndPodsConverge()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var first = await ServerProcess.StartAsync(Settings(database.ConnectionString));
        using (var client = first.Client()) await SeedAsync(client, 5);

        var load = new LoadDriver();
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync([() => first.Client()], clients: 4, stop.Token);
        await Wait.UntilAsync(() => Task.FromResult(load.Successes >= 40), TimeSpan.FromSeconds(60));
        first.Kill();
        await stop.CancelAsync();
        await running;
        output.WriteLine($"before the kill: {load.Acknowledged.Count} writes acknowledged, {load.Unanswered} cut off; statuses {string.Join(", ", load.Statuses)}");
        Assert.DoesNotContain(load.Statuses.Keys, s => s >= 500);

        await using var second = await ServerProcess.StartAsync(Settings(database.ConnectionString));
        using var after = second.Client();
        await load.AssertAllAcknowledgedAreInTheLogAsync(after);
        await LoadDriver.AssertPodsConvergeAsync(after, Agent, TimeSpan.FromSeconds(60));
        await LoadDriver.AssertReadModelsEqualARebuildAsync(after);
    }

    [Fact]
    public async Task DatabaseRestartUnderLoad_Gives503sWithRetryAfter_ThenRecoversByItself_LosingNothingAcknowledged()
    {
        var postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = TestScratch.NewPath("restarted") }, NullLogger.Instance);
        try
        {
            await using var server = await ServerProcess.StartAsync(Settings(postgres.ConnectionString));
            using (var client = server.Client()) await SeedAsync(client, 3);

            var load = new LoadDriver();
            using var stop = new CancellationTokenSource();
            var running = load.RunAsync([() => server.Client()], clients: 3, stop.Token);
            await Wait.UntilAsync(() => Task.FromResult(load.Successes >= 20), TimeSpan.FromSeconds(60));

            var tool = new PostgresTool(NullLogger.Instance);
            await tool.RunCheckedAsync(postgres.Binaries.PgCtl, ["stop", "-D", postgres.DataDirectory, "-m", "immediate", "-w"], CancellationToken.None);
            await Wait.UntilAsync(() => Task.FromResult(load.Statuses.ContainsKey(503)), TimeSpan.FromSeconds(30));
            using (var probe = server.Client())
            {
                var (status, _, response) = await probe.PostAsync("/api/v1/nodes", Http.Node("during-outage"));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                Assert.Equal("5", response.Headers.RetryAfter?.ToString());
                Assert.Equal(HttpStatusCode.ServiceUnavailable, (await probe.GetAsync("/readyz")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/healthz")).StatusCode);
            }

            var settings = $"-p {postgres.Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''";
            await tool.RunCheckedAsync(postgres.Binaries.PgCtl,
                ["start", "-D", postgres.DataDirectory, "-l", Path.Combine(postgres.DataDirectory, "postgres.log"), "-w", "-t", "60", "-o", settings], CancellationToken.None);
            var beforeRecovery = load.Successes;
            await Wait.UntilAsync(() => Task.FromResult(load.Successes >= beforeRecovery + 20), TimeSpan.FromSeconds(60));
            await stop.CancelAsync();
            await running;
            output.WriteLine($"statuses: {string.Join(", ", load.Statuses)}; {load.Acknowledged.Count} acknowledged");

            Assert.DoesNotContain(load.Statuses.Keys, s => s >= 500 && s != 503);
            using var after = server.Client();
            Assert.Equal(HttpStatusCode.OK, (await after.GetAsync("/readyz")).StatusCode);
            await load.AssertAllAcknowledgedAreInTheLogAsync(after);
            await LoadDriver.AssertPodsConvergeAsync(after, Agent, TimeSpan.FromSeconds(60));
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }

    [Fact]
    public async Task TwoProcesses_UnrelatedWritesNeverConflict_AndWhenTheLeaderDiesTheStandbyTakesOverWithinSeconds()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var leader = await ServerProcess.StartAsync(Settings(database.ConnectionString));
        await using var standby = await ServerProcess.StartAsync(Settings(database.ConnectionString));
        using var viaLeader = leader.Client();
        using var viaStandby = standby.Client();
        Assert.True((bool)(await viaLeader.GetJsonAsync("/readyz"))["leader"]!);
        Assert.False((bool)(await viaStandby.GetJsonAsync("/readyz"))["leader"]!);
        await SeedAsync(viaLeader, 4);
        await LoadDriver.AssertPodsConvergeAsync(viaStandby, Agent, TimeSpan.FromSeconds(60));

        // unrelated writes without preconditions, through both processes at once: none may be refused
        var writes = await Task.WhenAll(
            Task.Run(() => PatchManyAsync(viaLeader, "node-1", 40)),
            Task.Run(() => PatchManyAsync(viaStandby, "node-2", 40)));
        Assert.All(writes.SelectMany(w => w), s => Assert.Equal(HttpStatusCode.OK, s));

        leader.Kill();
        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Created, (await viaStandby.PostAsync("/api/v1/nodes", Http.Node("after-the-leader"))).Status);
        await Wait.UntilAsync(async () => (bool)(await viaStandby.GetJsonAsync("/readyz"))["leader"]!, TimeSpan.FromSeconds(30));
        var takeover = clock.Elapsed;
        await Wait.UntilAsync(async () => (await viaStandby.GetJsonAsync("/api/v1/pods?node=after-the-leader"))["items"]!.AsArray()
            .Any(p => (string?)p!["status"]!["phase"] == "Running"), TimeSpan.FromSeconds(30));
        var reconciled = clock.Elapsed;
        output.WriteLine($"the standby led after {takeover.TotalMilliseconds:0} ms; the new node's pod ran after {reconciled.TotalMilliseconds:0} ms");
        Assert.True(takeover < TimeSpan.FromSeconds(5), $"takeover took {takeover}");
        Assert.True(reconciled < TimeSpan.FromSeconds(6), $"the pod became ready after {reconciled}");
        await LoadDriver.AssertPodsConvergeAsync(viaStandby, Agent, TimeSpan.FromSeconds(30));
    }

    private static async Task<List<HttpStatusCode>> PatchManyAsync(HttpClient client, string node, int count)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
            statuses.Add((await client.PatchAsync($"/api/v1/nodes/{node}", $"{{\"metadata\":{{\"labels\":{{\"writer\":\"{i}\"}}}}}}")).Status);
        return statuses;
    }
}

/// <summary>The reliability tests run one at a time: they time a takeover, and share the machine's two cores with the rest.</summary>
[CollectionDefinition(nameof(ReliabilityTests), DisableParallelization = true)]
public sealed class ReliabilityCollection;
