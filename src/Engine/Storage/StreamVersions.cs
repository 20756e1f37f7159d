using Npgsql;

namespace EventEngine.Storage;

/// <summary>
/// Reads a stream's version from the <c>streams</c> table. Versions move only in the append functions
/// (<c>eventengine_advance_streams</c>, migration 0008), where the check and the move are one statement.
/// </summary>
internal static class StreamVersions
{
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
