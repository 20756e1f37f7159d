using EventEngine.Runtime;

namespace EventEngine.Api.Hosting;

/// <summary>
/// Does what time makes due, on the leading process only: the simulated kubelet's readiness reports and the
/// controller's time-based work (backoffs, minReadySeconds, toleration expiry), and a full reconcile when another
/// process appended (its commands settle themselves; what they make due later is the leader's to do). With the manual
/// clock, POST /engine/v1/clock does the time-driven part instead.
/// </summary>
internal sealed class EngineScheduler(IServiceProvider services, TimeProvider clock, ILogger<EngineScheduler> logger)
    : BackgroundService
{
    /// <summary>Availability is strict (ready + minReadySeconds &lt; now): wake just after the moment.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(5);

    private readonly SemaphoreSlim _changed = new(0);
    private long _heard;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // resolved once started: the runtime needs the database, which starts before this service runs
        var runtime = services.GetRequiredService<EngineRuntime>();
        var kubelet = services.GetRequiredService<SimulatedKubelet>();
        var lease = services.GetRequiredService<LeaderLease>();
        runtime.Changed += () => _changed.Release();
        lease.LogMoved += head =>
        {
            if (head <= runtime.Head) return; // our own commit, already folded
            Interlocked.Exchange(ref _heard, head);
            _changed.Release();
        };
        lease.Acquired += _ =>
        {
            _changed.Release();
            return Task.CompletedTask;
        };
        if (clock is ManualClock) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = lease.IsLeader ? EventEngine.Reconciliation.Plan.Earliest(runtime.WakeAt, kubelet.NextDue(runtime.State)) : null;
            var wait = next is { } at ? at + Slack - clock.GetUtcNow() : Timeout.InfiniteTimeSpan;
            if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            var woken = await _changed.WaitAsync(wait, stoppingToken);
            if (!lease.IsLeader) continue;
            // woken by a local command: its settle already knows what it made due; by another process: look at everything
            if (woken && Interlocked.Exchange(ref _heard, 0) == 0) continue;
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
