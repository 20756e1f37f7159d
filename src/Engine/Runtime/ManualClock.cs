namespace EventEngine.Runtime;

/// <summary>
/// Engine__Clock=Manual: time stands still until POST /engine/v1/clock moves it, so scenarios and replays are
/// deterministic. Starts at <see cref="DefaultStart"/> or later if the log already holds later events.
/// </summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public DateTimeOffset Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), "time only moves forward");
        return new DateTimeOffset(Interlocked.Add(ref _ticks, by.Ticks), TimeSpan.Zero);
    }

    /// <summary>Never earlier than the log: a restarted engine must not record events before ones it already has.</summary>
    public void NotBefore(DateTimeOffset time)
    {
        long current;
        do current = Interlocked.Read(ref _ticks);
        while (time.UtcTicks > current && Interlocked.CompareExchange(ref _ticks, time.UtcTicks, current) != current);
    }
}
