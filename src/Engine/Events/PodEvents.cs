using EventEngine.Model;

namespace EventEngine.Events;

/// <summary>The controller created a pod of DaemonSet (ns/name) on Node, carrying the revision Hash.</summary>
public sealed record PodCreated(
    string DaemonSet,
    string Namespace,
    string Pod,
    string Node,
    string Uid,
    string Hash,
    long TemplateGeneration,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<Toleration> Tolerations) : IEvent;

/// <summary>A pod that already runs in the cluster was registered (imported state); Object is as observed.</summary>
public sealed record PodRegistered(string? DaemonSet, string Namespace, string Pod, string? Node, Pod Object) : IEvent;

/// <summary>A node agent (or the simulated kubelet) reported phase and readiness.</summary>
public sealed record PodStatusObserved(
    string? DaemonSet,
    string Namespace,
    string Pod,
    string? Node,
    string Phase,
    bool Ready,
    DateTimeOffset? ReadySince) : IEvent;

/// <summary>An observed pod's labels changed (which can release it from its DaemonSet).</summary>
public sealed record PodLabelsChanged(string? DaemonSet, string Namespace, string Pod, string? Node, IReadOnlyDictionary<string, string> Labels) : IEvent;

/// <summary>An observed pod started terminating (deletionTimestamp set).</summary>
public sealed record PodTerminating(string? DaemonSet, string Namespace, string Pod, string? Node, DateTimeOffset DeletionTimestamp) : IEvent;

/// <summary>A pod was deleted, with the reason (see <see cref="PodReasons"/>).</summary>
public sealed record PodDeleted(string? DaemonSet, string Namespace, string Pod, string? Node, string Reason) : IEvent;

/// <summary>A pod lost its controller: its labels stopped matching, or its DaemonSet was deleted with Orphan.</summary>
public sealed record PodOrphaned(string DaemonSet, string Namespace, string Pod, string? Node, string Reason) : IEvent;

/// <summary>A DaemonSet adopted an orphan pod whose labels match its selector; Hash is the revision the pod runs.</summary>
public sealed record PodAdopted(string DaemonSet, string Uid, string Namespace, string Pod, string? Node, string? Hash = null) : IEvent;

/// <summary>Why pods are deleted, orphaned or created: stable machine-readable words.</summary>
public static class PodReasons
{
    public const string Misscheduled = "Misscheduled";
    public const string NoExecuteTaint = "NoExecuteTaint";
    public const string TolerationExpired = "TolerationExpired";
    public const string RollingUpdate = "RollingUpdate";
    public const string Failed = "Failed";
    public const string Succeeded = "Succeeded";
    public const string Duplicate = "Duplicate";
    public const string DaemonSetDeleted = "DaemonSetDeleted";
    public const string NodeRemoved = "NodeRemoved";
    public const string OwnerNotFound = "OwnerNotFound";
    public const string Deleted = "Deleted";
    public const string SelectorMismatch = "SelectorMismatch";
    public const string MissingPod = "MissingPod";
    public const string Surge = "Surge";
    public const string Adopted = "Adopted";
    public const string RevisionDeduplicated = "RevisionDeduplicated";
}
