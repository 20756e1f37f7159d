using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Reconciliation;
using EventEngine.State;
using EventEngine.Storage;
using Microsoft.Extensions.Logging;

namespace EventEngine.Runtime;

/// <summary>
/// The live engine: the cluster state folded from the whole log, kept current by every command. Commands queue; a
/// writer takes the queued ones as a group, decides each on the state the ones before it left (folded, reconciled
/// until settled), and appends all their events, the inline read models and their receipts in one round trip and one
/// commit (group commit). Each command is answered with its own outcome, and only after the commit. The append
/// checks that the log ended where the writer folded it; when another process appended meanwhile, the group is
/// decided again under the append lock, after folding what that process wrote.
/// </summary>
public sealed class EngineRuntime(
    EventStore store,
    TimeProvider clock,
    IEnumerable<InlineProjection> projections,
    EngineMode mode,
    ILogger<EngineRuntime> logger) : ILiveHead
{
    private const int PageSize = 5_000;

    /// <summary>How many queued commands one group takes at most.</summary>
    private const int MaxGroup = 64;

    /// <summary>How many groups one turn of the writer takes before it lets go (see <see cref="WriteAsync"/>).</summary>
    private const int MaxRun = 16;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly InlineProjection[] _projections = projections.ToArray();
    private HeadState _current = new(0, ClusterState.Empty, Streams.Empty);

    /// <summary>The head, the state at it and every stream's position there: one immutable value, read and replaced whole.</summary>
    private sealed record HeadState(long Head, ClusterState State, Streams Streams);

    /// <summary>A queued command: how to decide it, and who waits for its outcome.</summary>
    private sealed record Pending(CommandContext Context, Func<ClusterState, DateTimeOffset, Streams, Decision> Decide, bool Full)
    {
        public TaskCompletionSource<CommandOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A command decided: settled (Step) or refused (Failure).</summary>
    private sealed record Decision(StepResult? Step, Failure? Failure, string? Note);

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

    private long _foldedFromLog;

    /// <summary>
    /// How many events this process has folded from the log rather than decided itself (what other processes appended,
    /// and the log read at start): when it moves, only a full reconcile knows what those events made due.
    /// </summary>
    public long FoldedFromLog => Interlocked.Read(ref _foldedFromLog);

    /// <summary>Raised after every group that appended, once the writer is done with it (the scheduler listens).</summary>
    public event Action? Changed;

    /// <summary>Raised inside the writer after each commit, in log order: the head seq and the state at it.</summary>
    public event Action<long, ClusterState>? Committed;

    /// <summary>Raised inside the writer after each commit, in log order: the events it appended and the state after them.</summary>
    public event Action<IReadOnlyList<(StoredEvent Stored, IEvent Event)>, ClusterState>? Appended;

    /// <summary>Raised when the live state folded events other processes appended (no list of them is kept).</summary>
    public event Action? Refreshed;

    /// <summary>Time as the engine records it: PostgreSQL keeps microseconds, so decisions use no finer time.</summary>
    public DateTimeOffset Now() => EventStore.StoredPrecision(clock.GetUtcNow());

    public long VersionOf(string stream) => Volatile.Read(ref _current).Streams.Version(stream);

    /// <summary>How many streams' positions the live engine keeps (those of the objects in its state, see <see cref="Streams"/>).</summary>
    public int KeptStreams => Volatile.Read(ref _current).Streams.Count;

    /// <summary>
    /// Folds the whole log; a process that leads (see <see cref="LeaderLease"/>) then reconciles everything once (work
    /// due while no engine ran).
    /// </summary>
    public async Task StartAsync(bool reconcile, CancellationToken cancellationToken, Func<CancellationToken, Task<StartingPoint?>>? startingPoint = null)
    {
        var took = System.Diagnostics.Stopwatch.StartNew();
        // the state at some seq, read back whole (the current objects of the history) so only the rest of the log is folded
        if (startingPoint is not null && await startingPoint(cancellationToken) is { } start)
        {
            Volatile.Write(ref _current, new HeadState(start.Head, start.State, Streams.From(start.Positions)));
            LastRecordedAt = start.RecordedAt;
        }
        await RefreshAsync(cancellationToken);
        EngineMetrics.ObserveHead(() => Head);
        EngineMetrics.ObserveStreams(() => KeptStreams);
        // a manual clock never runs behind the log it continues
        if (clock is ManualClock manual && LastRecordedAt is { } last) manual.NotBefore(last);
        logger.LogInformation("Read the cluster's state at seq {Head}: {Nodes} nodes, {DaemonSets} DaemonSets, {Pods} pods ({Milliseconds} ms)",
            Head, State.Nodes.Count, State.DaemonSets.Count, State.Pods.Count, took.ElapsedMilliseconds);
        if (reconcile) await TickAsync(CommandContext.System(CommandContext.ClockActor), cancellationToken);
    }

    /// <summary>Folds what other processes appended since the last event seen (the log is gap-safe to tail).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
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
        finally
        {
            // a command that found the writer busy meanwhile was left to whoever held it: that was this refresh
            await DrainAsync();
        }
    }

    /// <summary>
    /// Decides a command on the current state, checks the client's preconditions, settles, and appends: a refused
    /// command appends nothing, and a command fails only for a reason of its own, never because another process
    /// appended something else meanwhile.
    /// </summary>
    public Task<CommandOutcome> ExecuteAsync(
        CommandContext context,
        Func<ClusterState, DateTimeOffset, Decided> decide,
        IReadOnlyList<VersionPrecondition>? preconditions = null,
        CancellationToken cancellationToken = default) =>
        ExecuteAsync(context, (state, now, _) => decide(state, now), preconditions, cancellationToken);

    /// <summary>As above, for a decision that reads the objects' resourceVersions (the positions of their streams).</summary>
    public Task<CommandOutcome> ExecuteAsync(
        CommandContext context,
        Func<ClusterState, DateTimeOffset, IStreamPositions, Decided> decide,
        IReadOnlyList<VersionPrecondition>? preconditions = null,
        CancellationToken cancellationToken = default) =>
        context.DryRun ? DryRunAsync(decide, preconditions, cancellationToken) : Enqueue(new Pending(context, (state, now, streams) =>
        {
            if (Unmet(preconditions, streams) is { } stale) return new Decision(null, stale, null);
            var decided = decide(state, now, streams);
            return decided.Failure is { } failure
                ? new Decision(null, failure, null)
                : new Decision(mode.Observes ? Steps.Record(state, decided.Events, now, Guid.NewGuid) : Steps.Run(state, decided.Events, now, Guid.NewGuid),
                    null, decided.Note);
        }, Full: false), cancellationToken);

    private static Failure? Unmet(IReadOnlyList<VersionPrecondition>? preconditions, IStreamPositions streams)
    {
        foreach (var p in preconditions ?? [])
        {
            var actual = p.ActualIn(streams);
            if (actual != p.Version) return Failure.Conflict(Stale(p, actual), p.Field);
        }
        return null;
    }

    /// <summary>
    /// A dry run: the command decided on the present state (what other processes appended folded first, as a write
    /// would), its preconditions checked, and its events folded into a copy of that state, which the answer shows; its
    /// objects keep the resourceVersions they have. Nothing is appended, so nothing settles: the controller's reaction
    /// is not part of the answer.
    /// </summary>
    private async Task<CommandOutcome> DryRunAsync(Func<ClusterState, DateTimeOffset, IStreamPositions, Decided> decide,
        IReadOnlyList<VersionPrecondition>? preconditions, CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        var current = Volatile.Read(ref _current);
        if (Unmet(preconditions, current.Streams) is { } stale) return new CommandOutcome(stale, current.State, [], null, current.Streams);
        var now = Now();
        var decided = decide(current.State, now, current.Streams);
        if (decided.Failure is { } failure) return new CommandOutcome(failure, current.State, [], null, current.Streams);
        var state = Fold.EvolveAll(current.State, decided.Events.Select(e => new Recorded(Guid.NewGuid(), now, e)));
        return new CommandOutcome(null, state, [], decided.Note, current.Streams);
    }

    private static string Stale(VersionPrecondition p, long actual)
    {
        var latest = actual.ToString(CultureInfo.InvariantCulture);
        return p.Version < 0
            ? $"{p.What}: {p.Field} is not a resourceVersion this server gave (the latest is {latest}); read it again and retry"
            : $"{p.What} was modified: {p.Field} {p.Version.ToString(CultureInfo.InvariantCulture)} is not the latest ({latest}); read it again and retry";
    }

    private long _fullReconciles;

    /// <summary>How many times this process reconciled everything (<see cref="TickAsync"/>): each costs the whole cluster.</summary>
    public long FullReconciles => Interlocked.Read(ref _fullReconciles);

    /// <summary>Whether a group is being decided or written, or commands wait for the writer.</summary>
    public bool Busy => _gate.CurrentCount == 0 || !_queue.IsEmpty;

    /// <summary>Time passed: reconcile everything (backoffs expire, pods become available, tolerations run out).</summary>
    public Task<CommandOutcome> TickAsync(CommandContext context, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _fullReconciles);
        return Enqueue(new Pending(context, (state, now, _) => new Decision(
            mode.Observes ? Steps.Record(state, [], now, Guid.NewGuid) : Steps.Tick(state, now, Guid.NewGuid), null, null), Full: true), cancellationToken);
    }

    /// <summary>The answer to a command that appended nothing (refused, when a failure is given): the present as it is.</summary>
    public CommandOutcome Unchanged(Failure? failure = null) => new(failure, State, [], null, Volatile.Read(ref _current).Streams);

    private async Task<CommandOutcome> Enqueue(Pending pending, CancellationToken cancellationToken)
    {
        var enqueuedAt = Stopwatch.GetTimestamp();
        _queue.Enqueue(pending);
        await DrainAsync();
        try
        {
            return await pending.Completion.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            EngineMetrics.CommandAnswered(pending.Completion.Task, tick: pending.Full, enqueuedAt);
        }
    }

    /// <summary>
    /// Whoever finds the writer free takes the queue, a group at a time; whoever finds it busy leaves its command to the
    /// writer, which looks at the queue again after it lets go, so no command is left behind.
    /// </summary>
    private async Task DrainAsync()
    {
        while (!_queue.IsEmpty)
        {
            if (!await _gate.WaitAsync(0)) return;
            try
            {
                await WriteAsync();
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>
    /// The next group: up to <see cref="MaxGroup"/> commands in the order queued, those that must hold the leader lease
    /// (the recorder's) apart from the others, so a lost lease refuses only them.
    /// </summary>
    private List<Pending> Take()
    {
        var group = new List<Pending>();
        while (group.Count < MaxGroup && _queue.TryPeek(out var next) && (group.Count == 0 || next.Context.Fence == group[0].Context.Fence)
               && _queue.TryDequeue(out next))
            group.Add(next);
        return group;
    }

    /// <summary>
    /// Writes the queued groups until none is left, overlapping each group's append with the deciding of the next: while
    /// one group's events travel to the database, the next group is decided on the state they leave. It is appended
    /// only once that append has committed, on top of it, so nothing is acknowledged before its own commit and the log
    /// never holds a group decided on events it lacks. When the group in flight did not commit as decided (it failed,
    /// or met another process's events and was decided again), the next one is decided again on the state as it is.
    /// </summary>
    private async Task WriteAsync()
    {
        Prepared? flying = null;
        for (var groups = 0; ; groups++)
        {
            // a long run lets go of the writer now and then, so a refresh waiting for it is not starved
            var group = groups < MaxRun ? Take() : [];
            if (group.Count == 0 && flying is null) return;
            var basis = flying?.Leaves ?? LiveBasis();
            // decided beside the append in flight, which is finished (published, answered) as soon as it commits
            var preparing = group.Count == 0 ? null : Task.Run(() => PrepareAsync(group, basis));
            var asDecided = flying is null || await FinishAsync(flying);
            if (preparing is null)
            {
                flying = null;
                continue;
            }
            var (next, failure) = await preparing;
            if (!asDecided) (next, failure) = await PrepareAsync(group, LiveBasis());
            if (failure is not null)
                foreach (var pending in group) pending.Completion.TrySetException(failure);
            flying = next?.Start(store);
        }
    }

    /// <summary>The basis of a group decided on the live state (nothing in flight).</summary>
    private Basis LiveBasis()
    {
        var current = Volatile.Read(ref _current);
        return new Basis(current.Head, current.State, current.Streams, LastRecordedAt, WakeAt, []);
    }

    /// <summary>What a group is decided on: the head, the state and positions there, the time floor and the wake-up known, and receipts not yet committed.</summary>
    private sealed record Basis(long Head, ClusterState State, Streams Streams, DateTimeOffset? Floor, DateTimeOffset? Wake, IReadOnlyList<CommandReceipt> Uncommitted);

    /// <summary>A group decided on a basis, the statements that commit with its events, and its append once started.</summary>
    private sealed class Prepared(List<Pending> group, Basis basis, Written written, List<Npgsql.NpgsqlBatchCommand> statements)
    {
        public List<Pending> Group => group;
        public Written Written => written;

        /// <summary>Whether the log had moved from the head it was decided on (the append refused, or a refusal no longer stands).</summary>
        public Task<bool>? Stale { get; private set; }

        public long Appending { get; private set; }

        /// <summary>The basis the next group is decided on, should this one commit as decided.</summary>
        public Basis Leaves => written.Events.Count == 0
            ? basis with { Wake = written.WakeAt }
            : new Basis(written.Events[^1].Seq, written.After, written.Streams, written.Events[^1].RecordedAt, written.WakeAt, written.Receipts);

        public Prepared Start(EventStore store)
        {
            Appending = Stopwatch.GetTimestamp();
            // events go in only on top of the head they were decided on; a refusal stands only if the log still ends there
            Stale = written.Events.Count > 0
                ? AppendAsync(store)
                : written.Refused ? HeadMovedAsync(store) : Task.FromResult(false);
            return this;
        }

        private async Task<bool> AppendAsync(EventStore store) =>
            await store.AppendDecidedAsync(written.Events, basis.Head, statements, CancellationToken.None) is AppendConflict;

        private async Task<bool> HeadMovedAsync(EventStore store) => await store.GetHeadSeqAsync(CancellationToken.None) != basis.Head;
    }

    /// <summary>
    /// A group decided and its statements made, or why that failed: the group is answered with the failure only if it
    /// is not decided again (it may have been decided on a state that did not commit).
    /// </summary>
    private async Task<(Prepared? Prepared, Exception? Failure)> PrepareAsync(List<Pending> group, Basis basis)
    {
        try
        {
            var written = await DecideAsync(group, await ReceiptsAsync(group, null, basis.Uncommitted), basis, null);
            return (new Prepared(group, basis, written, written.Events.Count > 0 ? await StatementsAsync(group, written) : []), null);
        }
        catch (Exception e)
        {
            return (null, e);
        }
    }

    /// <summary>
    /// Waits for a group's append; when the log had moved, folds what another process wrote and decides the group again,
    /// this time holding the append lock throughout. Then publishes and answers it: whether it committed as decided.
    /// </summary>
    private async Task<bool> FinishAsync(Prepared prepared)
    {
        var (group, written) = (prepared.Group, prepared.Written);
        bool stale;
        try
        {
            stale = await prepared.Stale!;
            if (stale)
            {
                // another process appended: fold what it wrote and decide again, this time holding the append lock throughout
                await using var session = await store.BeginAppendAsync(CancellationToken.None);
                await CatchUpAsync(session.ReadAfterAsync, CancellationToken.None);
                var receipts = await ReceiptsAsync(group, session, []);
                written = await DecideAsync(group, receipts, LiveBasis(), session);
                if (written.Events.Count > 0)
                {
                    await session.AppendDecidedAsync(written.Events, await StatementsAsync(group, written), CancellationToken.None);
                    await session.CommitAsync(CancellationToken.None);
                }
            }
            if (written.Events.Count > 0)
            {
                EngineMetrics.GroupCommitted(group.Count, written.Events.Count, Stopwatch.GetElapsedTime(prepared.Appending));
                Publish(written);
            }
            else
            {
                // a group that appended nothing may still have learnt a wake-up (a full reconcile with nothing to do yet)
                WakeAt = written.WakeAt;
            }
            foreach (var (pending, outcome) in written.Outcomes) pending.Completion.TrySetResult(outcome);
            foreach (var (pending, thrown) in written.Thrown) pending.Completion.TrySetException(thrown);
        }
        catch (Exception e)
        {
            // nothing of the group is committed (or, if the commit's answer was lost, the next catch-up folds it)
            foreach (var pending in group) pending.Completion.TrySetException(e);
            return false;
        }
        if (written.Events.Count > 0) Notify(Changed, h => h());
        return !stale;
    }

    /// <summary>A group decided: the events to append in order, the state and positions after it, each command's outcome.</summary>
    private sealed record Written(
        IReadOnlyList<StoredEvent> Events,
        IReadOnlyList<(IEvent Event, StoredEvent Stored)> Typed,
        ClusterState Before,
        ClusterState After,
        Streams Streams,
        DateTimeOffset? WakeAt,
        IReadOnlyList<(Pending Pending, CommandOutcome Outcome)> Outcomes,
        IReadOnlyList<CommandReceipt> Receipts,
        IReadOnlyList<(Pending Pending, Exception Thrown)> Thrown,
        IReadOnlyCollection<string> Unknown)
    {
        /// <summary>Whether a command was refused on the state it saw (not a stored answer given back).</summary>
        public bool Refused => Outcomes.Any(o => o.Outcome is { Failure: not null, Replayed: null });
    }

    /// <summary>
    /// Decides the group (<see cref="Decide"/>). When it writes to streams the positions do not know (a name new to the
    /// cluster, or one whose object was deleted and has been forgotten, see <see cref="Streams"/>), their positions are
    /// read from the log (under the append lock when <paramref name="session"/> holds it), and if any was there the group
    /// is decided again, at the same time, knowing them, so a name that comes back continues its stream; until no stream
    /// it writes is left unlooked-up. A stream the group in flight writes is always known, so what the log shows of the
    /// others is where they stand.
    /// </summary>
    private async Task<Written> DecideAsync(List<Pending> group, IReadOnlyDictionary<string, CommandReceipt> receipts, Basis basis, AppendSession? session)
    {
        var now = Now();
        var looked = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var written = Decide(group, receipts, basis, now);
            var unknown = written.Unknown.Where(looked.Add).ToList();
            if (unknown.Count == 0) return written;
            var found = session is null
                ? await store.StreamPositionsAsync(unknown, CancellationToken.None)
                : await session.StreamPositionsAsync(unknown, CancellationToken.None);
            if (found.Count == 0) return written;
            basis = basis with { Streams = basis.Streams.Known(found) };
        }
    }

    /// <summary>
    /// Decides every command of the group on the state the ones before it left. Seqs follow the head and versions each
    /// stream's last, so the events are stored exactly as decided. A command already done under its Idempotency-Key
    /// gets its stored answer; a command whose decision throws fails alone.
    /// </summary>
    private Written Decide(List<Pending> group, IReadOnlyDictionary<string, CommandReceipt> receipts, Basis basis, DateTimeOffset now)
    {
        var (state, streams, head) = (basis.State, basis.Streams, basis.Head);
        var floor = basis.Floor ?? DateTimeOffset.MinValue;
        var wake = basis.Wake;
        var events = new List<StoredEvent>();
        var typed = new List<(IEvent, StoredEvent)>();
        var outcomes = new List<(Pending, CommandOutcome)>();
        var stored = new List<CommandReceipt>();
        var answered = new Dictionary<string, (string Hash, string Response)>(StringComparer.Ordinal);
        var thrown = new List<(Pending, Exception)>();
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pending in group)
        {
            CommandOutcome Unchanged(Failure? failure = null) => new(failure, state, [], null, streams);
            if (pending.Context.Idempotency is { } key
                && (receipts.TryGetValue(key.Key, out var receipt) ? (receipt.RequestHash, receipt.Response) : answered.GetValueOrDefault(key.Key)) is ({ } hash, { } response))
            {
                outcomes.Add((pending, hash == key.RequestHash
                    ? Unchanged() with { Replayed = response }
                    : Unchanged(Failure.Invalid("request", "Idempotency-Key",
                        $"Invalid value: \"{key.Key}\": the key was used for a different request; use a new key"))));
                continue;
            }
            // a source's own time, kept in order: never before what the log already holds, never after now
            var at = pending.Context.ObservedAt is { } observed
                ? EventStore.StoredPrecision(observed < floor ? floor : observed > now ? now : observed)
                : now;
            Decision decision;
            try
            {
                decision = pending.Decide(state, at, streams);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // answered with the group (a group decided again decides it again)
                thrown.Add((pending, e));
                continue;
            }
            if (decision.Failure is { } refused)
            {
                outcomes.Add((pending, Unchanged(refused)));
                continue;
            }
            var step = decision.Step!;
            // a full reconcile knows every wake-up; a scoped one only those it looked at, so it keeps the earlier one,
            // even one already due: only a full reconcile does (and so clears) what that one was for
            wake = pending.Full ? step.Settled.WakeAt : Plan.Earliest(wake, step.Settled.WakeAt);
            var mine = new List<StoredEvent>();
            var versions = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var e in step.All)
            {
                var stream = Subjects.StreamOf(e.Event.Event);
                if (!versions.ContainsKey(stream) && !streams.Knows(stream)) unknown.Add(stream);
                var version = versions[stream] = versions.GetValueOrDefault(stream, streams.Version(stream)) + 1;
                var metadata = new EventMetadata(pending.Context.CorrelationId, e.Event.CausationId?.ToString(), pending.Context.Actor,
                    e.ReasonCode is null ? null : new EventReason(e.ReasonCode, e.ReasonMessage ?? e.ReasonCode), pending.Context.ImpersonatedBy,
                    pending.Context.Source);
                var storedEvent = new StoredEvent(head + events.Count + mine.Count + 1, e.Event.Id, stream, version,
                    EventTypes.NameOf(e.Event.Event), EventTypes.Serialize(e.Event.Event), metadata, at);
                mine.Add(storedEvent);
                typed.Add((e.Event.Event, storedEvent));
            }
            state = step.State;
            streams = streams.With(mine, step.State);
            if (mine.Count > 0) floor = at;
            events.AddRange(mine);
            var outcome = new CommandOutcome(null, state, mine, decision.Note, streams);
            outcomes.Add((pending, outcome));
            if (mine.Count > 0 && pending.Context.Idempotency is { } idempotent)
            {
                var answer = idempotent.Answer(outcome);
                stored.Add(new CommandReceipt(idempotent.Key, idempotent.RequestHash, mine[0].Seq, mine[^1].Seq, answer));
                answered[idempotent.Key] = (idempotent.RequestHash, answer);
            }
        }
        return new Written(events, typed, basis.State, state, streams, wake, outcomes, stored, thrown, unknown);
    }

    /// <summary>
    /// What commits with the group's events: the inline read models, the receipts, and, for a group that must still hold
    /// the leader lease (<see cref="Take"/> groups them apart), the lease's check. The projections read the same
    /// immutable states, so each is made on a thread of its own.
    /// </summary>
    private async Task<List<Npgsql.NpgsqlBatchCommand>> StatementsAsync(List<Pending> group, Written written)
    {
        var batch = new ProjectionBatch(written.Before, written.After, written.Typed.Select(t => (t.Stored, t.Event)).ToList(), written.Streams);
        var parts = await Task.WhenAll(_projections.Select(p => Task.Run(() => p(batch).ToList())));
        var statements = parts.SelectMany(p => p).ToList();
        statements.AddRange(written.Receipts.Select(EventRows.Receipt));
        // where each recorded kind's watch stands: its last command's (a later one of the group replaces an earlier)
        var recorded = new Dictionary<string, (string Version, long Seq)>(StringComparer.Ordinal);
        foreach (var (pending, outcome) in written.Outcomes)
            if (pending.Context is { Recording: { } kind, Source.ResourceVersion: { } version } && outcome.Events.Count > 0)
                recorded[kind] = (version, outcome.Events[^1].Seq);
        statements.AddRange(recorded.Select(r => EventRows.SourcePosition(r.Key, r.Value.Version, r.Value.Seq)));
        if (group[0].Context.Fence is { } fence) statements.Add(fence.Statement());
        return statements;
    }

    /// <summary>
    /// The receipts already stored for the group's Idempotency-Keys (none asked: no round trip), and those of the group
    /// in flight, whose commit the group waits for.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, CommandReceipt>> ReceiptsAsync(List<Pending> group, AppendSession? session, IReadOnlyList<CommandReceipt> uncommitted)
    {
        var keys = group.Select(p => p.Context.Idempotency?.Key).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        if (keys.Length == 0) return new Dictionary<string, CommandReceipt>();
        var found = (session is null ? await store.FindReceiptsAsync(keys) : await session.FindReceiptsAsync(keys)).ToDictionary(r => r.Key, StringComparer.Ordinal);
        foreach (var receipt in uncommitted) found[receipt.Key] = receipt;
        return found;
    }

    /// <summary>The group committed: the live state moves on.</summary>
    private void Publish(Written written)
    {
        var last = written.Events[^1];
        Volatile.Write(ref _current, new HeadState(last.Seq, written.After, written.Streams.Forget(last.Seq, written.After)));
        LastRecordedAt = last.RecordedAt;
        WakeAt = written.WakeAt;
        Notify(Committed, h => h(last.Seq, written.After));
        var appended = written.Typed.Select(t => (t.Stored, t.Event)).ToList();
        Notify(Appended, h => h(appended, written.After));
    }

    /// <summary>
    /// Tells each listener in turn: one that throws is logged and the others are still told, since the group has
    /// committed and its commands, and those decided beside it, must still be answered.
    /// </summary>
    private void Notify<T>(T? handlers, Action<T> call) where T : Delegate
    {
        if (handlers is null) return;
        foreach (var handler in handlers.GetInvocationList().Cast<T>())
        {
            try
            {
                call(handler);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogError(e, "A listener of the engine's commits failed");
            }
        }
    }

    /// <summary>Folds the events after the last one seen, a page at a time, read with <paramref name="read"/>.</summary>
    private async Task CatchUpAsync(Func<long, int, CancellationToken, Task<IReadOnlyList<StoredEvent>>> read, CancellationToken cancellationToken)
    {
        while (true)
        {
            var current = Volatile.Read(ref _current);
            var page = await read(current.Head, PageSize, cancellationToken);
            if (page.Count == 0) return;
            var state = Fold.EvolveAll(current.State, page.Select(EventTypes.Decode));
            Volatile.Write(ref _current, new HeadState(page[^1].Seq, state, current.Streams.With(page, state).Forget(page[^1].Seq, state)));
            Interlocked.Add(ref _foldedFromLog, page.Count);
            LastRecordedAt = page[^1].RecordedAt;
            Notify(Refreshed, h => h());
        }
    }
}

