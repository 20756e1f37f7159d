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
    private long _reconciledFolded;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // resolved once started: the runtime needs the database, which starts before this service runs
        var runtime = services.GetRequiredService<EngineRuntime>();
        var kubelet = services.GetRequiredService<SimulatedKubelet>();
        var lease = services.GetRequiredService<LeaderLease>();
        // what the start read folded was reconciled at start (or is, when this process takes the lease)
        _reconciledFolded = runtime.FoldedFromLog;
        runtime.Changed += () => _changed.Release();
        lease.LogMoved += head =>
        {
            if (head <= runtime.Head) return; // our own commit, already folded
            Interlocked.Exchange(ref _heard, head);
            _changed.Release();
        };
        lease.Acquired += _ =>
        {
            // a standby folded nothing while it waited: the new leader folds the log, then reconciles what it finds
            Interlocked.Exchange(ref _heard, 1);
            _changed.Release();
            return Task.CompletedTask;
        };
        if (clock is ManualClock) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = lease.IsLeader ? EventEngine.Reconciliation.Plan.Earliest(runtime.WakeAt, kubelet.NextDue()) : null;
            var wait = next is { } at ? at + Slack - clock.GetUtcNow() : Timeout.InfiniteTimeSpan;
            if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            var woken = await _changed.WaitAsync(wait, stoppingToken);
            if (!lease.IsLeader) continue;
            // woken by a local command: its settle already knows what it made due; by a commit: look whose it was
            var heard = Interlocked.Exchange(ref _heard, 0) != 0;
            // (a local group that met another process's append folded it: that counts as heard too)
            if (woken && !heard && runtime.FoldedFromLog == _reconciledFolded) continue;
            try
            {
                // a commit is heard before or after this process publishes it; once the log is folded, only other
                // processes' events count (our own commands settled themselves)
                if (heard) await runtime.RefreshAsync(stoppingToken);
                var now = clock.GetUtcNow();
                // read before the kubelet's reports: their settle keeps a due wake-up, but this pass decides on what was due
                var due = runtime.WakeAt <= now;
                if (kubelet.NextDue() <= now) await kubelet.ReportDueAsync(stoppingToken);
                // the kubelet's reports settle themselves like any command. A full reconcile costs the whole cluster
                // (a third of a second at 5,000 nodes), so it runs only when the controller's own time-based work is
                // due or this process folded events it did not decide; a failed one is tried again on the next pass.
                var folded = runtime.FoldedFromLog;
                if (folded != _reconciledFolded || due)
                {
                    await runtime.TickAsync(CommandContext.System(CommandContext.ClockActor), stoppingToken);
                    _reconciledFolded = folded;
                }
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
