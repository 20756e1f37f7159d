using Npgsql;
using NpgsqlTypes;

namespace EventEngine.Storage;

/// <summary>Reads and writes rows of the <c>events</c> table.</summary>
internal static class EventRows
{
    public const string Columns = "seq, id, stream, version, type, data, metadata, recorded_at";

    /// <summary>The append lock (see <see cref="EventStore.AppendLockKey"/>), held to the end of the transaction.</summary>
    public static NpgsqlBatchCommand Lock()
    {
        var command = new NpgsqlBatchCommand("select pg_advisory_xact_lock($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = EventStore.AppendLockKey });
        return command;
    }

    /// <summary>Checks and moves every stream's version (SQLSTATE EE409 when one is not where expected); returns the new versions.</summary>
    private static NpgsqlBatchCommand AdvanceStreams(IReadOnlyList<StreamAppend> appends, DateTimeOffset now)
    {
        var command = new NpgsqlBatchCommand("select stream, version from eventengine_advance_streams($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter { Value = appends.Select(a => a.Stream).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = appends.Select(a => (long)a.Events.Count).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = appends.Select(a => a.ExpectedVersion).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        return command;
    }

    /// <summary>Moves the streams and reads the head, in one round trip: the new version of each stream, and the last seq.</summary>
    public static async Task<(Dictionary<string, long> Versions, long Head)> AdvanceAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StreamAppend> appends, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(AdvanceStreams(appends, now));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("select coalesce(max(seq), 0) from events"));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken)) versions[reader.GetString(0)] = reader.GetInt64(1);
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (versions, reader.GetInt64(0));
    }

    /// <summary>What follows every insert, before the commit: the commit's notification, with the new head.</summary>
    public static IEnumerable<NpgsqlBatchCommand> AfterInsert()
    {
        var notify = new NpgsqlBatchCommand("select pg_notify($1, (select max(seq) from events)::text)");
        notify.Parameters.Add(new NpgsqlParameter { Value = EventStore.NotifyChannel });
        yield return notify;
    }

    /// <summary>Inserts events whose seqs and versions are already decided (one statement, each row sent once).</summary>
    public static NpgsqlBatchCommand Insert(IReadOnlyList<StoredEvent> events)
    {
        var command = new NpgsqlBatchCommand("""
            insert into events (seq, id, stream, version, type, data, metadata, recorded_at)
            select seq, id, stream, version, type, data, metadata, recorded_at
            from unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::jsonb[], $7::jsonb[], $8::timestamptz[])
                as t(seq, id, stream, version, type, data, metadata, recorded_at)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Seq).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Stream).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Version).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Type).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Data).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => MetadataJson.Serialize(e.Metadata)).ToArray() });
        // each its own time: a group's commands share the clock's, but an import's keep their source's
        command.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.RecordedAt).ToArray() });
        return command;
    }

    /// <summary>Sets each stream to the version its last event here has (the caller decided the versions under the lock).</summary>
    public static NpgsqlBatchCommand SetStreams(IReadOnlyList<StoredEvent> events)
    {
        var last = events.GroupBy(e => e.Stream, StringComparer.Ordinal).Select(g => (Stream: g.Key, Version: g.Max(e => e.Version))).ToList();
        var command = new NpgsqlBatchCommand("""
            insert into streams as s (stream, version, created_at, updated_at) select t.stream, t.version, $3, $3 from unnest($1::text[], $2::bigint[]) as t(stream, version)
            on conflict on constraint streams_pkey do update set version = excluded.version, updated_at = excluded.updated_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = last.Select(l => l.Stream).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = last.Select(l => l.Version).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = events[0].RecordedAt });
        return command;
    }

    /// <summary>
    /// Where the recording of a kind stands: the source resourceVersion of its last event, stored with it (or, with
    /// <paramref name="unlessKept"/>, only where the kind has no row yet).
    /// </summary>
    public static NpgsqlBatchCommand SourcePosition(string kind, string resourceVersion, long seq, bool unlessKept = false)
    {
        var command = new NpgsqlBatchCommand($"""
            insert into source_positions (kind, resource_version, seq) values ($1, $2, $3)
            on conflict (kind) do {(unlessKept ? "nothing" : "update set resource_version = excluded.resource_version, seq = excluded.seq")}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = kind });
        command.Parameters.Add(new NpgsqlParameter { Value = resourceVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = seq });
        return command;
    }

    /// <summary>A command's receipt, stored with its events.</summary>
    public static NpgsqlBatchCommand Receipt(CommandReceipt receipt)
    {
        var command = new NpgsqlBatchCommand("insert into command_receipts (key, request_hash, first_seq, last_seq, response) values ($1, $2, $3, $4, $5)");
        command.Parameters.Add(new NpgsqlParameter { Value = receipt.Key });
        command.Parameters.Add(new NpgsqlParameter { Value = receipt.RequestHash });
        command.Parameters.Add(new NpgsqlParameter { Value = receipt.FirstSeq });
        command.Parameters.Add(new NpgsqlParameter { Value = receipt.LastSeq });
        command.Parameters.Add(new NpgsqlParameter { Value = receipt.Response });
        return command;
    }

    /// <summary>The receipts stored under any of these keys.</summary>
    public static async Task<IReadOnlyList<CommandReceipt>> ReceiptsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string[] keys, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "select key, request_hash, first_seq, last_seq, response from command_receipts where key = any($1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = keys });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var receipts = new List<CommandReceipt>();
        while (await reader.ReadAsync(cancellationToken))
            receipts.Add(new CommandReceipt(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4)));
        return receipts;
    }

    /// <summary>Events decided under the lock (seqs and versions known), with what commits beside them, as one batch.</summary>
    public static IEnumerable<NpgsqlBatchCommand> Decided(IReadOnlyList<StoredEvent> events, IEnumerable<NpgsqlBatchCommand> alongside)
    {
        yield return SetStreams(events);
        yield return Insert(events);
        foreach (var command in alongside) yield return command;
        foreach (var command in AfterInsert()) yield return command;
    }

    /// <summary>Ends a transaction begun by a statement batch that failed (the connection may be gone: nothing to do then).</summary>
    public static async Task RollbackAsync(NpgsqlConnection connection)
    {
        try
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var rollback = new NpgsqlCommand("rollback", connection);
                await rollback.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        catch (NpgsqlException)
        {
            // broken connection: the server rolled back already
        }
    }

    /// <summary>Inserts decided events with one multi-row statement.</summary>
    public static async Task InsertAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        IReadOnlyList<StoredEvent> events,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Insert(events));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Writes prepared events with binary COPY: the fast path for bulk loads.</summary>
    public static async Task CopyAsync(
        NpgsqlConnection connection,
        IReadOnlyList<StoredEvent> events,
        CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync(
            $"copy events ({Columns}) from stdin (format binary)", cancellationToken);
        foreach (var e in events)
        {
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(e.Seq, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(e.Id, NpgsqlDbType.Uuid, cancellationToken);
            await importer.WriteAsync(e.Stream, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(e.Version, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(e.Type, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(e.Data, NpgsqlDbType.Jsonb, cancellationToken);
            await importer.WriteAsync(MetadataJson.Serialize(e.Metadata), NpgsqlDbType.Jsonb, cancellationToken);
            await importer.WriteAsync(e.RecordedAt, NpgsqlDbType.TimestampTz, cancellationToken);
        }

        await importer.CompleteAsync(cancellationToken);
    }

    /// <summary>The stored events among <paramref name="ids"/>, by id.</summary>
    public static async Task<IReadOnlyDictionary<Guid, StoredEvent>> FindAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        Guid[] ids,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select {Columns} from events where id = any(@ids)", connection, transaction);
        command.Parameters.AddWithValue("ids", ids);
        return (await ReadAsync(command, cancellationToken)).ToDictionary(e => e.Id);
    }

    /// <summary>Runs a query selecting <see cref="Columns"/> and maps every row.</summary>
    public static async Task<IReadOnlyList<StoredEvent>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new StoredEvent(
                reader.GetInt64(0),
                reader.GetGuid(1),
                reader.GetString(2),
                reader.GetInt64(3),
                reader.GetString(4),
                reader.GetString(5),
                MetadataJson.Deserialize(reader.GetString(6)),
                reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return events;
    }
}
