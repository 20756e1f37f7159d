using System.Text.Json;

namespace EventEngine.Model;

/// <summary>A v1 Pod: DaemonSet pods the engine creates, and observed pods registered from a cluster.</summary>
public sealed record Pod
{
    public string? ApiVersion { get; init; } = "v1";
    public string? Kind { get; init; } = "Pod";
    public ObjectMeta? Metadata { get; init; }
    public JsonElement? Spec { get; init; }
    public PodStatus? Status { get; init; }
}

/// <summary>Pod status: phase and conditions (only Ready is read).</summary>
public sealed record PodStatus
{
    public string? Phase { get; init; }
    public IReadOnlyList<PodCondition>? Conditions { get; init; }
}

/// <summary>A pod condition; Ready with its lastTransitionTime drives availability.</summary>
public sealed record PodCondition
{
    public string? Type { get; init; }
    public string? Status { get; init; }
    public DateTimeOffset? LastTransitionTime { get; init; }
}

/// <summary>Pod phases and well-known labels.</summary>
public static class PodPhases
{
    public const string Pending = "Pending";
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    public const string Unknown = "Unknown";

    public static bool IsTerminal(string phase) => phase is Succeeded or Failed;
}

/// <summary>Labels and annotations with meaning to the DaemonSet controller.</summary>
public static class WellKnown
{
    public const string RevisionHashLabel = "controller-revision-hash";
    public const string TemplateGenerationLabel = "pod-template-generation";
    public const string TemplateGenerationAnnotation = "deprecated.daemonset.template.generation";
    public const string ChangeCauseAnnotation = "kubernetes.io/change-cause";
}
