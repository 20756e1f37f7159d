namespace EventEngine.Model;

/// <summary>A v1 Node in Kubernetes' shape (the fields placement depends on).</summary>
public sealed record Node
{
    public string? ApiVersion { get; init; } = "v1";
    public string? Kind { get; init; } = "Node";
    public ObjectMeta? Metadata { get; init; }
    public NodeSpec? Spec { get; init; }
    public NodeStatus? Status { get; init; }
}

/// <summary>Node spec: taints and cordon.</summary>
public sealed record NodeSpec
{
    public IReadOnlyList<Taint>? Taints { get; init; }
    public bool? Unschedulable { get; init; }
}

/// <summary>A node taint (key=value:Effect).</summary>
public sealed record Taint
{
    public string? Key { get; init; }
    public string? Value { get; init; }
    public string? Effect { get; init; }
    public DateTimeOffset? TimeAdded { get; init; }

    public override string ToString() =>
        Key + (string.IsNullOrEmpty(Value) ? "" : "=" + Value) + ":" + Effect;

    /// <summary>Two taints are the same taint when key, value and effect agree (timeAdded is bookkeeping).</summary>
    public bool SameAs(Taint other) => Key == other.Key && (Value ?? "") == (other.Value ?? "") && Effect == other.Effect;
}

/// <summary>
/// Node status: conditions, and the resources the node has (capacity) and offers to pods (allocatable), each a map of
/// resource name to quantity. None of them affects placement (a DaemonSet's pods are placed whatever their requests);
/// they are kept so that a node reads back as it was written or recorded (kubectl describe node divides pod requests by
/// allocatable).
/// </summary>
public sealed record NodeStatus
{
    public IReadOnlyList<NodeCondition>? Conditions { get; init; }

    [System.Text.Json.Serialization.JsonConverter(typeof(ResourceListConverter))]
    public IReadOnlyDictionary<string, string>? Capacity { get; init; }

    [System.Text.Json.Serialization.JsonConverter(typeof(ResourceListConverter))]
    public IReadOnlyDictionary<string, string>? Allocatable { get; init; }
}

/// <summary>A node condition (Ready, MemoryPressure, NetworkUnavailable, ...).</summary>
public sealed record NodeCondition
{
    public string? Type { get; init; }
    public string? Status { get; init; }
    public DateTimeOffset? LastTransitionTime { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }
}
