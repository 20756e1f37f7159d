using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Model;
using EventEngine.Runtime;
using EventEngine.State;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>
/// The live engine keeps the positions of its objects' streams, not of every stream the log ever held: a deleted
/// object's stream is let go once its deletion commits, and read back from the log when its name comes back.
/// </summary>
public sealed class StreamPositionsTests
{
    private const string DaemonSets = "/apis/apps/v1/namespaces/default/daemonsets";

    [Fact]
    public async Task TheStreamsOfDeletedObjects_AreLetGo_AndContinuedWhenTheirNamesComeBack()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using (var api = EngineApi.Start(db))
        {
            var runtime = api.Services.GetRequiredService<EngineRuntime>();
            await api.Client.CreateAsync(DaemonSets, Http.Agent());
            for (var i = 0; i < 3; i++) await api.Client.CreateAsync("/api/v1/nodes", Http.Node($"n{i}"));
            // three nodes, the DaemonSet's two streams and its three pods
            Assert.Equal(8, runtime.KeptStreams);

            for (var round = 0; round < 2; round++)
            {
                Assert.Equal(HttpStatusCode.OK, (await api.Client.DeleteJsonAsync("/api/v1/nodes/n0")).Status);
                // the node's stream and its pod's are let go
                Assert.Equal(6, runtime.KeptStreams);
                await api.Client.CreateAsync("/api/v1/nodes", Http.Node("n0"));
                Assert.Equal(8, runtime.KeptStreams);
            }
            await DeleteAndCreateTheDaemonSetAsync(api.Client, runtime);
            Assert.Equal(8, runtime.KeptStreams);
        }
        await AssertStreamsContinueAsync(db, "node-n0", "daemonset-default.agent", "daemonset-status-default.agent");

