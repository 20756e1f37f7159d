using EventEngine.Projections.History;
using EventEngine.Runtime;

namespace EventEngine.Api.Hosting;

/// <summary>
/// Folds the log into the live state before the server takes requests. The runtime is resolved here, not
/// injected: hosted services are built before any starts, and the runtime needs the started database.
/// </summary>
internal sealed class EngineStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var runtime = services.GetRequiredService<EngineRuntime>();
        runtime.Committed += services.GetRequiredService<HistoryRecorder>().Enqueue;
        return runtime.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
