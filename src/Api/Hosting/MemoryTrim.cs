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
/// on /metrics), so it runs only
/// <list type="bullet">
/// <item>when the last large read in flight (<see cref="LargeRead"/>) ends, never during one;</item>
/// <item>or when the process is quiet (for a second no request begun, no command written or waiting for the writer, no
/// event appended or folded; no large read in flight) and its
/// resident memory grew by more than <c>Engine:Memory:TrimAfterGrowthMiB</c> (128 unless told) since the last trim, at
/// most once every <c>Engine:Memory:QuietTrimEverySeconds</c> (30 unless told).</item>
/// </list>
/// <c>Engine:Memory:Trim=false</c> turns both off.
/// </summary>
/// <remarks>The runtime is resolved when the checks begin: hosted services are built before any starts, and the runtime
/// needs the started database.</remarks>
public sealed class MemoryTrim(MemoryTrimOptions options, IServiceProvider services, ILogger<MemoryTrim> logger) : BackgroundService
{
    private static readonly TimeSpan Check = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private int _inFlight;
    private int _requests;
    private int _trims;
    private long _residentAfterTrim = Environment.WorkingSet;
    private long _lastTrim = TimeProvider.System.GetTimestamp();

    /// <summary>How many trims have run in this process.</summary>
    public int Trims => Volatile.Read(ref _trims);

    /// <summary>A large read begins; disposing the answer ends it (and trims if it was the last one).</summary>
    public IDisposable LargeRead()
    {
        Interlocked.Increment(ref _inFlight);
        return new Ending(this);
    }

    /// <summary>A request began (see <see cref="MemoryTrimMiddleware.UseMemoryTrim"/>).</summary>
    public void RequestBegan() => Interlocked.Increment(ref _requests);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled) return;
        var runtime = services.GetRequiredService<EngineRuntime>();
        var (head, requests) = (runtime.Head, Volatile.Read(ref _requests));
        using var timer = new PeriodicTimer(Check);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = (runtime.Head, Volatile.Read(ref _requests));
            // a command that takes longer than a check (a rollout on thousands of nodes) moves neither the head nor the
            // requests until it ends: the writer says it is busy
            var quiet = now == (head, requests) && !runtime.Busy && Volatile.Read(ref _inFlight) == 0;
            (head, requests) = now;
            if (quiet && Environment.WorkingSet - Interlocked.Read(ref _residentAfterTrim) > options.GrowthBytes
                && TimeProvider.System.GetElapsedTime(Interlocked.Read(ref _lastTrim)) >= options.QuietEvery)
                Trim("the process grew and is quiet");
        }
    }

    private void Ended()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && options.Enabled) _ = Task.Run(() => Trim("a large read ended"));
    }

    private void Trim(string why)
    {
        lock (_gate)
        {
            // another large read began meanwhile: the one that ends last trims
            if (Volatile.Read(ref _inFlight) > 0) return;
            var before = Environment.WorkingSet;
            var started = TimeProvider.System.GetTimestamp();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var took = TimeProvider.System.GetElapsedTime(started);
            var after = Environment.WorkingSet;
            Interlocked.Exchange(ref _residentAfterTrim, after);
            Interlocked.Exchange(ref _lastTrim, TimeProvider.System.GetTimestamp());
            Interlocked.Increment(ref _trims);
            EngineMetrics.MemoryTrimmed(took);
            logger.LogInformation("Memory handed back ({Why}): {Before} MiB to {After} MiB resident, in {Milliseconds} ms",
                why, before >> 20, after >> 20, (long)took.TotalMilliseconds);
        }
    }

    private sealed class Ending(MemoryTrim trim) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) trim.Ended();
        }
    }
}

/// <summary>Engine:Memory: whether to trim (<see cref="MemoryTrim"/>), the growth of a quiet process that makes it trim, and how often at most it does.</summary>
public sealed record MemoryTrimOptions(bool Enabled, long GrowthBytes, TimeSpan QuietEvery)
{
    public static MemoryTrimOptions From(IConfiguration configuration) => new(
        configuration.GetValue("Engine:Memory:Trim", true),
        (long)Http.Limits.Positive(configuration, "Engine:Memory:TrimAfterGrowthMiB", 128) << 20,
        TimeSpan.FromSeconds(Http.Limits.Positive(configuration, "Engine:Memory:QuietTrimEverySeconds", 30)));
}

public static class MemoryTrimMiddleware
{
    /// <summary>Tells <see cref="MemoryTrim"/> of every request, so that it trims only when none has begun for a while.</summary>
    public static WebApplication UseMemoryTrim(this WebApplication app)
    {
        var trim = app.Services.GetRequiredService<MemoryTrim>();
        app.Use((context, next) =>
        {
            trim.RequestBegan();
            return next(context);
        });
        return app;
    }
}
