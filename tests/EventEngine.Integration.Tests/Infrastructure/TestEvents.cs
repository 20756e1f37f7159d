using EventEngine.Storage;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>Events to append in tests.</summary>
public static class TestEvents
{
    public static readonly EventMetadata Metadata = new("correlation-1", null, "tests", null);

    public static NewEvent New(string type = "thing_happened.v1", string? data = null, EventMetadata? metadata = null) =>
        new(Guid.NewGuid(), type, data ?? """{"n": 1}""", metadata ?? Metadata);

    public static NewEvent[] Many(int count) =>
        Enumerable.Range(1, count).Select(i => New(data: $$"""{"n": {{i}}}""")).ToArray();

    /// <summary>A stream name no other test uses.</summary>
    public static string Stream(string prefix = "thing") => $"{prefix}-{Guid.NewGuid():N}";
}
