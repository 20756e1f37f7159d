using System.Collections.Immutable;
using System.Globalization;
using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Reconciliation;
using EventEngine.State;
using EventEngine.Storage;
using Microsoft.Extensions.Logging;

namespace EventEngine.Runtime;

/// <summary>
/// The live engine: the cluster state folded from the whole log, kept current by every command. A command is
/// decided on the current state, folded, reconciled until settled, and appended with its controller events and the
/// inline read models in one transaction; only then does the state move on. Commands are serialized in-process;
/// between processes the expected stream versions turn a race into a 409.
/// </summary>
public sealed class EngineRuntime(
    EventStore store,
    TimeProvider clock,
    IEnumerable<InlineProjection> projections,
    ILogger<EngineRuntime> logger) : ILiveHead
{
    private const int PageSize = 5_000;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly InlineProjection[] _projections = projections.ToArray();
    private HeadState _current = new(0, ClusterState.Empty, Streams.Empty);

    /// <summary>The head, the state at it and every stream's position there: one immutable value, read and replaced whole.</summary>
    private sealed record HeadState(long Head, ClusterState State, Streams Streams);

    /// <summary>The state after the last command (a consistent snapshot: states are immutable).</summary>
    public ClusterState State => Volatile.Read(ref _current).State;

    /// <summary>The seq of the last event folded into <see cref="State"/>.</summary>
    public long Head => Volatile.Read(ref _current).Head;

    /// <summary>The head and its state, read together (two separate reads could straddle a commit).</summary>
    public (long Head, ClusterState State) Current => Volatile.Read(ref _current) is var c ? (c.Head, c.State) : default;

    /// <summary>The time of the last event folded (a manual clock must not run behind it).</summary>
    public DateTimeOffset? LastRecordedAt { get; private set; }

    /// <summary>When time alone next changes what the controller would do (backoffs, minReadySeconds, tolerations).</summary>
    public DateTimeOffset? WakeAt { get; private set; }

    /// <summary>Raised after every successful command, outside the lock (the scheduler listens).</summary>
    public event Action? Changed;

    /// <summary>Raised inside the lock after each append, in log order: the head seq and the state at it.</summary>
    public event Action<long, ClusterState>? Committed;

    /// <summary>Time as the engine records it: PostgreSQL keeps microseconds, so decisions use no finer time.</summary>
    public DateTimeOffset Now()
    {
        return EventStore.StoredPrecision(clock.GetUtcNow());
    }

    public long VersionOf(string stream) => Volatile.Read(ref _current).Streams.Version(stream);

    /// <summary>
    /// Folds the whole log; a process that leads (see <see cref="LeaderLease"/>) then reconciles everything once (work
    /// due while no engine ran).
    /// </summary>
    public async Task StartAsync(bool reconcile, CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        // a manual clock never runs behind the log it continues
        if (clock is ManualClock manual && LastRecordedAt is { } last) manual.NotBefore(last);
        logger.LogInformation("Folded the log up to seq {Head}: {Nodes} nodes, {DaemonSets} DaemonSets, {Pods} pods",
            Head, State.Nodes.Count, State.DaemonSets.Count, State.Pods.Count);
        if (reconcile) await TickAsync(CommandContext.System(CommandContext.ClockActor), cancellationToken);
    }

    /// <summary>Folds what other processes appended since the last event seen (the log is gap-safe to tail).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await CatchUpAsync((after, limit, ct) => store.ReadAllAsync(after, limit, ct), cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Decides a command on the current state, checks the client's preconditions, settles, and appends. It runs under
    /// the log's append lock, after folding everything other processes appended: no writer can come between the
    /// decision and its append, so a command fails only for a reason of its own. A refused command appends nothing.
    /// </summary>
    public Task<CommandOutcome> ExecuteAsync(
        CommandContext context,
        Func<ClusterState, DateTimeOffset, Decided> decide,
        IReadOnlyList<VersionPrecondition>? preconditions = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(context, (state, now) =>
        {
            foreach (var p in preconditions ?? [])
            {
                var actual = VersionOf(p.Stream);
                if (actual != p.Version)
                    return (null, Failure.Conflict(Stale(p, actual), p.Field), null);
            }
            var decided = decide(state, now);
            return decided.Failure is { } failure
                ? (null, failure, null)
                : (Steps.Run(state, decided.Events, now, Guid.NewGuid), null, decided.Note);
        }, full: false, cancellationToken);

    private static string Stale(VersionPrecondition p, long actual)
    {
        var latest = actual.ToString(CultureInfo.InvariantCulture);
        return p.Version < 0
            ? $"{p.What}: {p.Field} is not a resourceVersion this server gave (the latest is {latest}); read it again and retry"
            : $"{p.What} was modified: {p.Field} {p.Version.ToString(CultureInfo.InvariantCulture)} is not the latest ({latest}); read it again and retry";
    }

    /// <summary>Time passed: reconcile everything (backoffs expire, pods become available, tolerations run out).</summary>
    public Task<CommandOutcome> TickAsync(CommandContext context, CancellationToken cancellationToken = default) =>
        RunAsync(context, (state, now) => (Steps.Tick(state, now, Guid.NewGuid), null, null), full: true, cancellationToken);

    private async Task<CommandOutcome> RunAsync(
        CommandContext context,
        Func<ClusterState, DateTimeOffset, (StepResult? Step, Failure? Failure, string? Note)> decide,
        bool full,
        CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        CommandOutcome outcome;
        try
        {
            await using var session = await store.BeginAppendAsync(cancellationToken);
            await CatchUpAsync(session.ReadAfterAsync, cancellationToken);
            if (context.Idempotency is { } idempotent && await session.FindReceiptAsync(idempotent.Key, cancellationToken) is { } receipt)
                return receipt.RequestHash == idempotent.RequestHash
                    ? Unchanged() with { Replayed = receipt.Response }
                    : Unchanged(Failure.Invalid("request", "Idempotency-Key",
                        $"Invalid value: \"{idempotent.Key}\": the key was used for a different request (at seq {receipt.FirstSeq}); use a new key"));
            var now = Now();
            var (step, failure, note) = decide(State, now);
            if (failure is not null) return new CommandOutcome(failure, State, [], null, Positions());
            outcome = await AppendAsync(session, context, step!, now, note, full, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
        if (outcome.Ok && outcome.Events.Count > 0) Changed?.Invoke();
        return outcome;
    }

    private async Task<CommandOutcome> AppendAsync(
        AppendSession session, CommandContext context, StepResult step, DateTimeOffset now, string? note, bool full, CancellationToken cancellationToken)
    {
        // a full reconcile knows every wake-up; a scoped one only those it looked at, so keep the earlier one too
        WakeAt = full ? step.Settled.WakeAt : Plan.Earliest(WakeAt > now ? WakeAt : null, step.Settled.WakeAt);
        var emitted = step.All.ToList();
        if (emitted.Count == 0) return new CommandOutcome(null, State, [], note, Positions());

        var ordered = emitted.Select(e => new OrderedEvent(Subjects.StreamOf(e.Event.Event), new NewEvent(
            e.Event.Id,
            EventTypes.NameOf(e.Event.Event),
            EventTypes.Serialize(e.Event.Event),
            new EventMetadata(context.CorrelationId, e.Event.CausationId?.ToString(), context.Actor,
                e.ReasonCode is null ? null : new EventReason(e.ReasonCode, e.ReasonMessage ?? e.ReasonCode), context.ImpersonatedBy)))).ToList();
        var expected = ordered.Select(o => o.Stream).Distinct(StringComparer.Ordinal)
            .ToDictionary(s => s, VersionOf, StringComparer.Ordinal);

        var before = State;
        var typed = emitted.ToDictionary(e => e.Event.Id, e => e.Event.Event);
        var result = await session.AppendOrderedAsync(ordered, expected, now, async (connection, transaction, stored, ct) =>
        {
            var batch = new ProjectionBatch(before, step.State, stored.Select(s => (s, typed[s.Id])).ToList(), new AfterAppend(this, stored));
            foreach (var projection in _projections) await projection(connection, transaction, batch, ct);
        }, cancellationToken);

        switch (result)
        {
            case AppendSuccess success:
                var streams = Volatile.Read(ref _current).Streams.With(success.Events);
                var outcome = new CommandOutcome(null, step.State, success.Events, note, streams);
                if (context.Idempotency is { } idempotent)
                    await session.RecordReceiptAsync(new CommandReceipt(idempotent.Key, idempotent.RequestHash,
                        success.Events[0].Seq, success.Events[^1].Seq, idempotent.Answer(outcome)), cancellationToken);
                await session.CommitAsync(cancellationToken);
                Volatile.Write(ref _current, new HeadState(success.Events[^1].Seq, step.State, streams));
                LastRecordedAt = success.Events[^1].RecordedAt;
                Committed?.Invoke(success.Events[^1].Seq, step.State);
                return outcome;
            case AppendConflict conflict:
                // under the append lock, after folding the whole log, versions cannot move: only a writer that bypasses the engine can cause this
                logger.LogWarning("Append conflict on {Stream}: expected {Expected}, found {Actual}", conflict.Stream, conflict.Expected, conflict.Actual);
                return new CommandOutcome(Failure.Conflict(
                    $"{conflict.Stream} was changed by another writer (expected {conflict.Expected}, found {conflict.Actual}); retry"), State, [], null, Positions());
            default:
                throw new InvalidOperationException($"unexpected append result {result}");
        }
    }

    /// <summary>The answer to a command that appended nothing (refused, when a failure is given): the present as it is.</summary>
    public CommandOutcome Unchanged(Failure? failure = null) => new(failure, State, [], null, Positions());

    /// <summary>Every stream's position as the runtime knows it now (immutable: later commands do not change it).</summary>
    private Streams Positions() => Volatile.Read(ref _current).Streams;

    /// <summary>Stream positions once the given events commit: theirs, else the ones known before (nothing copied).</summary>
    private sealed class AfterAppend(EngineRuntime runtime, IReadOnlyList<StoredEvent> stored) : IStreamPositions
    {
        private readonly Dictionary<string, StoredEvent> _last = stored.GroupBy(e => e.Stream, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

        public long Version(string stream) => _last.TryGetValue(stream, out var e) ? e.Version : runtime.Positions().Version(stream);
        public long Seq(string stream) => _last.TryGetValue(stream, out var e) ? e.Seq : runtime.Positions().Seq(stream);
    }

    /// <summary>Folds the events after the last one seen, a page at a time, read with <paramref name="read"/>.</summary>
    private async Task CatchUpAsync(Func<long, int, CancellationToken, Task<IReadOnlyList<StoredEvent>>> read, CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await read(Head, PageSize, cancellationToken);
            if (page.Count == 0) return;
            var current = Volatile.Read(ref _current);
            var state = Fold.EvolveAll(current.State, page.Select(EventTypes.Decode));
            Volatile.Write(ref _current, new HeadState(page[^1].Seq, state, current.Streams.With(page)));
            LastRecordedAt = page[^1].RecordedAt;
        }
    }
}

/// <summary>Every stream's version and last seq, as an immutable map: a command's answer keeps the positions it saw.</summary>
public sealed class Streams : IStreamPositions
{
    public static readonly Streams Empty = new(ImmutableDictionary.Create<string, (long, long)>(StringComparer.Ordinal));

    private readonly ImmutableDictionary<string, (long Version, long Seq)> _positions;

    private Streams(ImmutableDictionary<string, (long Version, long Seq)> positions) => _positions = positions;

    public long Version(string stream) => _positions.TryGetValue(stream, out var p) ? p.Version : 0;
    public long Seq(string stream) => _positions.TryGetValue(stream, out var p) ? p.Seq : 0;

    /// <summary>The positions after these events (in seq order).</summary>
    public Streams With(IEnumerable<StoredEvent> events)
    {
        var builder = _positions.ToBuilder();
        foreach (var e in events) builder[e.Stream] = (e.Version, e.Seq);
        return new Streams(builder.ToImmutable());
    }
}
