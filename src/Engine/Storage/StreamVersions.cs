using Npgsql;

namespace EventEngine.Storage;

/// <summary>
/// Reads a stream's version from the <c>streams</c> table. Versions move only in the append functions
/// (<c>eventengine_advance_streams</c>, migration 0008), where the check and the move are one statement.
/// </summary>
public static class StreamVersions
{
    /// <summary>The stream's version, 0 when it does not exist.</summary>
    internal static async Task<long> GetAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        string stream,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select version from streams where stream = @stream", connection, transaction);
        command.Parameters.AddWithValue("stream", stream);
        return await command.ExecuteScalarAsync(cancellationToken) is long v ? v : 0;
    }

    /// <summary>The version and last seq of each of these streams that the log holds.</summary>
    public static async Task<IReadOnlyList<(string Stream, long Version, long Seq)>> PositionsAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        IEnumerable<string> streams,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select s.stream, s.version, e.seq from streams s join events e on e.stream = s.stream and e.version = s.version
            where s.stream = any($1)
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streams.ToArray() });
        var positions = new List<(string, long, long)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) positions.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        return positions;
    }
}
