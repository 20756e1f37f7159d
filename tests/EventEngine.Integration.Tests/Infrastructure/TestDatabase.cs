using EventEngine.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>
/// A fresh database on the test server (see <see cref="TestPostgres"/>), migrated unless asked
/// not to, and dropped on dispose: tests that each own one are isolated and can run in parallel.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string serverConnectionString;

    private TestDatabase(string serverConnectionString, string name)
    {
        this.serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    /// <summary>The database name, unique to this instance.</summary>
    public string Name { get; }

    /// <summary>Connects to this database; hand it to the API as <c>ConnectionStrings:Events</c>.</summary>
    public string ConnectionString { get; }

    /// <summary>A data source on this database.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Creates a database, with the embedded migrations applied when <paramref name="migrate"/> is true.</summary>
    public static async Task<TestDatabase> CreateAsync(bool migrate = true)
    {
        var server = await TestPostgres.ConnectionStringAsync();
        var database = new TestDatabase(server, $"test_{Guid.NewGuid():N}");
        await database.OnServerAsync($"create database \"{database.Name}\"");
        if (migrate)
        {
            await database.Migrator().RunAsync();
        }

        return database;
    }

    /// <summary>An event store on this database, with the given clock (default: the system clock).</summary>
    public EventStore Store(TimeProvider? clock = null) => new(DataSource, clock ?? TimeProvider.System);

    /// <summary>A migration runner on this database.</summary>
    public MigrationRunner Migrator() => new(DataSource, NullLogger<MigrationRunner>.Instance);

    /// <summary>Runs a scalar query on this database.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs a statement on this database.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await OnServerAsync($"drop database if exists \"{Name}\" with (force)");
    }

    private async Task OnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
