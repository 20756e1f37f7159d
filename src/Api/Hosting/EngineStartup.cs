using EventEngine.Projections.History;
using EventEngine.Projections.ReadModels;
using EventEngine.Runtime;

namespace EventEngine.Api.Hosting;

/// <summary>
/// Brings the read models to the log's head and folds the log into the live state before the server takes requests;
/// a process that takes the leader lease then reconciles what came due while no engine ran. The runtime is resolved
/// here, not injected: hosted services are built before any starts, and the runtime needs the started database.
/// </summary>
internal sealed class EngineStartup(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // the whole log's state read (and a rebuild, if one is due) is garbage once the live state stands
        using var read = services.GetRequiredService<MemoryTrim>().LargeRead();
        // read models a migration changed are rebuilt before anyone reads them
        if (await services.GetRequiredService<Rebuild>().CatchUpAsync(cancellationToken))
            services.GetRequiredService<ILogger<EngineStartup>>().LogInformation("Rebuilt the read models: they did not stand at the log's head");
        var runtime = services.GetRequiredService<EngineRuntime>();
        var lease = services.GetRequiredService<LeaderLease>();
        await runtime.StartAsync(reconcile: await lease.TryAcquireAsync(cancellationToken), cancellationToken,
            services.GetRequiredService<CurrentState>().LoadAsync);
        // the read models and the history commit with the events; what can lag is the live state, behind other processes' commits
        EngineMetrics.ObserveLag("live_state", () => Math.Max(0, lease.HeardHead - runtime.Head));
        // a standby that takes over catches up and does what came due while the leader was gone
        lease.Acquired += ct => runtime.TickAsync(CommandContext.System(CommandContext.ClockActor), ct);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Holds the leader lease, or stands by for it, for as long as the server runs.</summary>
internal sealed class LeaderService(IServiceProvider services) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        services.GetRequiredService<LeaderLease>().RunAsync(stoppingToken);
}
