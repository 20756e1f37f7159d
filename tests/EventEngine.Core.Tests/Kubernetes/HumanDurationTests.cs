using EventEngine.Api.Kubernetes;

namespace EventEngine.Core.Tests.Kubernetes;

/// <summary>duration.HumanDuration, with apimachinery's duration_test.go tables (Go's nanoseconds become .NET ticks).</summary>
public sealed class HumanDurationTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private static readonly TimeSpan Millisecond = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    public static TheoryData<TimeSpan, string> Cases => new()
    {
        // TestHumanDuration
        { Second, "1s" },
        { 70 * Second, "70s" },
        { 190 * Second, "3m10s" },
        { 70 * Minute, "70m" },
        { 47 * Hour, "47h" },
        { 49 * Hour, "2d1h" },
        { (8 * 24 + 2) * Hour, "8d" },
        { 367 * 24 * Hour, "367d" },
        { (365 * 2 * 24 + 25) * Hour, "2y1d" },
        { (365 * 8 * 24 + 2) * Hour, "8y" },
        // TestHumanDurationBoundaries
        { -2 * Second, "<invalid>" },
        { -2 * Second + Tick, "0s" },
        { TimeSpan.Zero, "0s" },
        { Second - Millisecond, "0s" },
        { 2 * Minute - Millisecond, "119s" },
        { 2 * Minute, "2m" },
        { 2 * Minute + Second, "2m1s" },
        { 10 * Minute - Millisecond, "9m59s" },
        { 10 * Minute, "10m" },
        { 10 * Minute + Second, "10m" },
        { 3 * Hour - Millisecond, "179m" },
        { 3 * Hour, "3h" },
        { 3 * Hour + Minute, "3h1m" },
        { 8 * Hour - Millisecond, "7h59m" },
        { 8 * Hour, "8h" },
        { 8 * Hour + 59 * Minute, "8h" },
        { 2 * Day - Millisecond, "47h" },
        { 2 * Day, "2d" },
        // 2 * Day + Hour, "2d1h": the same case as 49 hours above (a duplicate would make xunit skip one)
        { 8 * Day - Millisecond, "7d23h" },
        { 8 * Day, "8d" },
        { 8 * Day + 23 * Hour, "8d" },
        { 2 * 365 * Day - Millisecond, "729d" },
        { 2 * 365 * Day, "2y" },
        { 2 * 365 * Day + 23 * Hour, "2y" },
        { 2 * 365 * Day + 23 * Hour + 59 * Minute, "2y" },
        { 2 * 365 * Day + Day - Millisecond, "2y" },
        { 2 * 365 * Day + Day, "2y1d" },
        { 3 * 365 * Day, "3y" },
        { 4 * 365 * Day, "4y" },
        { 5 * 365 * Day, "5y" },
        { 6 * 365 * Day, "6y" },
        { 7 * 365 * Day, "7y" },
        { 8 * 365 * Day - Millisecond, "7y364d" },
        { 8 * 365 * Day, "8y" },
        { 8 * 365 * Day + 364 * Day, "8y" },
        { 9 * 365 * Day, "9y" },
        // the examples kubectl users see
        { 45 * Second, "45s" },
        { 4 * Minute + 30 * Second, "4m30s" },
        { 95 * Minute, "95m" },
        { 5 * Hour + 3 * Minute, "5h3m" },
        { 30 * Hour, "30h" },
        { 3 * Day + 4 * Hour, "3d4h" },
        { 200 * Day, "200d" },
        { 2 * 365 * Day + 30 * Day, "2y30d" },
        { -1500 * Millisecond, "0s" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void HumanDuration_AsApimachinery(TimeSpan d, string expected) => Assert.Equal(expected, Tables.HumanDuration(d));

    [Fact]
    public void Age_IsUnknownWithoutATimestamp_AndCountsFromNow()
    {
        var now = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal("<unknown>", Tables.Age(null, now));
        Assert.Equal("<unknown>", Tables.Age(System.Text.Json.Nodes.JsonValue.Create("not a time"), now));
        Assert.Equal("5m", Tables.Age(System.Text.Json.Nodes.JsonValue.Create("2026-12-04T11:55:00Z"), now));
        Assert.Equal("0s", Tables.Age(System.Text.Json.Nodes.JsonValue.Create("2026-12-04T12:00:01Z"), now));
        Assert.Equal("<invalid>", Tables.Age(System.Text.Json.Nodes.JsonValue.Create("2026-12-04T12:00:02Z"), now));
    }
}
