using System.Collections.Immutable;
using EventEngine.Model;

namespace EventEngine.State;

/// <summary>A node as the fold knows it. PlacementCause is the event that last changed its labels or taints.</summary>
public sealed record NodeState(
    string Name,
    string Uid,
    ImmutableDictionary<string, string> Labels,
    ImmutableArray<Taint> Taints,
    bool Unschedulable,
    ImmutableArray<NodeCondition> Conditions,
    DateTimeOffset CreatedAt,
    Guid PlacementCause);
