using EventEngine.Storage;
using Npgsql;

namespace EventEngine.Api.Hosting;

/// <summary>
/// Brings the event database up before the server takes requests: the one named by
/// <c>ConnectionStrings:Events</c>, or else an embedded PostgreSQL under
/// <c>{Engine:DataDirectory}/pg</c>; then applies the migrations. Stops the embedded server on shutdown.
/// </summary>
internal sealed class EventDatabase(IConfiguration configuration, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    public const string DefaultDataDirectory = ".eventengine";

    private EmbeddedPostgres? embedded;
    private NpgsqlDataSource? dataSource;

    /// <summary>The database, once started.</summary>
    public NpgsqlDataSource DataSource =>
        dataSource ?? throw new InvalidOperationException("The event database is not started yet.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connectionString = configuration.GetConnectionString("Events");
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                var directory = configuration["Engine:DataDirectory"] is { Length: > 0 } configured ? configured : DefaultDataDirectory;
                embedded = await EmbeddedPostgres.StartAsync(
                    new EmbeddedPostgresOptions { DataDirectory = Path.Combine(directory, "pg") },
                    loggers.CreateLogger<EmbeddedPostgres>(),
                    cancellationToken);
                connectionString = embedded.ConnectionString;
            }

            dataSource = NpgsqlDataSource.Create(Tuned(connectionString));
            await MigrateWhenReachableAsync(dataSource, cancellationToken);
        }
        catch
        {
            // the host does not stop a service whose start failed; do not leave a server behind
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Pooled connections as the engine uses them, unless the connection string says otherwise: no DISCARD ALL when one
    /// goes back to the pool (the engine leaves no session state on pooled connections: its locks and LISTEN live on
    /// connections it keeps), and statements it sends again and again prepared on the server.
    /// </summary>
    internal static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new HashSet<string>(connectionString.Split(';').Select(p => p.Split('=')[0].Trim().Replace(" ", "")), StringComparer.OrdinalIgnoreCase);
        if (!given.Contains("NoResetOnClose")) builder.NoResetOnClose = true;
        if (!given.Contains("MaxAutoPrepare")) builder.MaxAutoPrepare = 64;
        if (!given.Contains("AutoPrepareMinUsages")) builder.AutoPrepareMinUsages = 2;
        return builder.ConnectionString;
    }

    /// <summary>
    /// A database that is not up yet (it starts beside the server, or is being restarted) is waited for, not given up
    /// on: the server tries again, a little longer each time up to five seconds, saying so, until it answers.
    /// </summary>
    private async Task MigrateWhenReachableAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger<EventDatabase>();
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await new MigrationRunner(database, loggers.CreateLogger<MigrationRunner>()).RunAsync(cancellationToken);
                if (attempt > 1) logger.LogInformation("The database answered after {Attempts} attempts", attempt);
                return;
            }
            catch (Exception e) when (Http.Problems.Handler.Unavailable(e) && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Waiting for the database (attempt {Attempt}): {Message}", attempt, e.Message);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (dataSource is not null)
        {
            await dataSource.DisposeAsync();
        }

        if (embedded is not null)
        {
            await embedded.DisposeAsync();
        }
    }
}
