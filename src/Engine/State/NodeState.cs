using System.Collections.Immutable;
using EventEngine.Model;

namespace EventEngine.State;

/// <summary>A node as the fold knows it. TaintsCause is the event that last changed its taints (eviction clocks start there).</summary>
public sealed record NodeState(
    string Name,
    string Uid,
    ImmutableDictionary<string, string> Labels,
    ImmutableArray<Taint> Taints,
    bool Unschedulable,
    ImmutableArray<NodeCondition> Conditions,
    DateTimeOffset CreatedAt,
    Guid TaintsCause)
{
    /// <summary>The node's annotations; null when it has none (so a node without them is stored as before they were kept).</summary>
    public ImmutableDictionary<string, string>? Annotations { get; init; }

    /// <summary>The resources the node reports having (status.capacity); null when it reports none.</summary>
    public ImmutableDictionary<string, string>? Capacity { get; init; }

    /// <summary>The resources it offers to pods (status.allocatable); null when it reports none.</summary>
    public ImmutableDictionary<string, string>? Allocatable { get; init; }
}
