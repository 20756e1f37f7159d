using System.Collections.Immutable;

namespace EventEngine.State;

/// <summary>
/// The whole cluster as a fold of the log. Immutable: every event gives a new state sharing structure with the
/// old one, so replays can keep many states cheaply.
/// </summary>
public sealed record ClusterState(
    ImmutableDictionary<string, NodeState> Nodes,
    ImmutableSortedSet<string> NodeNames,
    ImmutableDictionary<string, DaemonSetState> DaemonSets,
    ImmutableDictionary<string, string> DaemonSetsByUid,
    ImmutableDictionary<string, PodState> Pods,
    ImmutableDictionary<string, ImmutableHashSet<string>> PodsByNode,
    ImmutableHashSet<string> Unclaimed,
    ImmutableDictionary<string, RevisionState> Revisions,
    ImmutableDictionary<string, DeletedOwner> DeletedOwners,
    ImmutableDictionary<string, Guid> RemovedNodes,
    ImmutableDictionary<string, FailedPodBackoff> Backoffs)
{
    public static readonly ClusterState Empty = new(
        ImmutableDictionary<string, NodeState>.Empty,
        ImmutableSortedSet.Create<string>(NaturalOrder.Instance),
        ImmutableDictionary<string, DaemonSetState>.Empty,
        ImmutableDictionary<string, string>.Empty,
        ImmutableDictionary<string, PodState>.Empty,
        ImmutableDictionary<string, ImmutableHashSet<string>>.Empty,
        ImmutableHashSet<string>.Empty,
        ImmutableDictionary<string, RevisionState>.Empty,
        ImmutableDictionary<string, DeletedOwner>.Empty,
        ImmutableDictionary<string, Guid>.Empty,
        ImmutableDictionary<string, FailedPodBackoff>.Empty);

    public DaemonSetState? DaemonSetByUid(string? uid) =>
        uid is not null && DaemonSetsByUid.TryGetValue(uid, out var key) ? DaemonSets[key] : null;

    public IEnumerable<PodState> PodsOn(string node) =>
        PodsByNode.TryGetValue(node, out var keys) ? keys.Select(k => Pods[k]) : [];

    /// <summary>The revisions a DaemonSet owns, oldest number first.</summary>
    public IEnumerable<RevisionState> RevisionsOf(DaemonSetState ds) =>
        Revisions.Values.Where(r => r.OwnerUid == ds.Uid).OrderBy(r => r.Number);

    public RevisionState? CurrentRevision(DaemonSetState ds) =>
        Revisions.Values.FirstOrDefault(r => r.OwnerUid == ds.Uid && r.Hash == ds.CurrentHash);
}

/// <summary>A deleted DaemonSet whose pods the garbage collector still has to delete or orphan.</summary>
public sealed record DeletedOwner(string DaemonSet, string PropagationPolicy, Guid Cause);

/// <summary>
/// Per-node backoff for deleting failed pods (key: DaemonSet uid / generation / node), so that a node whose kubelet
/// keeps failing pods is not hot-looped: 1 s, doubling, at most 15 min.
/// </summary>
public sealed record FailedPodBackoff(TimeSpan Delay, DateTimeOffset LastUpdate)
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Max = TimeSpan.FromMinutes(15);

    /// <summary>
    /// failedPodsBackoffKey. Kubernetes keys by status.observedGeneration; a step here writes the status in the
    /// same step as the sync, so between steps the two generations are equal and only the sync right after a
    /// spec change differs (Kubernetes needs one more sync to start the new generation's backoff).
    /// </summary>
    public static string KeyOf(DaemonSetState ds, string node) => $"{ds.Uid}/{ds.Generation}/{node}";

    /// <summary>IsInBackOffSinceUpdate.</summary>
    public bool Blocks(DateTimeOffset now) => now - LastUpdate < Delay;

    /// <summary>Backoff.Next: a fresh entry, or the delay doubled; entries idle for twice the maximum start over.</summary>
    public static FailedPodBackoff Next(FailedPodBackoff? current, DateTimeOffset now) =>
        current is null || now - current.LastUpdate > 2 * Max
            ? new FailedPodBackoff(Initial, now)
            : new FailedPodBackoff(current.Delay * 2 > Max ? Max : current.Delay * 2, now);
}
