using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventEngine.Storage;

/// <summary>
/// Applies <see cref="Migration"/>s in ordinal order, each in its own transaction, and records
/// each in <c>schema_migrations</c> with its checksum. An applied file that was edited since stops
/// the run: applied migrations are history, and a change goes in a new numbered file.
/// </summary>
public sealed class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    /// <summary>
    /// A session lock held for the whole run, so that two processes starting at once take turns:
    /// the second finds everything applied instead of applying it again.
    /// </summary>
    internal const long LockKey = 0x4D49_4752_4154; // "MIGRAT"

    private const string CreateTableSql = """
        create table if not exists schema_migrations (
            version    text        primary key,
            name       text        not null,
            checksum   text        not null,
            applied_at timestamptz not null default now()
        )
        """;

    /// <summary>Applies the migrations embedded in the engine; returns the names it applied.</summary>
    public Task<IReadOnlyList<string>> RunAsync(CancellationToken cancellationToken = default) =>
        RunAsync(Migration.Embedded(), cancellationToken);

    /// <summary>Applies <paramref name="migrations"/> that are not applied yet; returns the names it applied.</summary>
    public async Task<IReadOnlyList<string>> RunAsync(IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default)
    {
        var ordered = migrations.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
        var twice = ordered.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw new InvalidOperationException(
                $"Migrations {string.Join(" and ", twice.Select(m => m.Name))} share the number {twice.Key}.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await CallLockFunctionAsync(connection, "pg_advisory_lock", cancellationToken);
        try
        {
            await using (var create = new NpgsqlCommand(CreateTableSql, connection))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var applied = await ReadAppliedAsync(connection, cancellationToken);
            var done = new List<string>();
            foreach (var migration in ordered)
            {
                if (applied.Remove(migration.Version, out var record))
                {
                    EnsureUnchanged(migration, record);
                    continue;
                }

                var took = System.Diagnostics.Stopwatch.StartNew();
                await ApplyAsync(connection, migration, cancellationToken);
                logger.LogInformation("Applied migration {Migration} ({Milliseconds} ms)", migration.Name, took.ElapsedMilliseconds);
                done.Add(migration.Name);
            }

            foreach (var (_, unknown) in applied)
            {
                logger.LogWarning("Database has migration {Migration} applied, which this build does not know", unknown.Name);
            }

            return done;
        }
        finally
        {
            await CallLockFunctionAsync(connection, "pg_advisory_unlock", CancellationToken.None);
        }
    }

    private static void EnsureUnchanged(Migration migration, (string Name, string Checksum) record)
    {
        if (record.Name != migration.Name || record.Checksum != migration.Checksum)
        {
            throw new InvalidOperationException(
                $"Migration {migration.Name} was changed after it was applied as {record.Name} " +
                $"(checksum {record.Checksum}, now {migration.Checksum}). Applied migrations must not change: " +
                "restore the file and put the change in a new numbered migration.");
        }
    }

    private static async Task ApplyAsync(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using (var command = new NpgsqlCommand(migration.Sql, connection, transaction))
            {
                command.CommandTimeout = 0;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch (PostgresException e)
        {
            throw new InvalidOperationException($"Migration {migration.Name} failed: {e.MessageText}", e);
        }

        await using (var record = new NpgsqlCommand(
            "insert into schema_migrations (version, name, checksum) values (@version, @name, @checksum)", connection, transaction))
        {
            record.Parameters.AddWithValue("version", migration.Version);
            record.Parameters.AddWithValue("name", migration.Name);
            record.Parameters.AddWithValue("checksum", migration.Checksum);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<Dictionary<string, (string Name, string Checksum)>> ReadAppliedAsync(
        NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("select version, name, checksum from schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2));
        }

        return applied;
    }

    private static async Task CallLockFunctionAsync(NpgsqlConnection connection, string function, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select {function}(@key)", connection);
        command.Parameters.AddWithValue("key", LockKey);
        // another process may hold the lock for as long as its migrations take
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
