using Npgsql;

namespace EventEngine.Storage;

/// <summary>
/// Moves a stream's version in the <c>streams</c> table. The check and the move are one
/// statement, so a conflict is a row count of zero, never an exception to interpret.
/// </summary>
internal static class StreamVersions
{
    private const string AnySql = """
        insert into streams (stream, version, created_at, updated_at) values (@stream, @count, @now, @now)
        on conflict (stream) do update set version = streams.version + excluded.version, updated_at = excluded.updated_at
        returning version
        """;

    private const string NoStreamSql = """
        insert into streams (stream, version, created_at, updated_at) values (@stream, @count, @now, @now)
        on conflict (stream) do nothing
        returning version
        """;

    private const string ExpectedSql = """
        update streams set version = version + @count, updated_at = @now
        where stream = @stream and version = @expected
        returning version
        """;

    /// <summary>How many version moves go in one round trip (a settle of a large cluster writes many streams).</summary>
    private const int BatchSize = 1_000;

    /// <summary>
    /// Adds each append's event count to its stream's version, many per round trip. Returns the new versions, or
    /// the first append (in the given order) whose stream was not at its expected version; the caller then rolls
    /// the transaction back.
    /// </summary>
    public static async Task<(Dictionary<string, long> Versions, StreamAppend? Conflict)> TryAdvanceAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        IReadOnlyList<StreamAppend> appends,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var chunk in appends.Chunk(BatchSize))
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var append in chunk)
            {
                batch.BatchCommands.Add(Advance(append, now));
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            foreach (var append in chunk)
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return (versions, append);
                }

                versions[append.Stream] = reader.GetInt64(0);
                await reader.NextResultAsync(cancellationToken);
            }
        }

        return (versions, null);
    }

    private static NpgsqlBatchCommand Advance(StreamAppend append, DateTimeOffset now)
    {
        var sql = append.ExpectedVersion switch
        {
            ExpectedVersion.Any => AnySql,
            ExpectedVersion.NoStream => NoStreamSql,
            _ => ExpectedSql,
        };
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddWithValue("stream", append.Stream);
        command.Parameters.AddWithValue("count", (long)append.Events.Count);
        command.Parameters.AddWithValue("now", now);
        if (sql == ExpectedSql)
        {
            command.Parameters.AddWithValue("expected", append.ExpectedVersion);
        }

        return command;
    }

    /// <summary>The stream's version, 0 when it does not exist.</summary>
    public static async Task<long> GetAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        string stream,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select version from streams where stream = @stream", connection, transaction);
        command.Parameters.AddWithValue("stream", stream);
        return await command.ExecuteScalarAsync(cancellationToken) is long v ? v : 0;
    }
}
