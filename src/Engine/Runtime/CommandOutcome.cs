using EventEngine.Decisions;
using EventEngine.State;
using EventEngine.Storage;

namespace EventEngine.Runtime;

/// <summary>
/// What a command did: refused (Failure), or the events it appended, the state after them and every stream's position
/// then, enough to answer with the objects as they are now without reading anything back.
/// </summary>
public sealed record CommandOutcome(Failure? Failure, ClusterState State, IReadOnlyList<StoredEvent> Events, string? Note, IStreamPositions Positions)
{
    /// <summary>The stored first answer, when this was a retry of a command already done under its Idempotency-Key (nothing was appended).</summary>
    public string? Replayed { get; init; }

    public bool Ok => Failure is null;
}

/// <summary>
/// A client's precondition: the object must be at this resourceVersion, the seq of the last event of its streams (a
/// DaemonSet has two: its spec and its status). Field is where the client said so (metadata.resourceVersion, If-Match,
/// or an item of an apply), for the 409 to name it.
/// </summary>
public sealed record VersionPrecondition(IReadOnlyList<string> Streams, long Version, string What, string Field)
{
    /// <summary>The object's resourceVersion in these positions: the last seq of any of its streams (0: never written).</summary>
    public long ActualIn(IStreamPositions positions) => Streams.Max(positions.Seq);
}
