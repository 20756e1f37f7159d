using System.Text.Json.Nodes;
using EventEngine.Api.Recording;
using EventEngine.Decisions;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>
/// The writer decides the next group beside the append in flight, on the state that append leaves: what it sees,
/// what happens when that append does not commit as decided, and that every command is answered. A command held in
/// its decision (<see cref="Held"/>) makes the commands queued after it a group of their own, decided beside its append.
/// </summary>
public sealed class WriterTests
{
    [Fact]
    public async Task AGroupDecidedBesideAnAppendThatMetAnotherProcess_IsDecidedAgainOnTheLogAsItIs()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var a = EngineApi.Start(db);
        await using var b = EngineApi.Start(db);
        var runtime = await WithNodeAsync(a);

        // the first group is decided on a log that then moves (b appends), so its append meets b's node
        var firstSaw = new List<bool>();
        var secondSaw = new List<(bool First, bool FromB)>();
        var second = await BehindAnAppendThatMeetsAnotherProcessAsync(runtime, b, () => Execute(runtime, (s, now) =>
        {
            lock (secondSaw) secondSaw.Add((s.Nodes["n1"].Labels.GetValueOrDefault("step") == "first", s.Nodes.ContainsKey("from-b")));
            return Label(s, now, "after", "second");
        }), s => firstSaw.Add(s.Nodes.ContainsKey("from-b")));