/// <summary>A state read back at a seq, with every stream's version and last seq there and when its last event was recorded.</summary>
public sealed record StartingPoint(long Head, ClusterState State, IEnumerable<(string Stream, long Version, long Seq)> Positions, DateTimeOffset? RecordedAt);

/// <summary>
/// The version and last seq of every stream whose object is in the state, as an immutable map: a command's answer keeps
/// the positions it saw. A stream whose object was deleted (<see cref="Subjects.Ended"/>) is kept until that deletion
/// has committed (<see cref="Forget"/>), so a group decided beside the append in flight still continues it; after
/// that it is looked up in the log again if its name comes back (<see cref="Knows"/>). So the map holds the cluster,
/// not every object the log ever held.
/// </summary>
public sealed class Streams : IStreamPositions
{
    public static readonly Streams Empty = new(
        ImmutableDictionary.Create<string, (long, long)>(StringComparer.Ordinal), ImmutableDictionary.Create<string, long>(StringComparer.Ordinal));

    private readonly ImmutableDictionary<string, (long Version, long Seq)> _positions;

    /// <summary>The streams whose object an event deleted, with that event's seq.</summary>
    private readonly ImmutableDictionary<string, long> _ended;

    private Streams(ImmutableDictionary<string, (long Version, long Seq)> positions, ImmutableDictionary<string, long> ended) =>
        (_positions, _ended) = (positions, ended);

