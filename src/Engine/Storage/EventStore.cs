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

    /// <summary>
    /// Appends events a writer decided on the log as it folded it up to <paramref name="expectedHead"/> (seqs after it,
    /// versions after each stream's), with the statements that commit beside them (inline read models, receipts), in one
    /// round trip and one commit. If the log moved on meanwhile (another process appended), nothing is written and the
    /// answer is an <see cref="AppendConflict"/> on <see cref="AllStreams"/>: decide again on the newer log.
    /// </summary>
    public async Task<AppendResult> AppendDecidedAsync(
        IReadOnlyList<StoredEvent> events, long expectedHead, IEnumerable<NpgsqlBatchCommand> alongside, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("begin"));
        batch.BatchCommands.Add(EventRows.Lock());
        var head = new NpgsqlBatchCommand("select eventengine_expect_head($1)");
        head.Parameters.Add(new NpgsqlParameter { Value = expectedHead });
        batch.BatchCommands.Add(head);
        foreach (var command in EventRows.Decided(events, alongside)) batch.BatchCommands.Add(command);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("commit"));
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == ConflictState && Conflicted(e).Stream == AllStreams)
        {
            await EventRows.RollbackAsync(connection);
            return new AppendConflict(AllStreams, expectedHead, Conflicted(e).Actual);
        }
        catch
        {
            await EventRows.RollbackAsync(connection);
            throw;
        }
        var versions = events.GroupBy(e => e.Stream, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Max(e => e.Version), StringComparer.Ordinal);
        return new AppendSuccess(events, versions, AlreadyStored: false);
    }

    /// <summary>The receipts stored under these Idempotency-Keys (read without the lock; the append's key is unique besides).</summary>
    public async Task<IReadOnlyList<CommandReceipt>> FindReceiptsAsync(string[] keys, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await EventRows.ReceiptsAsync(connection, null, keys, cancellationToken);
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
    public Task<IReadOnlyList<StoredEvent>> ReadAllAsync(
        long afterSeq,
        int limit,
        CancellationToken cancellationToken = default) => ReadForwardAsync(afterSeq, long.MaxValue, null, limit, cancellationToken);

    /// <summary>
    /// Reads the global log forward like <see cref="ReadAllAsync"/>, only events of the given type names and at most up to
    /// <paramref name="toSeq"/>: the log events a derived list (Kubernetes Events) is made of.
    /// </summary>
    public Task<IReadOnlyList<StoredEvent>> ReadOfTypesAsync(
        long afterSeq,
        long toSeq,
        IReadOnlyCollection<string> types,
        int limit,
        CancellationToken cancellationToken = default) => ReadForwardAsync(afterSeq, toSeq, types, limit, cancellationToken);

    private async Task<IReadOnlyList<StoredEvent>> ReadForwardAsync(
        long afterSeq, long toSeq, IReadOnlyCollection<string>? types, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var command = dataSource.CreateCommand(types is null
            ? $"select {EventRows.Columns} from events where seq > @after and seq <= @to order by seq limit @limit"
            : $"select {EventRows.Columns} from events where seq > @after and seq <= @to and type = any(@types) order by seq limit @limit");
        command.Parameters.AddWithValue("after", afterSeq);
        command.Parameters.AddWithValue("to", toSeq);
        if (types is not null) command.Parameters.AddWithValue("types", types.ToArray());
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
        // pages grow from a small first one: a reader that stops after a few events reads few
        var pageSize = 500;
        var after = afterSeq;
        while (after < toSeq)
        {
            var page = await ReadForwardAsync(after, toSeq, null, pageSize, cancellationToken);
            if (page.Count == 0) yield break;
            foreach (var e in page)
            {
                yield return e;
                after = e.Seq;
            }
            if (page.Count < pageSize) yield break;
            pageSize = Math.Min(pageSize * 2, 5_000);
        }
    }

    /// <summary>The events among <paramref name="ids"/> that the log holds, by id, in one query.</summary>
    public async Task<IReadOnlyDictionary<Guid, StoredEvent>> ReadEventsAsync(Guid[] ids, CancellationToken cancellationToken = default)
    {
        if (ids.Length == 0) return new Dictionary<Guid, StoredEvent>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await EventRows.FindAsync(connection, null, ids, cancellationToken);
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

    /// <summary>
    /// Where the recording of <paramref name="kind"/> left off: the source's resourceVersion (metadata.source.resourceVersion)
    /// of the last event appended for it, or null when it recorded nothing so. That is kept with the events
    /// (<see cref="Runtime.CommandContext.Recording"/>, migration 0016); for a kind recorded only before that, the last
    /// event whose correlation id begins with one of <paramref name="correlationPrefixes"/>, searched backwards once and
    /// kept in the row.
    /// </summary>
    public async Task<string?> LastSourceVersionAsync(string kind, IReadOnlyList<string> correlationPrefixes, CancellationToken cancellationToken = default)
    {
        await using (var kept = dataSource.CreateCommand("select resource_version from source_positions where kind = $1"))
        {
            kept.Parameters.Add(new NpgsqlParameter { Value = kind });
            if (await kept.ExecuteScalarAsync(cancellationToken) is string version) return version;
        }
        string found;
        long seq;
        await using (var command = dataSource.CreateCommand(
            "select metadata->'source'->>'resourceVersion', seq from events where metadata->>'correlationId' like any(@prefixes) order by seq desc limit 1"))
        {
            command.Parameters.AddWithValue("prefixes", correlationPrefixes.Select(p => p.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%").ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken) || reader.IsDBNull(0)) return null;
            (found, seq) = (reader.GetString(0), reader.GetInt64(1));
        }
        // kept from now on, so the next start reads the row (one a recording append wrote meanwhile is newer, and stays)
        await using (var keep = dataSource.CreateBatch())
        {
            keep.BatchCommands.Add(EventRows.SourcePosition(kind, found, seq, unlessKept: true));
            await keep.ExecuteNonQueryAsync(cancellationToken);
        }
        return found;
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

    /// <summary>The version and last seq of each of these streams that the log holds (read without the lock).</summary>
    public async Task<IReadOnlyList<(string Stream, long Version, long Seq)>> StreamPositionsAsync(
        IEnumerable<string> streams, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await StreamVersions.PositionsAsync(connection, null, streams, cancellationToken);
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
        AppendValidation.Validate(appends);
        if (beforeCommit is null && !bulk) return await OneTripAsync(appends, order, recordedAt, cancellationToken);
        AppendResult result;
        try
        {
            await using var session = await BeginAppendAsync(cancellationToken);
            result = await session.AppendCoreAsync(appends, order, bulk, recordedAt, beforeCommit, cancellationToken);
            if (result is AppendSuccess { AlreadyStored: false }) await session.CommitAsync(cancellationToken);
        }
        catch (PostgresException e) when (bulk && e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "events_id_key" })
        {
            // the COPY met an id already stored, and the transaction rolled back: a retry, or a collision
            return await LookCloserAsync(appends, order, recordedAt, cancellationToken);
        }
        // a bulk append does not look its ids up before it writes (thousands of index probes for a retry that is rare):
        // a stream not where it was expected may be the retry of an append that succeeded, told apart ids first
        return bulk && result is AppendConflict ? await LookCloserAsync(appends, order, recordedAt, cancellationToken) : result;
    }

    /// <summary>The channel every commit notifies (with the new head) so other processes learn of it without polling.</summary>
    public const string NotifyChannel = "eventengine_events";

    /// <summary>The SQLSTATE the append functions raise for a stream (or the whole log) not where the writer expected it.</summary>
    internal const string ConflictState = "EE409";

    /// <summary>
    /// An append in one round trip and one commit, sent outside a transaction block: its statements are one implicit
    /// transaction. One stream's append (of a few events) is the lock, then one statement that moves the stream, reads the
    /// head and inserts (<see cref="OneStream"/>); several streams' (or many events') is <c>eventengine_append</c> (migrations 0012 and 0013), which
    /// does the same for each stream in turn. Both notify. A stream not where the caller expected (no row comes back,
    /// or SQLSTATE EE409), or an id already stored (a unique violation), is looked at again on the slower path: it tells
    /// a conflict from a retry or a collision.
    /// </summary>
    private async Task<AppendResult> OneTripAsync(
        IReadOnlyList<StreamAppend> appends, IReadOnlyList<OrderedEvent>? order, DateTimeOffset? recordedAt, CancellationToken cancellationToken)
    {
        var now = StoredPrecision(recordedAt ?? clock.GetUtcNow());
        var events = order ?? appends.SelectMany(a => a.Events.Select(e => new OrderedEvent(a.Stream, e))).ToList();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        var oneStream = appends.Count == 1 && events.Count <= OneStreamEvents;
        if (oneStream)
        {
            batch.BatchCommands.Add(EventRows.Lock());
            batch.BatchCommands.Add(OneStream(appends[0], events, now));
        }
        else
        {
            batch.BatchCommands.Add(ManyStreams(appends, events, now));
        }

        var positions = new Dictionary<Guid, (long Seq, long Version)>(events.Count);
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            if (oneStream) await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) positions[reader.GetGuid(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }
        catch (PostgresException e) when (e.SqlState is ConflictState or PostgresErrorCodes.UniqueViolation)
        {
            // the statements were one transaction, rolled back by the server. A stream moved (a conflict, or the retry
            // of an append that succeeded), an id already stored (a retry, or a collision), or a row written behind the
            // store's back: look closer under the lock, ids first. That may append after all (another writer moved the
            // stream to where this one expected it, or a row written behind the store's back had taken the seq this
            // statement drew), and then the append is made once, there
            return await LookCloserAsync(appends, order, recordedAt, cancellationToken);
        }
        // the stream was not at the version expected, and nothing was written: a conflict, or the retry of an append that
        // succeeded (or, as above, the stream has since moved to where this one expected it)
        if (positions.Count == 0) return await LookCloserAsync(appends, order, recordedAt, cancellationToken);

        var stored = events.Select(e => new StoredEvent(positions[e.Event.Id].Seq, e.Event.Id, e.Stream, positions[e.Event.Id].Version,
            e.Event.Type, e.Event.Data, e.Event.Metadata, now)).OrderBy(e => e.Seq).ToList();
        var versions = stored.GroupBy(e => e.Stream, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Max(e => e.Version), StringComparer.Ordinal);
        return new AppendSuccess(stored, versions, AlreadyStored: false);
    }

    private async Task<AppendResult> LookCloserAsync(
        IReadOnlyList<StreamAppend> appends, IReadOnlyList<OrderedEvent>? order, DateTimeOffset? recordedAt, CancellationToken cancellationToken)
    {
        await using var session = await BeginAppendAsync(cancellationToken);
        var result = await session.AppendCoreAsync(appends, order, bulk: false, recordedAt, null, cancellationToken);
        if (result is AppendSuccess { AlreadyStored: false }) await session.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// The most events one stream's append sends as parameters of their own (<see cref="OneStream"/>): each count is a
    /// statement of its own, prepared on the server once used twice (with the three forms of the stream's move, twelve
    /// of the 64 a connection keeps prepared). More go as arrays, to <c>eventengine_append</c>.
    /// </summary>
    private const int OneStreamEvents = 4;

    /// <summary>
    /// One stream's append as one statement, to follow the append lock in the same transaction: the stream's row moves
    /// as its expected version allows (no row when it is not there: nothing is inserted then), the seqs follow the head
    /// the statement reads, the versions the stream's new one, and the last event notifies. Each event's values are
    /// parameters of their own, not arrays: for the one event of most appends, the statement the server runs is an
    /// insert of one row, as a client's own would be.
    /// </summary>
    private static NpgsqlBatchCommand OneStream(StreamAppend append, IReadOnlyList<OrderedEvent> events, DateTimeOffset now)
    {
        // $1 stream, $2 its number of events, $3 now, $4 the expected version, $5 the channel, then four per event
        var moved = append.ExpectedVersion switch
        {
            ExpectedVersion.Any => """
                insert into streams as s (stream, version, created_at, updated_at) values ($1, $2, $3, $3)
                on conflict on constraint streams_pkey do update set version = s.version + excluded.version, updated_at = excluded.updated_at
                returning s.version
                """,
            ExpectedVersion.NoStream => """
                insert into streams as s (stream, version, created_at, updated_at) values ($1, $2, $3, $3)
                on conflict on constraint streams_pkey do nothing returning s.version
                """,
            _ => "update streams s set version = s.version + $2, updated_at = $3 where s.stream = $1 and s.version = $4 returning s.version",
        };
        var rows = string.Join(", ", events.Select((_, i) => $"({i + 1}, ${6 + 4 * i}::uuid, ${7 + 4 * i}, ${8 + 4 * i}::jsonb, ${9 + 4 * i}::jsonb)"));
        var command = new NpgsqlBatchCommand($"""
            with moved as ({moved}),
            head as (select coalesce(max(seq), 0) as seq from events),
            added as (
                insert into events (seq, id, stream, version, type, data, metadata, recorded_at)
                select head.seq + t.n, t.id, $1, moved.version - $2 + t.n, t.type, t.data, t.metadata, $3
                from moved, head, (values {rows}) as t(n, id, type, data, metadata)
                returning id, seq, version)
            select added.id, added.seq, added.version, case when added.version = moved.version then pg_notify($5, added.seq::text) end
            from added, moved
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = append.Stream });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)events.Count });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = append.ExpectedVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = NotifyChannel });
        foreach (var e in events)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = e.Event.Id });
            command.Parameters.Add(new NpgsqlParameter { Value = e.Event.Type });
            command.Parameters.Add(new NpgsqlParameter { Value = e.Event.Data });
            command.Parameters.Add(new NpgsqlParameter { Value = MetadataJson.Serialize(e.Event.Metadata) });
        }
        return command;
    }

    /// <summary>Several streams' append as one call of <c>eventengine_append</c>, which takes the lock itself.</summary>
    private static NpgsqlBatchCommand ManyStreams(IReadOnlyList<StreamAppend> appends, IReadOnlyList<OrderedEvent> events, DateTimeOffset now)
    {
        var counts = appends.ToDictionary(a => a.Stream, a => a.Events.Count, StringComparer.Ordinal);
        var inStream = new Dictionary<string, int>(StringComparer.Ordinal);
        var ordinals = events.Select(e => (long)(inStream[e.Stream] = inStream.GetValueOrDefault(e.Stream) + 1)).ToArray();
        var append = new NpgsqlBatchCommand("select id, seq, version from eventengine_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)");
        append.Parameters.Add(new NpgsqlParameter { Value = AppendLockKey });
        append.Parameters.Add(new NpgsqlParameter { Value = NotifyChannel });
        append.Parameters.Add(new NpgsqlParameter { Value = now });
        append.Parameters.Add(new NpgsqlParameter { Value = appends.Select(a => a.Stream).ToArray() });
        append.Parameters.Add(new NpgsqlParameter { Value = appends.Select(a => (long)a.Events.Count).ToArray() });
        append.Parameters.Add(new NpgsqlParameter { Value = appends.Select(a => a.ExpectedVersion).ToArray() });
        append.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Event.Id).ToArray() });
        append.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Stream).ToArray() });
        append.Parameters.Add(new NpgsqlParameter { Value = ordinals });
        append.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => (long)counts[e.Stream]).ToArray() });
        append.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Event.Type).ToArray() });
        append.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Event.Data).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Jsonb });
        append.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => MetadataJson.Serialize(e.Event.Metadata)).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Jsonb });
        return append;
    }

    /// <summary>The stream and its actual version from an EE409 error, whose message is '&lt;actual&gt; &lt;stream&gt;' (see migration 0008).</summary>
    private static (string Stream, long Actual) Conflicted(PostgresException e)
    {
        var space = e.MessageText.IndexOf(' ');
        return (e.MessageText[(space + 1)..], long.Parse(e.MessageText.AsSpan(0, space), System.Globalization.CultureInfo.InvariantCulture));
    }

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
        catch (PostgresException e) when (e.SqlState == ConflictState)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            var (stream, actual) = Conflicted(e);
            return new AppendConflict(stream, appends.FirstOrDefault(a => a.Stream == stream)?.ExpectedVersion ?? 0, actual);
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
        // looked up under the lock, so a retry racing its own first attempt sees that attempt's rows; a bulk append
        // leaves it to the ids' unique key and looks only when that refuses one (see AppendCoreAsync)
        if (!bulk)
        {
            var alreadyStored = await EventRows.FindAsync(
                connection, transaction, appends.SelectMany(a => a.Events).Select(e => e.Id).ToArray(), cancellationToken);
            if (alreadyStored.Count > 0)
            {
                return AppendRetry.Judge(appends, alreadyStored);
            }
        }

        var now = StoredPrecision(recordedAt ?? clock.GetUtcNow());
        var (versions, head) = await EventRows.AdvanceAsync(connection, transaction, appends, now, cancellationToken);

        // seqs follow the head in the caller's order (or stream by stream); versions stay consecutive within each stream
        var counts = appends.ToDictionary(a => a.Stream, a => a.Events.Count, StringComparer.Ordinal);
        var next = versions.ToDictionary(v => v.Key, v => v.Value - counts[v.Key], StringComparer.Ordinal);
        var events = order ?? appends.SelectMany(a => a.Events.Select(e => new OrderedEvent(a.Stream, e))).ToList();
        var stored = events.Select((e, i) => new StoredEvent(head + i + 1, e.Event.Id, e.Stream, ++next[e.Stream], e.Event.Type, e.Event.Data, e.Event.Metadata, now)).ToList();
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

        await using (var after = new NpgsqlBatch(connection, transaction))
        {
            foreach (var command in EventRows.AfterInsert()) after.BatchCommands.Add(command);
            await after.ExecuteNonQueryAsync(cancellationToken);
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
