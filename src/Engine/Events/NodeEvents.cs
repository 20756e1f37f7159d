using EventEngine.Model;

namespace EventEngine.Events;

/// <summary>
/// A node joined the cluster. Its annotations, capacity and allocatable resources are absent from events recorded before
/// they were kept, and when it has none.
/// </summary>
public sealed record NodeJoined(
    string Node,
    string Uid,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<Taint> Taints,
    bool Unschedulable,
    IReadOnlyList<NodeCondition> Conditions,
    IReadOnlyDictionary<string, string>? Annotations = null,
    IReadOnlyDictionary<string, string>? Capacity = null,
    IReadOnlyDictionary<string, string>? Allocatable = null) : IEvent;

/// <summary>A node's labels were replaced by this set.</summary>
public sealed record NodeLabelsChanged(string Node, IReadOnlyDictionary<string, string> Labels) : IEvent;

/// <summary>
/// A node's annotations were replaced by this set. They do not bear on placement: they are kept so that the node reads
/// back as it was written (kubectl apply keeps its last-applied configuration there, and computes what to remove from it).
/// </summary>
public sealed record NodeAnnotationsChanged(string Node, IReadOnlyDictionary<string, string> Annotations) : IEvent;

/// <summary>
/// The resources a node reports were replaced: what it has (capacity) and what it offers to pods (allocatable), each
/// null when it reports none. They do not bear on placement; kubectl describe node reads pod requests against them.
/// </summary>
public sealed record NodeResourcesChanged(string Node, IReadOnlyDictionary<string, string>? Capacity, IReadOnlyDictionary<string, string>? Allocatable) : IEvent;

/// <summary>A node's taints were replaced by this list (NoExecute taints carry the time they were added).</summary>
public sealed record NodeTaintsChanged(string Node, IReadOnlyList<Taint> Taints) : IEvent;

/// <summary>spec.unschedulable became true.</summary>
public sealed record NodeCordoned(string Node) : IEvent;

/// <summary>spec.unschedulable became false.</summary>
public sealed record NodeUncordoned(string Node) : IEvent;

/// <summary>One node condition changed status (null: the condition is no longer reported).</summary>
public sealed record NodeConditionChanged(string Node, string Type, string? Status) : IEvent;

/// <summary>A node left the cluster.</summary>
public sealed record NodeRemoved(string Node) : IEvent;
