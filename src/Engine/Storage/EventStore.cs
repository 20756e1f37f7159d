using Npgsql;

namespace EventEngine.Storage;

/// <summary>
/// The event log on PostgreSQL: appends with optimistic concurrency to one or many streams in one
/// transaction, and reads by stream or by global position.
/// </summary>
public sealed class EventStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>
    /// The advisory lock every append transaction takes before it draws seqs. Seqs are assigned
    /// at insert but become visible at commit; if two appends could interleave, the one holding
    /// the lower seqs could commit last, and a reader tailing "seq > checkpoint" would already
    /// have moved its checkpoint past them and lose those events for good. Holding this lock
    /// until commit makes appends commit in seq order, so a visible seq means every lower seq
    /// is visible too (holes from rolled-back appends stay holes).
    /// </summary>
    public const long AppendLockKey = 0x4556_454E_5453; // "EVENTS"

    /// <summary>Appends to one stream; see <see cref="AppendAsync(IReadOnlyList{StreamAppend}, BeforeCommit?, CancellationToken)"/>.</summary>
    public Task<AppendResult> AppendAsync(
        string stream,
        long expectedVersion,
        IReadOnlyList<NewEvent> events,
        BeforeCommit? beforeCommit = null,
        CancellationToken cancellationToken = default) =>
        AppendAsync([new StreamAppend(stream, expectedVersion, events)], beforeCommit, cancellationToken);

    /// <summary>
    /// Appends to every stream of <paramref name="appends"/> in one transaction, all or nothing:
    /// a stream not at its expected version gives an <see cref="AppendConflict"/> and nothing is
    /// stored. A retry of an append that already succeeded (every event id already stored, in the
    /// same streams and order) gives its stored events back and appends nothing (see
    /// <see cref="AppendSuccess.AlreadyStored"/>); a call with only some ids stored is an
    /// <see cref="AppendIdCollision"/>. <paramref name="beforeCommit"/> runs in the transaction
    /// after the insert, only when events are appended.
    /// </summary>
    public Task<AppendResult> AppendAsync(
        IReadOnlyList<StreamAppend> appends,
        BeforeCommit? beforeCommit = null,
        CancellationToken cancellationToken = default) =>
        AppendCoreAsync(appends, null, bulk: false, null, beforeCommit, cancellationToken);

    /// <summary>
    /// Appends events to several streams in the order given, interleaved as they were decided, so that the
    /// log's seq order is the order a fold must see them in. Each stream must be at its expected version
    /// (<paramref name="expectedVersions"/>); all or nothing, like <see cref="AppendAsync(IReadOnlyList{StreamAppend}, BeforeCommit?, CancellationToken)"/>.
    /// <paramref name="recordedAt"/>, when given, is the time stored with every event (the caller's clock,
    /// which its decisions used); otherwise the store's clock.
    /// </summary>
    public async Task<AppendResult> AppendOrderedAsync(
        IReadOnlyList<OrderedEvent> events,
        IReadOnlyDictionary<string, long> expectedVersions,
        DateTimeOffset? recordedAt = null,
        BeforeCommit? beforeCommit = null,
        CancellationToken cancellationToken = default)
    {
        await using var session = await BeginAppendAsync(cancellationToken);
        var result = await session.AppendOrderedAsync(events, expectedVersions, recordedAt, beforeCommit, cancellationToken);
        if (result is AppendSuccess { AlreadyStored: false }) await session.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// Opens a write session: a transaction holding the append lock from its first statement. What the caller reads in
    /// it (<see cref="AppendSession.ReadAfterAsync"/>) is the whole log until it commits, so a decision made on that
    /// and appended in the same session can never be overtaken by another writer: no head check, no retry, no 409 for
    /// a write that touched nothing the caller's did.
    /// </summary>
    public async Task<AppendSession> BeginAppendAsync(CancellationToken cancellationToken = default)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var lockCommand = new NpgsqlCommand("select pg_advisory_xact_lock(@key)", connection, transaction))
            {
                lockCommand.Parameters.AddWithValue("key", AppendLockKey);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }
            return new AppendSession(this, connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The name an <see cref="AppendConflict"/> gives the whole log when its head moved.</summary>
    public const string AllStreams = "$all";

    /// <summary>
    /// Appends like <see cref="AppendAsync(IReadOnlyList{StreamAppend}, BeforeCommit?, CancellationToken)"/>,
    /// with the same checks, but writes the events with binary COPY: for loads of thousands of events.
    /// </summary>
    public Task<AppendResult> BulkAppendAsync(
        IReadOnlyList<StreamAppend> appends,
        CancellationToken cancellationToken = default) =>
        AppendCoreAsync(appends, null, bulk: true, null, beforeCommit: null, cancellationToken);

    /// <summary>Reads one stream forward from <paramref name="fromVersion"/> (inclusive).</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(
        string stream,
        long fromVersion = 1,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"select {EventRows.Columns} from events where stream = @stream and version >= @from order by version");
        command.Parameters.AddWithValue("stream", stream);
        command.Parameters.AddWithValue("from", fromVersion);
        return await EventRows.ReadAsync(command, cancellationToken);
    }

    /// <summary>
    /// Reads the global log forward: at most <paramref name="limit"/> events with seq greater than
    /// <paramref name="afterSeq"/>. Safe to tail: pass the last seq seen as the next
    /// <paramref name="afterSeq"/> and no event is ever skipped (see <see cref="AppendLockKey"/>).
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(
        long afterSeq,
        int limit,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var command = dataSource.CreateCommand(
            $"select {EventRows.Columns} from events where seq > @after order by seq limit @limit");
        command.Parameters.AddWithValue("after", afterSeq);
        command.Parameters.AddWithValue("limit", limit);
        return await EventRows.ReadAsync(command, cancellationToken);
    }

    /// <summary>
    /// Every event in (<paramref name="afterSeq"/>, <paramref name="toSeq"/>], in seq order, read a page at a time: the
    /// log is read in order without holding more than a page.
    /// </summary>
    public async IAsyncEnumerable<StoredEvent> ReadRangeAsync(
        long afterSeq,
        long toSeq,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        const int pageSize = 5_000;
        var after = afterSeq;
        while (after < toSeq)
        {
            var page = await ReadAllAsync(after, pageSize, cancellationToken);
            if (page.Count == 0) yield break;
            foreach (var e in page)
            {
                if (e.Seq > toSeq) yield break;
                yield return e;
                after = e.Seq;
            }
            if (page.Count < pageSize) yield break;
        }
    }

    /// <summary>One event by its id, or null.</summary>
    public async Task<StoredEvent?> ReadEventAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"select {EventRows.Columns} from events where id = @id");
        command.Parameters.AddWithValue("id", id);
        return (await EventRows.ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>The stream's last event of the given type, or null.</summary>
    public async Task<StoredEvent?> ReadLastOfTypeAsync(string stream, string type, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"select {EventRows.Columns} from events where stream = @stream and type = @type order by version desc limit 1");
        command.Parameters.AddWithValue("stream", stream);
        command.Parameters.AddWithValue("type", type);
        return (await EventRows.ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>The seq of the last event recorded at or before <paramref name="time"/> and not after <paramref name="notAfter"/> (0: none).</summary>
    public async Task<long> LastSeqAtAsync(DateTimeOffset time, long notAfter, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("select coalesce(max(seq), 0) from events where recorded_at <= @t and seq <= @head");
        command.Parameters.AddWithValue("t", time.ToUniversalTime());
        command.Parameters.AddWithValue("head", notAfter);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The seq of the last event recorded strictly before <paramref name="time"/> (0: none).</summary>
    public async Task<long> LastSeqBeforeAsync(DateTimeOffset time, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("select coalesce(max(seq), 0) from events where recorded_at < @t");
        command.Parameters.AddWithValue("t", time.ToUniversalTime());
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>When the last event at or before <paramref name="seq"/> was recorded (null: there is none).</summary>
    public async Task<DateTimeOffset?> TimeAtAsync(long seq, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("select recorded_at from events where seq <= @seq order by seq desc limit 1");
        command.Parameters.AddWithValue("seq", seq);
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
    }

    /// <summary>The seq of the last committed event, 0 when the log is empty.</summary>
    public async Task<long> GetHeadSeqAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("select coalesce(max(seq), 0) from events");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The version of the stream's last event, 0 when the stream does not exist.</summary>
    public async Task<long> GetStreamVersionAsync(string stream, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await StreamVersions.GetAsync(connection, null, stream, cancellationToken);
    }

    /// <summary>
    /// A time as PostgreSQL keeps it (UTC, whole microseconds): events returned by an append equal the ones read
    /// back, and decisions use no finer time than the log records.
    /// </summary>
    public static DateTimeOffset StoredPrecision(DateTimeOffset time)
    {
        time = time.ToUniversalTime();
        return time.AddTicks(-(time.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    private async Task<AppendResult> AppendCoreAsync(
        IReadOnlyList<StreamAppend> appends,
        IReadOnlyList<OrderedEvent>? order,
        bool bulk,
        DateTimeOffset? recordedAt,
        BeforeCommit? beforeCommit,
        CancellationToken cancellationToken)
    {
        await using var session = await BeginAppendAsync(cancellationToken);
        var result = await session.AppendCoreAsync(appends, order, bulk, recordedAt, beforeCommit, cancellationToken);
        if (result is AppendSuccess { AlreadyStored: false }) await session.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>The channel every commit notifies (with the new head) so other processes learn of it without polling.</summary>
    public const string NotifyChannel = "eventengine_events";

    internal async Task<AppendResult> AppendInTransactionAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        IReadOnlyList<StreamAppend> appends,
        IReadOnlyList<OrderedEvent>? order,
        bool bulk,
        DateTimeOffset? recordedAt,
        BeforeCommit? beforeCommit,
        CancellationToken cancellationToken)
    {
        AppendValidation.Validate(appends);
        try
        {
            return await AppendUnderLockAsync(connection, transaction, appends, order, bulk, recordedAt, beforeCommit, cancellationToken);
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "events_stream_version_key" })
        {
            // Only a writer that bypasses this store can get here: with the append lock held,
            // the streams table already decided every version. Report it as the conflict it is.
            await transaction.RollbackAsync(CancellationToken.None);
            var conflict = await OutOfBandConflictAsync(connection, appends, cancellationToken);
            if (conflict is null) throw;
            return conflict;
        }
    }

    private async Task<AppendResult> AppendUnderLockAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        IReadOnlyList<StreamAppend> appends,
        IReadOnlyList<OrderedEvent>? order,
        bool bulk,
        DateTimeOffset? recordedAt,
        BeforeCommit? beforeCommit,
        CancellationToken cancellationToken)
    {
        // looked up under the lock, so a retry racing its own first attempt sees that attempt's rows
        var alreadyStored = await EventRows.FindAsync(
            connection, transaction, appends.SelectMany(a => a.Events).Select(e => e.Id).ToArray(), cancellationToken);
        if (alreadyStored.Count > 0)
        {
            return AppendRetry.Judge(appends, alreadyStored);
        }

        var now = StoredPrecision(recordedAt ?? clock.GetUtcNow());

        var (versions, conflict) = await StreamVersions.TryAdvanceAsync(connection, transaction, appends, now, cancellationToken);
        if (conflict is not null)
        {
            var actual = await StreamVersions.GetAsync(connection, transaction, conflict.Stream, cancellationToken);
            return new AppendConflict(conflict.Stream, conflict.ExpectedVersion, actual);
        }

        var pending = new List<EventRows.Pending>();
        foreach (var append in appends)
        {
            var first = versions[append.Stream] - append.Events.Count + 1;
            pending.AddRange(append.Events.Select((e, i) => new EventRows.Pending(append.Stream, first + i, e)));
        }

        if (order is not null)
        {
            // seqs follow the caller's interleaving; versions stay consecutive within each stream
            var byId = pending.ToDictionary(p => p.Event.Id);
            pending = order.Select(o => byId[o.Event.Id]).ToList();
        }

        var stored = await EventRows.PrepareAsync(connection, transaction, pending, now, cancellationToken);
        if (bulk)
        {
            await EventRows.CopyAsync(connection, stored, cancellationToken);
        }
        else
        {
            await EventRows.InsertAsync(connection, transaction, stored, cancellationToken);
        }

        if (beforeCommit is not null)
        {
            await beforeCommit(connection, transaction, stored, cancellationToken);
        }

        // delivered at commit, and only then: a listener never hears of an event it cannot read
        await using (var notify = new NpgsqlCommand("select pg_notify(@channel, @head)", connection, transaction))
        {
            notify.Parameters.AddWithValue("channel", NotifyChannel);
            notify.Parameters.AddWithValue("head", stored[^1].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }

        return new AppendSuccess(stored, versions, AlreadyStored: false);
    }

    private static async Task<AppendConflict?> OutOfBandConflictAsync(
        NpgsqlConnection connection,
        IReadOnlyList<StreamAppend> appends,
        CancellationToken cancellationToken)
    {
        foreach (var append in appends)
        {
            await using var command = new NpgsqlCommand(
                "select coalesce(max(version), 0) from events where stream = @stream", connection);
            command.Parameters.AddWithValue("stream", append.Stream);
            var actual = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
            var recorded = await StreamVersions.GetAsync(connection, null, append.Stream, cancellationToken);
            if (actual != recorded)
            {
                return new AppendConflict(append.Stream, append.ExpectedVersion, actual);
            }
        }

        return null;
    }
}
