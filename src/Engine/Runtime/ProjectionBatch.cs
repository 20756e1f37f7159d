using EventEngine.Events;
using EventEngine.State;
using EventEngine.Storage;
using Npgsql;

namespace EventEngine.Runtime;

/// <summary>
/// What one append changed, for read models written in the append's transaction: the events (stored and
/// typed), the state before and after, and each stream's version and last seq after the append.
/// </summary>
public sealed record ProjectionBatch(
    ClusterState Before,
    ClusterState After,
    IReadOnlyList<(StoredEvent Stored, IEvent Event)> Events,
    IStreamPositions Positions);

/// <summary>A stream's version and the seq of its last event (0 for a stream never written).</summary>
public interface IStreamPositions
{
    long Version(string stream);
    long Seq(string stream);
}

/// <summary>Positions kept in two maps, stream to version and stream to last seq.</summary>
public sealed class StreamPositions(IReadOnlyDictionary<string, long> versions, IReadOnlyDictionary<string, long> seqs) : IStreamPositions
{
    public long Version(string stream) => versions.GetValueOrDefault(stream);
    public long Seq(string stream) => seqs.GetValueOrDefault(stream);
}

/// <summary>
/// A read model updated inside the append transaction (so it can never disagree with the log): the statements that
/// write what one append changed, sent in the append's own round trip.
/// </summary>
public delegate IEnumerable<NpgsqlBatchCommand> InlineProjection(ProjectionBatch batch);
