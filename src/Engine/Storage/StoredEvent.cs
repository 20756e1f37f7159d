namespace EventEngine.Storage;

/// <summary>An event as the log holds it, with its global position and stream version.</summary>
/// <param name="Seq">Global position: strictly increasing in commit order, with possible holes.</param>
/// <param name="Id">The event id given when it was appended.</param>
/// <param name="Stream">The stream it belongs to.</param>
/// <param name="Version">Its position in the stream, from 1.</param>
/// <param name="Type">The stable, versioned type name.</param>
/// <param name="Data">The body as JSON text: read from the log, PostgreSQL's jsonb text (keys normalised), the same on every
/// read; returned by an append, the text the writer gave (the same JSON value; the store sends each row once and reads none back).</param>
/// <param name="Metadata">Correlation, causation, actor and reason.</param>
/// <param name="RecordedAt">When it was appended, from the store's clock, to the microsecond.</param>
public sealed record StoredEvent(
    long Seq,
    Guid Id,
    string Stream,
    long Version,
    string Type,
    string Data,
    EventMetadata Metadata,
    DateTimeOffset RecordedAt);