    public static Streams From(IEnumerable<(string Stream, long Version, long Seq)> positions) =>
        new(positions.ToImmutableDictionary(p => p.Stream, p => (p.Version, p.Seq), StringComparer.Ordinal), Empty._ended);

    public long Version(string stream) => _positions.TryGetValue(stream, out var p) ? p.Version : 0;

    /// <summary>The stream's last seq; 0 for one whose object was deleted (the object is gone, whether or not its position is still kept).</summary>
    public long Seq(string stream) => _positions.TryGetValue(stream, out var p) && (_ended.IsEmpty || !_ended.ContainsKey(stream)) ? p.Seq : 0;

    /// <summary>The streams of the objects in a state: the ones whose positions are kept.</summary>
    public static IEnumerable<string> Of(ClusterState state) =>
        state.Nodes.Keys.Select(Subjects.NodeStream)
            .Concat(state.DaemonSets.Keys.SelectMany(Subjects.DaemonSetStreams))
            .Concat(state.Pods.Keys.Select(Subjects.PodStream));

    /// <summary>Whether the stream's position is here: one that is not is new, or was forgotten and must be looked up.</summary>
    public bool Knows(string stream) => _positions.ContainsKey(stream);

    /// <summary>How many streams are kept.</summary>
    public int Count => _positions.Count;

