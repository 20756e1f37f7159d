using EventEngine.Decisions;
using EventEngine.State;
using EventEngine.Storage;

namespace EventEngine.Runtime;

/// <summary>What a command did: refused (Failure), or the events it appended and the state after them.</summary>
public sealed record CommandOutcome(Failure? Failure, ClusterState State, IReadOnlyList<StoredEvent> Events, string? Note)
{
    public bool Ok => Failure is null;
}

/// <summary>
/// A client's precondition: the stream must be at this version. Field is where the client said so
/// (metadata.resourceVersion, If-Match, or an item of an apply), for the 409 to name it.
/// </summary>
public sealed record VersionPrecondition(string Stream, long Version, string What, string Field);
