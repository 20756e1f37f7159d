using System.Text.Json.Serialization;

namespace EventEngine.Model;

/// <summary>An apps/v1 DaemonSet in Kubernetes' shape.</summary>
public sealed record DaemonSet
{
    public string? ApiVersion { get; init; } = "apps/v1";
    public string? Kind { get; init; } = "DaemonSet";
    public ObjectMeta? Metadata { get; init; }
    public DaemonSetSpec? Spec { get; init; }
    public DaemonSetStatus? Status { get; init; }
}

/// <summary>DaemonSet spec: which pods, where, and how they are updated.</summary>
public sealed record DaemonSetSpec
{
    public LabelSelector? Selector { get; init; }
    public PodTemplate? Template { get; init; }
    public DaemonSetUpdateStrategy? UpdateStrategy { get; init; }
    public int? MinReadySeconds { get; init; }
    public int? RevisionHistoryLimit { get; init; }
}

/// <summary>RollingUpdate or OnDelete.</summary>
public sealed record DaemonSetUpdateStrategy
{
    public const string RollingUpdateType = "RollingUpdate";
    public const string OnDeleteType = "OnDelete";

    public string? Type { get; init; }
    public RollingUpdateDaemonSet? RollingUpdate { get; init; }
}

/// <summary>Rolling update budgets, each an integer or a percentage of the desired nodes.</summary>
public sealed record RollingUpdateDaemonSet
{
    public IntOrString? MaxUnavailable { get; init; }
    public IntOrString? MaxSurge { get; init; }
}

/// <summary>DaemonSet status, counted exactly as the Kubernetes controller counts it.</summary>
public sealed record DaemonSetStatus
{
    public int CurrentNumberScheduled { get; init; }
    public int NumberMisscheduled { get; init; }
    public int DesiredNumberScheduled { get; init; }
    public int NumberReady { get; init; }
    public long ObservedGeneration { get; init; }
    public int UpdatedNumberScheduled { get; init; }
    public int NumberAvailable { get; init; }
    public int NumberUnavailable { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int CollisionCount { get; init; }
}
