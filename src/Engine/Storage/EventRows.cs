using Npgsql;
using NpgsqlTypes;

namespace EventEngine.Storage;

/// <summary>Reads and writes rows of the <c>events</c> table.</summary>
internal static class EventRows
{
    public const string Columns = "seq, id, stream, version, type, data, metadata, recorded_at";

    /// <summary>An event with its stream and version decided, before it has a seq.</summary>
    public sealed record Pending(string Stream, long Version, NewEvent Event);

    /// <summary>
    /// Draws one seq per event and returns the events as they will read back. Seqs are drawn
    /// here, under the append lock, rather than by the insert, so the plain insert and the COPY
    /// path number events the same way; the data goes through jsonb once so the append's result
    /// carries the same text as every later read (a projection written inline and one rebuilt
    /// from the log then see identical bytes).
    /// </summary>
    public static async Task<IReadOnlyList<StoredEvent>> PrepareAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        IReadOnlyList<Pending> pending,
        DateTimeOffset recordedAt,
        CancellationToken cancellationToken)
    {
        const string sql = """
            select t.ord, t.data::jsonb::text, nextval(pg_get_serial_sequence('events', 'seq'))
            from unnest(@data::text[]) with ordinality as t(data, ord)
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("data", pending.Select(p => p.Event.Data).ToArray());

        var data = new string[pending.Count];
        var seqs = new List<long>(pending.Count);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                data[reader.GetInt64(0) - 1] = reader.GetString(1);
                seqs.Add(reader.GetInt64(2));
            }
        }

        seqs.Sort();
        return pending
            .Select((p, i) => new StoredEvent(
                seqs[i], p.Event.Id, p.Stream, p.Version, p.Event.Type, data[i], p.Event.Metadata, recordedAt))
            .ToList();
    }

    /// <summary>Inserts prepared events with one multi-row statement.</summary>
    public static async Task InsertAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        IReadOnlyList<StoredEvent> events,
        CancellationToken cancellationToken)
    {
        const string sql = """
            insert into events (seq, id, stream, version, type, data, metadata, recorded_at)
            overriding system value
            select seq, id, stream, version, type, data, metadata, @recorded_at
            from unnest(@seq, @id, @stream, @version, @type, @data, @metadata)
                as t(seq, id, stream, version, type, data, metadata)
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("seq", events.Select(e => e.Seq).ToArray());
        command.Parameters.AddWithValue("id", events.Select(e => e.Id).ToArray());
        command.Parameters.AddWithValue("stream", events.Select(e => e.Stream).ToArray());
        command.Parameters.AddWithValue("version", events.Select(e => e.Version).ToArray());
        command.Parameters.AddWithValue("type", events.Select(e => e.Type).ToArray());
        command.Parameters.AddWithValue("data", NpgsqlDbType.Array | NpgsqlDbType.Jsonb, events.Select(e => e.Data).ToArray());
        command.Parameters.AddWithValue(
            "metadata", NpgsqlDbType.Array | NpgsqlDbType.Jsonb, events.Select(e => MetadataJson.Serialize(e.Metadata)).ToArray());
        command.Parameters.AddWithValue("recorded_at", events[0].RecordedAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
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
        NpgsqlTransaction transaction,
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
