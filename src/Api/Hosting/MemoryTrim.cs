using EventEngine.Runtime;

namespace EventEngine.Api.Hosting;

/// <summary>
/// Hands memory back to the operating system after the work that holds a whole cluster in memory for a while: a what-if
/// (the state at its start and the replay), a rebuild of the read models, the state read at start-up, a DaemonSet placed
/// on thousands of nodes. At 5,000 nodes such work allocates hundreds of megabytes to two gigabytes that are garbage when
/// it ends, and the server collector keeps the memory it grew for them committed (it gives memory back slowly, if at all,
/// while the process is quiet): the process would stay at its largest size. A trim is one blocking, compacting
/// collection in <see cref="GCCollectionMode.Aggressive"/> mode, off any request's thread: it compacts what is live and
/// decommits the rest. It pauses every thread for the time of a full collection (<c>eventengine_memory_trim_duration_seconds</c>
/// on /metrics), so it runs only when the resident memory grew by more than <c>Engine:Memory:TrimAfterGrowthMiB</c>
/// (128 unless told) since the last trim, and no command is being decided, written or waiting for the writer, and
/// <list type="bullet">
/// <item>either the last large read in flight (<see cref="LargeRead"/>) has just ended;</item>
/// <item>or the process is quiet: for a second no request began, none is in flight (watches aside) and nothing was
/// appended or folded, no large read is in flight, and the last trim is <c>Engine:Memory:QuietTrimEverySeconds</c>
/// (30 unless told) old.</item>
/// </list>
/// <c>Engine:Memory:Trim=false</c> turns it off.
/// </summary>
/// <remarks>The runtime is resolved when it is first needed: hosted services are built before any starts, and the
/// runtime needs the started database.</remarks>
public sealed class MemoryTrim(MemoryTrimOptions options, IServiceProvider services, ILogger<MemoryTrim> logger) : BackgroundService
{
    private static readonly TimeSpan Check = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private int _largeReads;
    private int _requestsBegun;
    private int _requestsInFlight;
    private int _trims;
    private volatile bool _stopped;
    private long _residentAfterTrim = Environment.WorkingSet;
    private long _lastTrim = TimeProvider.System.GetTimestamp();

    /// <summary>How many trims have run in this process.</summary>
    public int Trims => Volatile.Read(ref _trims);

    /// <summary>A large read begins; disposing the answer ends it (and trims if it was the last one and the process grew).</summary>
    public IDisposable LargeRead()
    {
        Interlocked.Increment(ref _largeReads);
        return new Ending(() =>
        {
            if (Interlocked.Decrement(ref _largeReads) == 0 && options.Enabled && !_stopped) _ = Task.Run(() => Trim("a large read ended"));
        });
    }

    /// <summary>A request begins (see <see cref="MemoryTrimMiddleware.UseMemoryTrim"/>); a watch does not count as in flight.</summary>
    public IDisposable? RequestBegan(bool watch)
    {
        Interlocked.Increment(ref _requestsBegun);
        if (watch) return null;
        Interlocked.Increment(ref _requestsInFlight);
        return new Ending(() => Interlocked.Decrement(ref _requestsInFlight));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled) return;
        var runtime = services.GetRequiredService<EngineRuntime>();
        var (head, begun) = (runtime.Head, Volatile.Read(ref _requestsBegun));
        using var timer = new PeriodicTimer(Check);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = (runtime.Head, Volatile.Read(ref _requestsBegun));
            var quiet = now == (head, begun) && Volatile.Read(ref _requestsInFlight) == 0 && Volatile.Read(ref _largeReads) == 0;
            (head, begun) = now;
            if (quiet && TimeProvider.System.GetElapsedTime(Interlocked.Read(ref _lastTrim)) >= options.QuietEvery)
                Trim("the process grew and is quiet");
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        return base.StopAsync(cancellationToken);
    }

    private void Trim(string why)
    {
        lock (_gate)
        {
            // another large read began meanwhile (the one that ends last trims), the process is shutting down, it has not
            // grown enough to pay for a pause, or a command is being written (a quiet moment comes later)
            if (_stopped || Volatile.Read(ref _largeReads) > 0) return;
            var before = Environment.WorkingSet;
            if (before - Interlocked.Read(ref _residentAfterTrim) <= options.GrowthBytes) return;
            if (services.GetRequiredService<EngineRuntime>().Busy) return;
            var started = TimeProvider.System.GetTimestamp();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var took = TimeProvider.System.GetElapsedTime(started);
            var after = Environment.WorkingSet;
            Interlocked.Exchange(ref _residentAfterTrim, after);
            Interlocked.Exchange(ref _lastTrim, TimeProvider.System.GetTimestamp());
            EngineMetrics.MemoryTrimmed(took);
            Interlocked.Increment(ref _trims);
            logger.LogInformation("Memory handed back ({Why}): {Before} MiB to {After} MiB resident, in {Milliseconds} ms",
                why, before >> 20, after >> 20, (long)took.TotalMilliseconds);
        }
    }

    private sealed class Ending(Action ended) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) ended();
        }
    }
}

/// <summary>Engine:Memory: whether to trim (<see cref="MemoryTrim"/>), the growth that makes it trim, and how often at most a quiet process does.</summary>
public sealed record MemoryTrimOptions(bool Enabled, long GrowthBytes, TimeSpan QuietEvery)
{
    public static MemoryTrimOptions From(IConfiguration configuration) => new(
        configuration.GetValue("Engine:Memory:Trim", true),
        (long)Http.Limits.Positive(configuration, "Engine:Memory:TrimAfterGrowthMiB", 128) << 20,
        TimeSpan.FromSeconds(Http.Limits.Positive(configuration, "Engine:Memory:QuietTrimEverySeconds", 30)));
}

public static class MemoryTrimMiddleware
{
    /// <summary>
    /// Tells <see cref="MemoryTrim"/> of every request, so that it trims only when none has begun for a while and none is
    /// in flight. A watch (<c>?watch=</c>) stays open for as long as its client likes: it counts as begun, not in flight.
    /// </summary>
    public static WebApplication UseMemoryTrim(this WebApplication app)
    {
        var trim = app.Services.GetRequiredService<MemoryTrim>();
        app.Use(async (context, next) =>
        {
            using var request = trim.RequestBegan(watch: context.Request.Query.ContainsKey("watch"));
            await next(context);
        });
        return app;
    }
}