    /// <summary>
    /// The positions after these events (in seq order); <paramref name="after"/>, the state they leave, keeps a stream
    /// another of its objects writes from being taken for ended (<see cref="EndedBy"/>).
    /// </summary>
    public Streams With(IEnumerable<StoredEvent> events, ClusterState after)
    {
        var builder = _positions.ToBuilder();
        ImmutableDictionary<string, long>.Builder? ended = null;
        foreach (var e in events)
        {
            builder[e.Stream] = (e.Version, e.Seq);
            var ends = EndedBy(e, after);
            if (ends.Length == 0 && !(ended?.ContainsKey(e.Stream) ?? _ended.ContainsKey(e.Stream))) continue;
            ended ??= _ended.ToBuilder();
            // an event in an ended stream starts its object again
            ended.Remove(e.Stream);
            foreach (var stream in ends) ended[stream] = e.Seq;
        }
        return new Streams(builder.ToImmutable(), ended?.ToImmutable() ?? _ended);
    }

    /// <summary>The streams an event ends (<see cref="Subjects.Ended"/>) that no object of <paramref name="after"/> writes.</summary>
    public static string[] EndedBy(StoredEvent e, ClusterState after)
    {
        var ends = Subjects.Ended(e.Type, e.Stream);
        return ends.Length == 0 ? ends : ends.Where(stream => !Written(stream, after)).ToArray();
    }

