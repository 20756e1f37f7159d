using EventEngine.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>
/// A fresh database on the test server (see <see cref="TestPostgres"/>), migrated unless asked
/// not to, and dropped on dispose: tests that each own one are isolated and can run in parallel.
/// A migrated one is a copy of one template database migrated once per set of migrations, so a
/// test pays for a file copy, not for running every migration again.
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

    private static readonly Lazy<Task<string>> Template = new(CreateTemplateAsync);

    /// <summary>Creates a database, with the embedded migrations applied when <paramref name="migrate"/> is true.</summary>
    public static async Task<TestDatabase> CreateAsync(bool migrate = true)
    {
        var server = await TestPostgres.ConnectionStringAsync();
        var database = new TestDatabase(server, $"test_{Guid.NewGuid():N}");
        var template = migrate ? $" template \"{await Template.Value}\"" : "";
        await database.OnServerAsync($"create database \"{database.Name}\"{template}");
        return database;
    }

    /// <summary>
    /// The migrated template, named after the migrations it holds: a server given by EVENTENGINE_TEST_PG keeps it for
    /// the next run, and a changed migration gets a template of its own. It is built under a temporary name and renamed
    /// when complete, so a run racing this one never copies a half-migrated template.
    /// </summary>
    private static async Task<string> CreateTemplateAsync()
    {
        var server = await TestPostgres.ConnectionStringAsync();
        var checksums = string.Join(",", Migration.Embedded().OrderBy(m => m.Name, StringComparer.Ordinal).Select(m => m.Name + ":" + m.Checksum));
        var name = "eventengine_template_" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(checksums)))[..16].ToLowerInvariant();
        if (await ExistsAsync(server, name)) return name;

        var building = new TestDatabase(server, $"building_{Guid.NewGuid():N}");
        await building.OnServerAsync($"create database \"{building.Name}\"");
        await building.Migrator().RunAsync();
        await building.DataSource.DisposeAsync();
        try
        {
            await building.OnServerAsync($"alter database \"{building.Name}\" rename to \"{name}\"");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            await building.OnServerAsync($"drop database if exists \"{building.Name}\" with (force)");
        }
        return name;
    }

    private static async Task<bool> ExistsAsync(string server, string name)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select exists (select 1 from pg_database where datname = @name)", connection);
        command.Parameters.AddWithValue("name", name);
        return (bool)(await command.ExecuteScalarAsync())!;
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
