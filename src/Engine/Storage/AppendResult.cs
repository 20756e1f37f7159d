namespace EventEngine.Storage;

/// <summary>
/// The outcome of an append: <see cref="AppendSuccess"/>, <see cref="AppendConflict"/> or
/// <see cref="AppendIdCollision"/>. Failures are values, not exceptions, so callers map them
/// to HTTP answers in one place.
/// </summary>
public abstract record AppendResult
{
    private protected AppendResult()
    {
    }
}

/// <summary>The events are in the log (now, or already by an earlier call with the same event ids).</summary>
/// <param name="Events">The stored events of the call, in seq order.</param>
/// <param name="StreamVersions">Per stream, the version of its last event in this call.</param>
/// <param name="AlreadyStored">True when every event id was already stored and nothing was appended.</param>
public sealed record AppendSuccess(
    IReadOnlyList<StoredEvent> Events,
    IReadOnlyDictionary<string, long> StreamVersions,
    bool AlreadyStored) : AppendResult;

/// <summary>A stream was not at the expected version; nothing was appended to any stream.</summary>
/// <param name="Stream">The first stream whose version did not match.</param>
/// <param name="Expected">The version the caller expected.</param>
/// <param name="Actual">The stream's version (0 when it does not exist).</param>
public sealed record AppendConflict(string Stream, long Expected, long Actual) : AppendResult;

/// <summary>
/// Some event ids of the call are already stored, but the call is not a retry of the append
/// that stored them (only some ids exist, or they live in another stream or order); nothing
/// was appended.
/// </summary>
/// <param name="Stream">A stream of the call whose events collide.</param>
/// <param name="EventIds">The ids of the call that are already stored.</param>
public sealed record AppendIdCollision(string Stream, IReadOnlyList<Guid> EventIds) : AppendResult;
