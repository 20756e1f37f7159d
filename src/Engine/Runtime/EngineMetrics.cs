using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EventEngine.Runtime;

/// <summary>
/// The figures an operator watches, as System.Diagnostics.Metrics instruments on one meter: how long commands take
/// and how they end, how the writer groups them, where the log's head stands, how far projections trail it, and how
/// long questions about the past take. Any listener may export them; the server's /metrics names each
/// <c>eventengine_</c> and the instrument's name. Tags take a few fixed values only, never a name from a request.
/// </summary>
public static class EngineMetrics
{
    public const string MeterName = "EventEngine";

    /// <summary>Seconds, 0.5 ms to 10 s: a command takes milliseconds, a what-if over 20,000 events some seconds.</summary>
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Commands in a group: at most 64 are taken together.</summary>
    private static readonly int[] CommandBuckets = [1, 2, 4, 8, 16, 32, 64];

    /// <summary>Events in a group: one label change is a few, an apply of 5,000 objects with its pods many thousands.</summary>
    private static readonly int[] EventBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000];

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> CommandDuration = Latency(
        "command_duration_seconds",
        "Time from a command's enqueue to its answer, by outcome (ok, refused, failed) and kind (command, tick)");

    private static readonly Histogram<int> GroupCommands = Meter.CreateHistogram(
        "append_group_commands", "{command}", "Commands decided together and appended in one commit",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = CommandBuckets });

    private static readonly Histogram<int> GroupEvents = Meter.CreateHistogram(
        "append_group_events", "{event}", "Events appended in one commit",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = EventBuckets });

    private static readonly Histogram<double> AppendDuration = Latency(
        "append_duration_seconds",
        "A group's append: its read-model statements, the round trip and the commit (and deciding again under the lock when another process appended)");

    private static readonly Histogram<double> TimeTravelDuration = Latency(
        "time_travel_duration_seconds",
        "A question about the past, by shape (placement, explain, state, timeline, whatif)");

    private static readonly Histogram<double> StateBuildDuration = Latency(
        "state_build_duration_seconds",
        "Building the cluster state at a past point from the object history");

    private static readonly Histogram<double> MemoryTrimDuration = Latency(
        "memory_trim_duration_seconds",
        "A compacting full collection that hands memory back after a large read (what-if, rebuild, start-up) or when a grown process is quiet: every thread pauses for it");

    /// <summary>A histogram of seconds, in the latency buckets.</summary>
    private static Histogram<double> Latency(string name, string description) =>
        Meter.CreateHistogram(name, "s", description, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    private static readonly ConcurrentDictionary<string, LagReport> Lags = new(StringComparer.Ordinal);
    private static Func<long>? _head;
    private static Func<long>? _streams;
    private static Func<(bool Live, double SinceHeard, long Refused)>? _recorder;

    static EngineMetrics()
    {
        Meter.CreateObservableGauge("head_seq", HeadNow, "{seq}", "The seq of the last event the live engine has folded");
        Meter.CreateObservableGauge("streams_kept", () => Now(Volatile.Read(ref _streams)), "{stream}",
            "Streams whose positions the live engine keeps in memory: one per node and per pod, two per DaemonSet (a deleted object's is let go once its deletion commits)");
        Meter.CreateObservableGauge("projection_lag_events", LagsNow, "{event}", "Events a projection has still to handle, by projection");
        Meter.CreateObservableGauge("recorder_live", () => RecorderNow(r => r.Live ? 1 : 0), "{bool}",
            "Observe mode: 1 while every recorded kind is listed and watched");
        Meter.CreateObservableGauge("recorder_last_heard_seconds", () => RecorderNow(r => r.SinceHeard), "s",
            "Observe mode: how long since the cluster's API server last sent anything (an event, a bookmark or a list)");
        Meter.CreateObservableGauge("recorder_refused_objects", () => RecorderNow(r => r.Refused), "{object}",
            "Observe mode: objects of the cluster the engine could not record (invalid by its rules), since start");
    }

    /// <summary>Where the recorder's state is read from (Observe mode only).</summary>
    public static void ObserveRecorder(Func<(bool Live, double SinceHeard, long Refused)> recorder) => Volatile.Write(ref _recorder, recorder);

    private static IEnumerable<Measurement<double>> RecorderNow(Func<(bool Live, double SinceHeard, long Refused), double> value) =>
        Volatile.Read(ref _recorder) is { } recorder ? [new Measurement<double>(value(recorder()))] : [];

    /// <summary>A command answered (or failed) after <paramref name="enqueuedAt"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    /// <remarks>A caller that stopped waiting does not stop its command: that one is counted when it is answered.</remarks>
    public static void CommandAnswered(Task<CommandOutcome> answer, bool tick, long enqueuedAt)
    {
        if (answer.IsCompleted) Record(answer);
        else _ = answer.ContinueWith(Record, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        void Record(Task<CommandOutcome> done) => CommandDuration.Record(Stopwatch.GetElapsedTime(enqueuedAt).TotalSeconds,
            new("outcome", OutcomeOf(done)), new("kind", tick ? "tick" : "command"));
    }

    private static string OutcomeOf(Task<CommandOutcome> done) =>
        !done.IsCompletedSuccessfully ? "failed" : done.Result.Ok ? "ok" : "refused";

    /// <summary>A group committed: its commands, its events, and how long the append took.</summary>
    public static void GroupCommitted(int commands, int events, TimeSpan append)
    {
        GroupCommands.Record(commands);
        GroupEvents.Record(events);
        AppendDuration.Record(append.TotalSeconds);
    }

    /// <summary>Where the live head is read from: the engine of this process (the one started last, should there be several).</summary>
    public static void ObserveHead(Func<long> head) => Volatile.Write(ref _head, head);

    /// <summary>Where the count of streams kept in memory is read from (the engine of this process, as for the head).</summary>
    public static void ObserveStreams(Func<long> streams) => Volatile.Write(ref _streams, streams);

    /// <summary>
    /// Reports how many events <paramref name="projection"/> has still to handle, read at every scrape (so cheap, and
    /// never throwing); a later registration under the same name replaces it. Disposing the answer stops the report.
    /// </summary>
    public static IDisposable ObserveLag(string projection, Func<long> lag)
    {
        var report = new LagReport(projection, lag);
        Lags[projection] = report;
        return report;
    }

    /// <summary>Times a question about the past until disposed: <c>using var timing = EngineMetrics.TimeTravel("explain");</c></summary>
    public static Timing TimeTravel(string shape) => new(TimeTravelDuration, new("shape", shape));

    /// <summary>A cluster state built at a past point in <paramref name="duration"/>.</summary>
    public static void StateBuilt(TimeSpan duration) => StateBuildDuration.Record(duration.TotalSeconds);

    /// <summary>Memory handed back after a large read, by a collection that took <paramref name="duration"/>.</summary>
    public static void MemoryTrimmed(TimeSpan duration) => MemoryTrimDuration.Record(duration.TotalSeconds);

    private static IEnumerable<Measurement<long>> HeadNow() => Now(Volatile.Read(ref _head));

    private static IEnumerable<Measurement<long>> Now(Func<long>? read) => read is null ? [] : [new Measurement<long>(read())];

    private static IEnumerable<Measurement<long>> LagsNow() =>
        Lags.Values.Select(l => new Measurement<long>(l.Read(), new KeyValuePair<string, object?>("projection", l.Projection))).ToList();

    /// <summary>Records the time from its creation to its disposal in a histogram.</summary>
    public readonly struct Timing(Histogram<double> histogram, KeyValuePair<string, object?> tag) : IDisposable
    {
        private readonly long _started = Stopwatch.GetTimestamp();

        public void Dispose() => histogram.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, tag);
    }

    /// <summary>One projection's report; disposing it removes it unless a later registration replaced it.</summary>
    private sealed class LagReport(string projection, Func<long> read) : IDisposable
    {
        public string Projection => projection;

        public long Read() => read();

        public void Dispose() => Lags.TryRemove(KeyValuePair.Create(projection, this));
    }
}
