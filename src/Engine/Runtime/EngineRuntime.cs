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
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastSeqs = new(StringComparer.Ordinal);
    private HeadState _current = new(0, ClusterState.Empty);

    private sealed record HeadState(long Head, ClusterState State);

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

    public long VersionOf(string stream)
    {
        lock (_versions) return _versions.GetValueOrDefault(stream);
    }

    /// <summary>Folds the whole log, then reconciles everything once (work due while the engine was down).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await CatchUpAsync(cancellationToken);
            // a manual clock never runs behind the log it continues
            if (clock is ManualClock manual && LastRecordedAt is { } last) manual.NotBefore(last);
            logger.LogInformation("Folded the log up to seq {Head}: {Nodes} nodes, {DaemonSets} DaemonSets, {Pods} pods",
                Head, State.Nodes.Count, State.DaemonSets.Count, State.Pods.Count);
        }
        finally
        {
            _gate.Release();
        }
        await TickAsync(CommandContext.System(CommandContext.ClockActor), cancellationToken);
    }

    /// <summary>
    /// Decides a command on the current state (after catching up with other writers), checks the client's
    /// preconditions, settles, and appends. A refused command appends nothing.
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

    /// <summary>How often a command is decided again when another process appended between its read and its write.</summary>
    private const int Attempts = 3;

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
            for (var attempt = 1; ; attempt++)
            {
                await CatchUpAsync(cancellationToken);
                var now = Now();
                var (step, failure, note) = decide(State, now);
                if (failure is not null) return new CommandOutcome(failure, State, [], null);
                bool headMoved;
                (outcome, headMoved) = await AppendAsync(context, step!, now, note, full, cancellationToken);
                // the log moved under us: fold what the other writer appended and decide again
                if (!headMoved || attempt == Attempts) break;
            }
        }
        finally
        {
            _gate.Release();
        }
        if (outcome.Ok && outcome.Events.Count > 0) Changed?.Invoke();
        return outcome;
    }

    private async Task<(CommandOutcome Outcome, bool HeadMoved)> AppendAsync(
        CommandContext context, StepResult step, DateTimeOffset now, string? note, bool full, CancellationToken cancellationToken)
    {
        // a full reconcile knows every wake-up; a scoped one only those it looked at, so keep the earlier one too
        WakeAt = full ? step.Settled.WakeAt : Plan.Earliest(WakeAt > now ? WakeAt : null, step.Settled.WakeAt);
        var emitted = step.All.ToList();
        if (emitted.Count == 0) return (new CommandOutcome(null, State, [], note), false);

        var ordered = emitted.Select(e => new OrderedEvent(Subjects.StreamOf(e.Event.Event), new NewEvent(
            e.Event.Id,
            EventTypes.NameOf(e.Event.Event),
            EventTypes.Serialize(e.Event.Event),
            new EventMetadata(context.CorrelationId, e.Event.CausationId?.ToString(), context.Actor,
                e.ReasonCode is null ? null : new EventReason(e.ReasonCode, e.ReasonMessage ?? e.ReasonCode), context.ImpersonatedBy)))).ToList();
        var expected = ordered.Select(o => o.Stream).Distinct(StringComparer.Ordinal)
            .ToDictionary(s => s, VersionOf, StringComparer.Ordinal);

        var (head, before) = Current;
        var typed = emitted.ToDictionary(e => e.Event.Id, e => e.Event.Event);
        var result = await store.AppendOrderedAsync(ordered, expected, now, async (connection, transaction, stored, ct) =>
        {
            var batch = new ProjectionBatch(before, step.State, stored.Select(s => (s, typed[s.Id])).ToList(), new AfterAppend(this, stored));
            foreach (var projection in _projections) await projection(connection, transaction, batch, ct);
        }, expectedHead: head, cancellationToken);

        switch (result)
        {
            case AppendSuccess success:
                lock (_versions)
                {
                    foreach (var e in success.Events)
                    {
                        _versions[e.Stream] = e.Version;
                        _lastSeqs[e.Stream] = e.Seq;
                    }
                }
                Volatile.Write(ref _current, new HeadState(success.Events[^1].Seq, step.State));
                LastRecordedAt = success.Events[^1].RecordedAt;
                Committed?.Invoke(success.Events[^1].Seq, step.State);
                return (new CommandOutcome(null, step.State, success.Events, note), false);
            case AppendConflict conflict:
                logger.LogWarning("Append conflict on {Stream}: expected {Expected}, found {Actual}", conflict.Stream, conflict.Expected, conflict.Actual);
                return (new CommandOutcome(Failure.Conflict(
                    $"{conflict.Stream} was changed by another writer (expected {conflict.Expected}, found {conflict.Actual}); retry"), State, [], null),
                    conflict.Stream == EventStore.AllStreams);
            default:
                throw new InvalidOperationException($"unexpected append result {result}");
        }
    }

    private long SeqOf(string stream)
    {
        lock (_versions) return _lastSeqs.GetValueOrDefault(stream);
    }

    /// <summary>Stream positions once the given events commit: theirs, else the ones known before (nothing copied).</summary>
    private sealed class AfterAppend(EngineRuntime runtime, IReadOnlyList<StoredEvent> stored) : IStreamPositions
    {
        private readonly Dictionary<string, StoredEvent> _last = stored.GroupBy(e => e.Stream, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

        public long Version(string stream) => _last.TryGetValue(stream, out var e) ? e.Version : runtime.VersionOf(stream);
        public long Seq(string stream) => _last.TryGetValue(stream, out var e) ? e.Seq : runtime.SeqOf(stream);
    }

    /// <summary>Folds events appended by other processes since the last one seen (the log is gap-safe to tail).</summary>
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await store.ReadAllAsync(Head, PageSize, cancellationToken);
            if (page.Count == 0) return;
            var state = State;
            state = Fold.EvolveAll(state, page.Select(EventTypes.Decode));
            lock (_versions)
            {
                foreach (var e in page)
                {
                    _versions[e.Stream] = e.Version;
                    _lastSeqs[e.Stream] = e.Seq;
                }
            }
            Volatile.Write(ref _current, new HeadState(page[^1].Seq, state));
            LastRecordedAt = page[^1].RecordedAt;
        }
    }
}