    /// <summary>
    /// With positions looked up in the log: streams this map did not know, whose objects are gone. Their versions are
    /// continued; their seqs are not kept (0, as for any object that is not there) until an event is written to them.
    /// </summary>
    public Streams Known(IEnumerable<(string Stream, long Version, long Seq)> positions)
    {
        var builder = _positions.ToBuilder();
        foreach (var (stream, version, _) in positions) builder[stream] = (version, 0);
        return new Streams(builder.ToImmutable(), _ended);
    }

    /// <summary>
    /// Without the streams whose object's deletion is committed (at or before <paramref name="committed"/>) and was not
    /// followed by a new object of the same name: their positions stay in the log, not in memory. A stream another
    /// object of <paramref name="state"/> (the state at <paramref name="committed"/>) writes too is kept.
    /// </summary>
    public Streams Forget(long committed, ClusterState state)
    {
        if (_ended.Count == 0) return this;
        var due = _ended.Where(e => e.Value <= committed).Select(e => e.Key).ToList();
        if (due.Count == 0) return this;
        var gone = due.Where(stream => !Written(stream, state));
        return new Streams(_positions.RemoveRange(gone), _ended.RemoveRange(due));
    }

    /// <summary>Whether an object of the state writes the stream (see <see cref="Subjects.ObjectsOf"/>).</summary>
    public static bool Written(string stream, ClusterState state) =>
        Subjects.ObjectsOf(stream).Any(o => o.Kind switch
        {
            'n' => state.Nodes.ContainsKey(o.Key),
            'd' => state.DaemonSets.ContainsKey(o.Key),
            _ => state.Pods.ContainsKey(o.Key),
        });
}