        // a server started on this log reads back only its objects' streams, and continues the names that come back
        await using (var api = EngineApi.Start(db))
        {
            var runtime = api.Services.GetRequiredService<EngineRuntime>();
            Assert.Equal(8, runtime.KeptStreams);
            Assert.Equal(HttpStatusCode.OK, (await api.Client.DeleteJsonAsync("/api/v1/nodes/n1")).Status);
            await api.Client.CreateAsync("/api/v1/nodes", Http.Node("n1"));
            await DeleteAndCreateTheDaemonSetAsync(api.Client, runtime);
            Assert.Equal(8, runtime.KeptStreams);
            await AssertStreamsContinueAsync(db, "node-n1", "daemonset-default.agent", "daemonset-status-default.agent");
            Assert.Equal(3, (await api.Client.GetJsonAsync("/api/v1/pods"))["items"]!.AsArray().Count);
        }
    }

    [Fact]
    public async Task ANameThatComesBackInTheGroupDecidedBesideItsDeletion_ContinuesItsStream()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        var runtime = api.Services.GetRequiredService<EngineRuntime>();
        await api.Client.CreateAsync("/api/v1/nodes", Http.Node("n0"));
        await api.Client.CreateAsync("/api/v1/nodes", Http.Node("n1"));

        // the removal is held in its decision, so the join queued behind it is a group of its own, decided on the state
        // the removal's append leaves; and that append waits for the append lock, held here, until the join is decided
        using var release = new ManualResetEventSlim();
        var joinDecided = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var removal = Execute(runtime, (s, _) =>
        {
            Assert.True(release.Wait(TimeSpan.FromSeconds(30)));
            return NodeDecisions.Remove(s, "n0");
        });
        var join = Execute(runtime, (s, now) =>
        {
            joinDecided.TrySetResult();
            return NodeDecisions.Join(s, NodeNamed("n0"), now, Guid.NewGuid);
        });
        await using (var holder = new NpgsqlConnection(db.ConnectionString))
        {
            await holder.OpenAsync();
            await using var transaction = await holder.BeginTransactionAsync();
            await using (var take = new NpgsqlCommand($"select pg_advisory_xact_lock({EventEngine.Storage.EventStore.AppendLockKey})", holder, transaction))
                await take.ExecuteNonQueryAsync();
            release.Set();
            await joinDecided.Task.WaitAsync(TimeSpan.FromSeconds(30));
            // decided while the removal was not committed: the log still ends with n0's join
            Assert.Equal(["node_joined.v1"], await TypesAsync(db, "node-n0"));
            await transaction.RollbackAsync();
        }
        Assert.True((await removal).Ok);
        Assert.True((await join).Ok);

        Assert.Equal(2, runtime.KeptStreams);
        await AssertStreamsContinueAsync(db, "node-n0");
        Assert.Equal(["node_joined.v1", "node_removed.v1", "node_joined.v1"], await TypesAsync(db, "node-n0"));
    }

    [Fact]
    public async Task ANameThatComesBack_WhileAnotherProcessAppends_IsLookedUpUnderTheLock()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var a = EngineApi.Start(db);
        await using var b = EngineApi.Start(db);
        var runtime = a.Services.GetRequiredService<EngineRuntime>();
        await a.Client.CreateAsync("/api/v1/nodes", Http.Node("n0"));
        Assert.Equal(HttpStatusCode.OK, (await a.Client.DeleteJsonAsync("/api/v1/nodes/n0")).Status);
        Assert.Equal(0, runtime.KeptStreams);

        // the join is decided on a log that then moves (b adds a node), so it is decided again under the append lock,
        // where n0's stream is read from the log again
        using var release = new ManualResetEventSlim();
        var decided = 0;
        var join = Execute(runtime, (s, now) =>
        {
            if (Interlocked.Increment(ref decided) == 1) Assert.True(release.Wait(TimeSpan.FromSeconds(30)));
            return NodeDecisions.Join(s, NodeNamed("n0"), now, Guid.NewGuid);
        });
        await b.Client.CreateAsync("/api/v1/nodes", Http.Node("from-b"));
        release.Set();
        Assert.True((await join).Ok);

        // decided on the old log, then again under the lock, each time knowing n0's stream only once it was looked up
        Assert.True(decided >= 3, $"decided {decided} times");
        await AssertStreamsContinueAsync(db, "node-n0");
        Assert.Equal(["node_joined.v1", "node_removed.v1", "node_joined.v1"], await TypesAsync(db, "node-n0"));
        Assert.Equal(2, runtime.KeptStreams);
    }

    private static Task<CommandOutcome> Execute(EngineRuntime runtime, Func<ClusterState, DateTimeOffset, Decided> decide) =>
        runtime.ExecuteAsync(CommandContext.System("test"), decide);

    private static Node NodeNamed(string name) => new() { Metadata = new ObjectMeta { Name = name } };

    /// <summary>Deletes default/agent (its pods with it) and creates it again.</summary>
    private static async Task DeleteAndCreateTheDaemonSetAsync(HttpClient client, EngineRuntime runtime)
    {
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteJsonAsync(DaemonSets + "/agent")).Status);
        Assert.Empty(runtime.State.DaemonSets);
        Assert.Empty(runtime.State.Pods);
        Assert.Equal(3, runtime.KeptStreams);
        await client.CreateAsync(DaemonSets, Http.Agent());
    }

    /// <summary>Each stream's versions are 1, 2, 3... in seq order, and the streams table holds its last.</summary>
    private static async Task AssertStreamsContinueAsync(TestDatabase db, params string[] mustHaveComeBack)
    {
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        var versions = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("select stream, version from events order by seq", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
            {
                var stream = reader.GetString(0);
                if (!versions.TryGetValue(stream, out var list)) versions[stream] = list = [];
                list.Add(reader.GetInt64(1));
            }
        foreach (var (stream, list) in versions) Assert.Equal(Enumerable.Range(1, list.Count).Select(i => (long)i), list);
        foreach (var stream in mustHaveComeBack) Assert.True(versions[stream].Count >= 3, $"{stream} has {versions[stream].Count} events");

        var kept = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("select stream, version from streams", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) kept[reader.GetString(0)] = reader.GetInt64(1);
        Assert.Equal(versions.ToDictionary(v => v.Key, v => (long)v.Value.Count, StringComparer.Ordinal), kept);
    }

    private static async Task<List<string>> TypesAsync(TestDatabase db, string stream)
    {
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select type from events where stream = $1 order by version", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = stream });
        var types = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) types.Add(reader.GetString(0));
        return types;
    }
}
