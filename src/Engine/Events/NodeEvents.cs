using EventEngine.Model;

namespace EventEngine.Events;

/// <summary>A node joined the cluster.</summary>
public sealed record NodeJoined(
    string Node,
    string Uid,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<Taint> Taints,
    bool Unschedulable,
    IReadOnlyList<NodeCondition> Conditions) : IEvent;

/// <summary>A node's labels were replaced by this set.</summary>
public sealed record NodeLabelsChanged(string Node, IReadOnlyDictionary<string, string> Labels) : IEvent;

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
