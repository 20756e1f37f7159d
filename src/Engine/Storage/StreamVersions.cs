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

    /// <summary>Adds <paramref name="count"/> to the stream's version; null when it was not at <paramref name="expected"/>.</summary>
    public static async Task<long?> TryAdvanceAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        string stream,
        long expected,
        int count,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var sql = expected switch
        {
            ExpectedVersion.Any => AnySql,
            ExpectedVersion.NoStream => NoStreamSql,
            _ => ExpectedSql,
        };
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("stream", stream);
        command.Parameters.AddWithValue("count", (long)count);
        command.Parameters.AddWithValue("now", now);
        if (sql == ExpectedSql)
        {
            command.Parameters.AddWithValue("expected", expected);
        }

        var version = await command.ExecuteScalarAsync(cancellationToken);
        return version is long v ? v : null;
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