        Assert.True((await second).Ok);
        // the first was decided twice: on the old log, then under the lock after folding b's node
        Assert.Equal([false, true], firstSaw);
        // the second, first on the state the first group's append would have left, then again once it met b's node
        Assert.Equal([(true, false), (true, true)], secondSaw);
        var events = await a.Client.EventsAsync();
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => (long)e["seq"]!));
        Assert.Equal(["node_joined.v1", "node_joined.v1", "node_labels_changed.v1", "node_labels_changed.v1"], events.Select(e => (string)e["type"]!));
        Assert.Equal("from-b", (string)events[1]["data"]!["node"]!);
        var n1 = await a.Client.GetJsonAsync("/api/v1/nodes/n1");
        Assert.Equal("first", (string)n1["metadata"]!["labels"]!["step"]!);
        Assert.Equal("second", (string)n1["metadata"]!["labels"]!["after"]!);
        await AssertFoldedAsync(db, runtime);
    }

    [Fact]
    public async Task CommandsQueuedBehindAnAppend_AreDecidedOnItsStateAndAppendedAfterIt()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        var runtime = await WithNodeAsync(api);

        using var release = new ManualResetEventSlim();
        var held = Held(runtime, release, "v", "0");
        var seen = new List<string?>();
        var later = Enumerable.Range(1, 20).Select(i => Execute(runtime, (s, now) =>
        {
            lock (seen) seen.Add(s.Nodes["n1"].Labels.GetValueOrDefault("v"));
            return Label(s, now, "v", $"{i}");
        })).ToList();
        release.Set();
        Assert.True((await held).Ok);
        foreach (var command in later) Assert.True((await command).Ok);

        // each saw the one before it, though none of those had committed when it was decided
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (string?)$"{i}"), seen);
        var events = await api.Client.EventsAsync();
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => (long)e["seq"]!));
        Assert.Equal(22, events.Count);
        await AssertFoldedAsync(db, runtime);
    }

    [Fact]
    public async Task ARetryQueuedBehindItsFirstAttemptsAppend_GetsTheFirstAttemptsAnswer()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        var runtime = await WithNodeAsync(api);

        // the same request twice under one Idempotency-Key: the retry is decided while the first attempt's receipt is
        // not yet committed, and must not run the command again
        using var release = new ManualResetEventSlim();
        var context = CommandContext.System("test") with { Idempotency = new IdempotentRequest("key-1", "hash-1", o => $"answer at {o.Events[^1].Seq}") };
        var decided = 0;
        Decided Tries(ClusterState s, DateTimeOffset now)
        {
            Interlocked.Increment(ref decided);
            Assert.True(release.Wait(TimeSpan.FromSeconds(30)));
            return Label(s, now, "tries", "once");
        }
        var first = runtime.ExecuteAsync(context, Tries);
        var retry = runtime.ExecuteAsync(context, Tries);
        // decided in the retry's group, after it: once it runs, the retry has looked for its receipt
        var looked = new TaskCompletionSource();
        var marker = Execute(runtime, (s, now) =>
        {
            looked.TrySetResult();
            return Label(s, now, "marker", "x");
        });
        // the first attempt's append waits for the append lock, so its receipt is not committed while the retry looks
        await using (await api.Services.GetRequiredService<EventStore>().BeginAppendAsync())
        {
            release.Set();
            await looked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.True((await first).Ok);
        Assert.True((await marker).Ok);

        Assert.Equal(1, decided);
        Assert.Equal($"answer at {(await first).Events[^1].Seq}", (await retry).Replayed);
        Assert.Equal(3, (await api.Client.EventsAsync()).Count);
    }

    [Fact]
    public async Task ADecisionThatThrowsOnAStateThatDidNotCommit_IsDecidedAgain()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var a = EngineApi.Start(db);
        await using var b = EngineApi.Start(db);
        var runtime = await WithNodeAsync(a);

        // throws on the state the first group's append would have left, which never commits as such
        var second = await BehindAnAppendThatMeetsAnotherProcessAsync(runtime, b, () => Execute(runtime, (s, now) => s.Nodes.ContainsKey("from-b")
            ? Label(s, now, "after", "second")
            : throw new InvalidOperationException("decided on a state without from-b")));

        Assert.True((await second).Ok);
        Assert.Equal("second", (string)(await a.Client.GetJsonAsync("/api/v1/nodes/n1"))["metadata"]!["labels"]!["after"]!);
    }

    [Fact]
    public async Task ObservationsDecidedAgain_ReportTheRefusalsOfTheirLastDecisionOnly()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var a = EngineApi.Start(db);
        await using var b = EngineApi.Start(db);
        var runtime = await WithNodeAsync(a);

        // what a recorder saw, one object of it invalid: decided beside the first group's append, then again once that
        // append met b's node
        var firstSaw = new List<bool>();
        var seen = await BehindAnAppendThatMeetsAnotherProcessAsync(runtime, b, () => Observations.RecordAsync(runtime, CommandContext.System("test"),
            [JsonNode.Parse(Http.Node("seen"))!.AsObject(), JsonNode.Parse(Http.Node("Bad_Name"))!.AsObject()], [], CancellationToken.None),
            s => firstSaw.Add(s.Nodes.ContainsKey("from-b")));

        // the first group was decided again, so the group behind it was too
        Assert.Equal([false, true], firstSaw);
        var (outcome, refused) = await seen;
        Assert.True(outcome.Ok);
        var (what, failure) = Assert.Single(refused);
        Assert.Equal("Node Bad_Name", what);
        // the object's own field and words, not those of a list of one
        Assert.Equal("metadata.name", Assert.Single(failure.Errors).Field);
        Assert.StartsWith("Node Bad_Name is invalid: metadata.name: ", failure.Detail, StringComparison.Ordinal);
        Assert.Equal(["n1", "from-b", "seen"], (await a.Client.EventsAsync()).Where(e => (string)e["type"]! == "node_joined.v1").Select(e => (string)e["data"]!["node"]!));
    }

    [Fact]
    public async Task AListenerThatThrows_LeavesNoCommandUnanswered()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        var runtime = await WithNodeAsync(api);
        var told = 0;
        void Throws() => throw new InvalidOperationException("a listener that fails");
        void Counts() => Interlocked.Increment(ref told);
        runtime.Changed += Throws;
        runtime.Changed += Counts;
        try
        {
            using var release = new ManualResetEventSlim();
            var held = Held(runtime, release, "v", "0");
            // decided beside the held one's append, whose listeners throw after its commit
            var beside = Execute(runtime, (s, now) => Label(s, now, "v", "1"));
            release.Set();
            Assert.True((await held.WaitAsync(TimeSpan.FromSeconds(30))).Ok);
            Assert.True((await beside.WaitAsync(TimeSpan.FromSeconds(30))).Ok);
            // the listener after the one that throws is still told, once per group
            Assert.Equal(2, told);
        }
        finally
        {
            runtime.Changed -= Throws;
            runtime.Changed -= Counts;
        }
    }

    /// <summary>The server's runtime, once node n1 (which the commands label) exists.</summary>
    private static async Task<EngineRuntime> WithNodeAsync(EngineApi api)
    {
        await api.Client.CreateAsync("/api/v1/nodes", Http.Node("n1"));
        return api.Services.GetRequiredService<EngineRuntime>();
    }

    private static Task<CommandOutcome> Execute(EngineRuntime runtime, Func<ClusterState, DateTimeOffset, Decided> decide) =>
        runtime.ExecuteAsync(CommandContext.System("test"), decide);

    /// <summary>Sets one label on n1.</summary>
    private static Decided Label(ClusterState s, DateTimeOffset now, string key, string value) =>
        NodeDecisions.Patch(s, "n1", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [key] = value } } }, now);

    /// <summary>Sets one label on n1, its decision held until <paramref name="release"/> (each decision first shows its state to <paramref name="seeing"/>).</summary>
    private static Task<CommandOutcome> Held(EngineRuntime runtime, ManualResetEventSlim release, string key, string value, Action<ClusterState>? seeing = null) =>
        Execute(runtime, (s, now) =>
        {
            seeing?.Invoke(s);
            Assert.True(release.Wait(TimeSpan.FromSeconds(30)));
            return Label(s, now, key, value);
        });

    /// <summary>
    /// Holds a label on n1 (step=first) in its decision, queues what <paramref name="behind"/> starts behind it, and lets
    /// the held one go once another process (<paramref name="other"/>) has added node from-b: its append meets from-b, so
    /// it is decided again, and so is what was queued behind it. Returns once the held one has been answered (each of its
    /// decisions first shows its state to <paramref name="seeing"/>).
    /// </summary>
    private static async Task<T> BehindAnAppendThatMeetsAnotherProcessAsync<T>(EngineRuntime runtime, EngineApi other, Func<T> behind,
        Action<ClusterState>? seeing = null)
    {
        using var release = new ManualResetEventSlim();
        var first = Held(runtime, release, "step", "first", seeing);
        var queued = behind();
        await other.Client.CreateAsync("/api/v1/nodes", Http.Node("from-b"));
        release.Set();
        Assert.True((await first).Ok);
        return queued;
    }

    /// <summary>The live state is the one a fresh fold of the log gives.</summary>
    private static async Task AssertFoldedAsync(TestDatabase db, EngineRuntime runtime)
    {
        await using var fresh = EngineApi.Start(db);
        Assert.Equal(Fingerprint.Of(fresh.Services.GetRequiredService<EngineRuntime>().State), Fingerprint.Of(runtime.State));
    }
}
