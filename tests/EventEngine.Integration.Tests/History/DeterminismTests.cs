using EventEngine.Events;
using EventEngine.Decisions;
using EventEngine.Demo;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Model;
using EventEngine.Projections.History;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace EventEngine.Integration.Tests.History;

/// <summary>
/// Over a history of more than 10,000 events, the state at every 100th seq is the same three ways: by time travel
/// (snapshots and a tail), by a fresh fold of the whole log, and as the live engine recorded it after each command;
/// and again after the read models and snapshots are rebuilt.
/// </summary>
public sealed class DeterminismTests
{
    [Fact]
    public async Task TimeTravel_FreshFold_AndLiveRecords_Agree_OnALongHistory()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, kubelet: true, settings: new Dictionary<string, string>
        {
            ["Engine:RecordFingerprints"] = "true",
            ["Engine:SnapshotEvery"] = "700",
        });
        await api.Client.PostAsync("/engine/v1/demo/incident", "{}");
        var runtime = api.Services.GetRequiredService<EngineRuntime>();
        await GrowAsync(api, runtime, target: 10_000);
        var head = runtime.Head;
        Assert.True(head >= 10_000, $"only {head} events");
        var recorder = api.Services.GetRequiredService<HistoryRecorder>();
        await Wait.UntilPositionAsync(() => recorder.RecordedUpTo, head, TimeSpan.FromSeconds(60));

        var live = await LiveFingerprintsAsync(db);
        var points = Enumerable.Range(1, (int)(head / 100)).Select(i => i * 100L).Append(head).ToList();
        var fresh = await FreshFoldAsync(api.Services.GetRequiredService<EventStore>(), points.Concat(live.Keys).ToHashSet(), head);

        // as recorded live: every command boundary the engine passed
        Assert.True(live.Count > 1_000, $"only {live.Count} live records");
        foreach (var (seq, fingerprint) in live) Assert.True(fresh[seq] == fingerprint, $"live state at seq {seq} differs from a fresh fold");

        var travel = api.Services.GetRequiredService<TimeTravel>();
        await AssertTimeTravelAsync(travel, points, fresh);
        Assert.True(await db.ScalarAsync<long>("select count(*) from snapshots") >= 10);

        await api.Client.PostAsync("/engine/v1/projections/rebuild", "{}");
        await AssertTimeTravelAsync(api.Services.GetRequiredService<TimeTravel>(), points, fresh);

        foreach (var seq in points.Where((_, i) => i % 20 == 0))
            Assert.Equal(fresh[seq], (string?)(await api.Client.GetJsonAsync($"/engine/v1/state?at={seq}"))["fingerprint"]);
    }

    private static async Task AssertTimeTravelAsync(TimeTravel travel, IEnumerable<long> points, Dictionary<long, string> fresh)
    {
        foreach (var seq in points)
            Assert.True(Fingerprint.Of(await travel.StateAtAsync(seq, CancellationToken.None)) == fresh[seq], $"time travel to seq {seq} differs from a fresh fold");
    }

    /// <summary>Taints come and go on random nodes, fluentd images change, time passes: thousands of small commands.</summary>
    private static async Task GrowAsync(EngineApi api, EngineRuntime runtime, long target)
    {
        var random = new Random(7);
        var round = 0;
        while (runtime.Head < target)
        {
            var node = IncidentDemo.Name(random.Next(1, IncidentDemo.NodeCount + 1));
            var taints = random.Next(3) switch
            {
                0 => "{spec: {taints: [{key: flaky, effect: NoExecute}]}}",
                1 => "{spec: {taints: [{key: busy, effect: NoSchedule}]}}",
                _ => "{spec: {taints: null}}",
            };
            await Ok(runtime.ExecuteAsync(CommandContext.System("chaos"), (s, now) => NodeDecisions.Patch(s, node, Yaml.ToJson(taints).Single()!, now)));
            if (++round % 25 == 0)
            {
                var image = $"{{spec: {{template: {{spec: {{containers: [{{name: fluentd-elasticsearch, image: 'quay.io/fluentd_elasticsearch/fluentd:v2.{round % 4}.0'}}]}}}}}}}}";
                await Ok(runtime.ExecuteAsync(CommandContext.System("alice"), (s, _) => DaemonSetDecisions.Patch(s, IncidentDemo.Fluentd, Yaml.ToJson(image).Single()!)));
            }
            await api.Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 3}""");
        }
    }

    private static async Task Ok(Task<CommandOutcome> command)
    {
        var outcome = await command;
        Assert.True(outcome.Ok, outcome.Failure?.Detail);
    }

    private static async Task<Dictionary<long, string>> LiveFingerprintsAsync(TestDatabase db)
    {
        var live = new Dictionary<long, string>();
        await using var command = db.DataSource.CreateCommand("select seq, fingerprint from state_fingerprints order by seq");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) live[reader.GetInt64(0)] = reader.GetString(1);
        return live;
    }

    /// <summary>One pass over the whole log with the plain fold, fingerprinting the state at the asked seqs.</summary>
    private static async Task<Dictionary<long, string>> FreshFoldAsync(EventStore store, HashSet<long> at, long head)
    {
        var fingerprints = new Dictionary<long, string>();
        var state = ClusterState.Empty;
        for (var after = 0L; after < head;)
        {
            foreach (var e in await store.ReadAllAsync(after, 5_000))
            {
                state = Fold.Evolve(state, EventTypes.Decode(e));
                after = e.Seq;
                if (at.Contains(e.Seq)) fingerprints[e.Seq] = Fingerprint.Of(state);
            }
        }
        // seqs with no event (holes) show the state after the last event before them
        var last = ClusterState.Empty;
        foreach (var seq in at.Order())
            if (!fingerprints.ContainsKey(seq)) fingerprints[seq] = fingerprints.Where(f => f.Key < seq).OrderByDescending(f => f.Key).Select(f => f.Value).FirstOrDefault() ?? Fingerprint.Of(last);
        return fingerprints;
    }
}
