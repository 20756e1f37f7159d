using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventEngine.Api.Hosting;

/// <summary>
/// A private PostgreSQL server run from the local server programs: initdb on first use, pg_ctl
/// start on a free 127.0.0.1 port (no Unix socket), pg_ctl stop on dispose. It lets one command
/// run the engine, and the tests, on a machine without a database server set up.
/// </summary>
public sealed partial class EmbeddedPostgres : IAsyncDisposable
{
    private const int StartAttempts = 3;

    private readonly PostgresTool tool;
    private readonly ILogger logger;
    private readonly Lazy<Task> stop;

    private EmbeddedPostgres(PostgresBinaries binaries, PostgresTool tool, ILogger logger, string dataDirectory, int port, string database)
    {
        Binaries = binaries;
        this.tool = tool;
        this.logger = logger;
        DataDirectory = dataDirectory;
        Port = port;
        ConnectionString = ConnectionStringFor(port, database);
        stop = new(StopAsync);
    }

    /// <summary>The server programs this cluster runs on.</summary>
    public PostgresBinaries Binaries { get; }

    /// <summary>The cluster's data directory (absolute).</summary>
    public string DataDirectory { get; }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Connects as the superuser <c>postgres</c> to the application database.</summary>
    public string ConnectionString { get; }

    /// <summary>Initialises the cluster if needed, starts it, and creates the application database if missing.</summary>
    /// <exception cref="InvalidOperationException">No server programs were found (the message says how to install them), or a step failed.</exception>
    public static async Task<EmbeddedPostgres> StartAsync(
        EmbeddedPostgresOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        if (!DatabaseName().IsMatch(options.Database))
        {
            throw new ArgumentException($"Database name '{options.Database}' must be lower-case letters, digits and _.", nameof(options));
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The embedded PostgreSQL runs on Linux and macOS; set ConnectionStrings__Events instead.");
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        var binaries = PostgresBinaries.Find(options.SearchPath);
        var tool = new PostgresTool(logger);
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        await PrepareDataDirectoryAsync(binaries, tool, logger, dataDirectory, options.Durable, cancellationToken);

        var port = await StartServerAsync(binaries, tool, logger, dataDirectory, options.Durable, cancellationToken);
        var server = new EmbeddedPostgres(binaries, tool, logger, dataDirectory, port, options.Database);
        try
        {
            await server.CreateDatabaseAsync(options.Database, cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        logger.LogInformation("Embedded PostgreSQL is ready on 127.0.0.1:{Port}, database {Database} ({Seconds:0.0} s)", port, options.Database, started.Elapsed.TotalSeconds);
        return server;
    }

    /// <summary>Stops the server (pg_ctl stop -m fast); the data directory stays for the next start.</summary>
    /// <remarks>Every call, however many and from wherever (a host's stop and its container's disposal), returns once the server is down.</remarks>
    public ValueTask DisposeAsync() => new(stop.Value);

    private async Task StopAsync()
    {
        var outcome = await tool.RunAsync(Binaries.PgCtl, ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-s"], CancellationToken.None);
        if (outcome.ExitCode == 0)
        {
            logger.LogInformation("Stopped embedded PostgreSQL in {DataDirectory}", DataDirectory);
        }
        else
        {
            logger.LogWarning("Stopping embedded PostgreSQL in {DataDirectory} failed: {Output}", DataDirectory, outcome.Output.Trim());
        }
    }

    [UnsupportedOSPlatform("windows")]
    private static async Task PrepareDataDirectoryAsync(
        PostgresBinaries binaries, PostgresTool tool, ILogger logger, string dataDirectory, bool durable, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            // A server left running on this directory (a killed host process) holds it and its
            // port; stop it so this start owns the cluster. A stale postmaster.pid of a dead
            // process is pg_ctl's to clean up.
            var status = await tool.RunAsync(binaries.PgCtl, ["status", "-D", dataDirectory], cancellationToken);
            if (status.ExitCode == 0)
            {
                logger.LogWarning("A PostgreSQL server is still running on {DataDirectory}; stopping it first", dataDirectory);
                await tool.RunCheckedAsync(binaries.PgCtl, ["stop", "-D", dataDirectory, "-m", "fast", "-w", "-s"], cancellationToken);
            }

            return;
        }

        logger.LogInformation("Creating a PostgreSQL cluster in {DataDirectory} with {Binaries}", dataDirectory, binaries.Directory);
        // initdb wants the directory private to its owner
        Directory.CreateDirectory(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        tool.MakeAncestorsTraversable(dataDirectory);
        await tool.GiveToServiceUserAsync(dataDirectory, cancellationToken);
        string[] arguments = ["-D", dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"];
        var initdb = System.Diagnostics.Stopwatch.StartNew();
        await tool.RunCheckedAsync(binaries.InitDb, durable ? arguments : [.. arguments, "--no-sync"], cancellationToken);
        logger.LogInformation("Created the PostgreSQL cluster (initdb) in {Seconds:0.0} s", initdb.Elapsed.TotalSeconds);
    }

    private static async Task<int> StartServerAsync(
        PostgresBinaries binaries, PostgresTool tool, ILogger logger, string dataDirectory, bool durable, CancellationToken cancellationToken)
    {
        tool.MakeAncestorsTraversable(dataDirectory);
        var log = Path.Combine(dataDirectory, "postgres.log");
        for (var attempt = 1; ; attempt++)
        {
            // another process can take the free port between this probe and the server's bind; try again then
            var port = FreePort();
            var settings = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200";
            if (!durable)
            {
                settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            }

            logger.LogInformation("Starting embedded PostgreSQL in {DataDirectory} on 127.0.0.1:{Port}", dataDirectory, port);
            var outcome = await tool.RunAsync(
                binaries.PgCtl, ["start", "-D", dataDirectory, "-l", log, "-w", "-t", "60", "-s", "-o", settings], cancellationToken);
            if (outcome.ExitCode == 0)
            {
                await WaitForConnectionsAsync(port, cancellationToken);
                return port;
            }

            if (attempt == StartAttempts)
            {
                throw new InvalidOperationException(
                    $"PostgreSQL did not start in {dataDirectory}: {outcome.Output.Trim()}\n{Tail(log)}");
            }

            logger.LogWarning("PostgreSQL did not start on port {Port}, trying another: {Output}", port, outcome.Output.Trim());
        }
    }

    private static async Task WaitForConnectionsAsync(int port, CancellationToken cancellationToken)
    {
        // pg_ctl -w returns once the server says it is ready; this confirms that it takes TCP connections.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionStringFor(port, "postgres") + ";Pooling=false");
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }
    }

    private async Task CreateDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor(Port, "postgres") + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return;
        }

        try
        {
            await using var create = new NpgsqlCommand($"create database \"{database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Created database {Database}", database);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // created by another process in the meantime: that is what we wanted
        }
    }

    private static string ConnectionStringFor(int port, string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = database }.ConnectionString;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Tail(string log)
    {
        try
        {
            return string.Join('\n', File.ReadLines(log).TakeLast(20));
        }
        catch (IOException)
        {
            return "(no server log)";
        }
        catch (UnauthorizedAccessException)
        {
            return "(server log not readable)";
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    private static partial Regex DatabaseName();
}
