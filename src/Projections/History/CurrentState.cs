using System.Data;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;
using Npgsql;

namespace EventEngine.Projections.History;

/// <summary>
/// The live state read back at start-up instead of folding the whole log: every object's current version (the open
/// versions of the history), the positions of their streams and the head, read in one snapshot of the database. The history
/// is written in the appends' own transactions, so what the snapshot shows of it stands exactly at the head it shows.
/// </summary>
public sealed class CurrentState(NpgsqlDataSource db)
{
    /// <summary>The state at the log's head, or null when the read models do not stand there (they are rebuilt first).</summary>
    public async Task<StartingPoint?> LoadAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        long head, checkpoint;
        DateTimeOffset? recordedAt;
        await using (var command = new NpgsqlCommand("""
            select coalesce(max(seq), 0),
                   coalesce((select seq from proj_checkpoint where name = 'read_models'), 0),
                   (select recorded_at from events order by seq desc limit 1)
            from events
            """, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            (head, checkpoint) = (reader.GetInt64(0), reader.GetInt64(1));
            recordedAt = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);
        }
        if (head == 0 || checkpoint != head) return null;

        var rows = new List<HistoryReader.Stored>();
        await using (var command = new NpgsqlCommand("select kind, key, body from history_open", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) rows.Add(new(reader.GetChar(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2)));

        var state = ObjectHistory.StateOf(Sharing.Objects(TimeTravel.Deserialize(rows)));
        var positions = await StreamVersions.PositionsAsync(connection, transaction, Streams.Of(state), ct);
        await transaction.CommitAsync(ct);

        return new StartingPoint(head, state, positions, recordedAt);
    }
}
