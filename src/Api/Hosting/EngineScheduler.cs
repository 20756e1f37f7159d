using EventEngine.Runtime;

namespace EventEngine.Api.Hosting;

/// <summary>
/// Does what time makes due on the system clock: the simulated kubelet's readiness reports and the controller's
/// time-based work (backoffs, minReadySeconds, toleration expiry). With the manual clock, POST /engine/v1/clock
/// does it instead.
/// </summary>
internal sealed class EngineScheduler(IServiceProvider services, TimeProvider clock, ILogger<EngineScheduler> logger)
    : BackgroundService
{
    /// <summary>Availability is strict (ready + minReadySeconds &lt; now): wake just after the moment.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(5);

    private readonly SemaphoreSlim _changed = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (clock is ManualClock) return;
        // resolved once started: the runtime needs the database, which starts before this service runs
        var runtime = services.GetRequiredService<EngineRuntime>();
        var kubelet = services.GetRequiredService<SimulatedKubelet>();
        runtime.Changed += () => _changed.Release();
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = EventEngine.Reconciliation.Plan.Earliest(runtime.WakeAt, kubelet.NextDue(runtime.State));
            var wait = next is { } at ? at + Slack - clock.GetUtcNow() : Timeout.InfiniteTimeSpan;
            if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            if (await _changed.WaitAsync(wait, stoppingToken)) continue;
            try
            {
                await kubelet.ReportDueAsync(stoppingToken);
                await runtime.TickAsync(CommandContext.System(CommandContext.ClockActor), stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // a failed tick is retried on the next wake-up; the log is never half-written
                logger.LogError(e, "Scheduled reconcile failed");
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

}
