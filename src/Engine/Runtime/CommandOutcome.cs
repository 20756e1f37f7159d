using EventEngine.Decisions;
using EventEngine.State;
using EventEngine.Storage;

namespace EventEngine.Runtime;

/// <summary>What a command did: refused (Failure), or the events it appended and the state after them.</summary>
public sealed record CommandOutcome(Failure? Failure, ClusterState State, IReadOnlyList<StoredEvent> Events, string? Note)
{
    public bool Ok => Failure is null;
}

/// <summary>A client's precondition: the stream must be at this version (metadata.resourceVersion, If-Match).</summary>
public sealed record VersionPrecondition(string Stream, long Version, string What);
