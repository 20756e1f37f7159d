namespace EventEngine.Storage;

/// <summary>Special expected versions; any other value is the version of the stream's last event.</summary>
public static class ExpectedVersion
{
    /// <summary>Append whatever the stream's version is, creating the stream if needed.</summary>
    public const long Any = -1;

    /// <summary>The stream must not exist yet.</summary>
    public const long NoStream = 0;
}

/// <summary>Events for one stream, to append only if the stream is at <paramref name="ExpectedVersion"/>.</summary>
/// <param name="Stream">The stream name, for example <c>node-worker-1</c>.</param>
/// <param name="ExpectedVersion">The version the caller decided on, or <see cref="Storage.ExpectedVersion.Any"/>.</param>
/// <param name="Events">At least one event, in stream order.</param>
public sealed record StreamAppend(string Stream, long ExpectedVersion, IReadOnlyList<NewEvent> Events);
