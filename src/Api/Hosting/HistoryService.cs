using EventEngine.Projections.History;

namespace EventEngine.Api.Hosting;

/// <summary>Runs the history recorder (snapshots, live fingerprints) in the background.</summary>
internal sealed class HistoryService(IServiceProvider services) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        services.GetRequiredService<HistoryRecorder>().RunAsync(stoppingToken);
}
