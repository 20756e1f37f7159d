namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>A clock that moves only when told to, so recorded times are known in advance.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
