using EventEngine.Events;
using EventEngine.State;
using EventEngine.Storage;
using Npgsql;

namespace EventEngine.Runtime;

/// <summary>
/// What one append changed, for read models written in the append's transaction: the events (stored and
/// typed), the state before and after, and every stream's version and last seq after the append.
/// </summary>
public sealed record ProjectionBatch(
    ClusterState Before,
    ClusterState After,
    IReadOnlyList<(StoredEvent Stored, IEvent Event)> Events,
    IReadOnlyDictionary<string, long> StreamVersions,
    IReadOnlyDictionary<string, long> LastSeqs);

/// <summary>A read model updated inside the append transaction (so it can never disagree with the log).</summary>
public delegate Task InlineProjection(NpgsqlConnection connection, NpgsqlTransaction transaction, ProjectionBatch batch, CancellationToken cancellationToken);
