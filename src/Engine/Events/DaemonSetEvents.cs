using EventEngine.Model;

namespace EventEngine.Events;

/// <summary>
/// Which ControllerRevision is current after a change: a new one, or an existing one (same hash) that was
/// renumbered from <see cref="PreviousNumber"/>. CollisionCount is the DaemonSet's hash salt after the change.
/// </summary>
public sealed record RevisionChange(string Name, long Number, string Hash, long? PreviousNumber, int CollisionCount = 0);

/// <summary>A DaemonSet was created (Object is defaulted, without status).</summary>
public sealed record DaemonSetCreated(
    string DaemonSet,
    string Uid,
    DaemonSet Object,
    long Generation,
    long TemplateGeneration,
    RevisionChange Revision,
    IReadOnlyList<string> AdoptedRevisions) : IEvent;

/// <summary>A DaemonSet's object changed; Revision is set only when the template changed.</summary>
public sealed record DaemonSetUpdated(
    string DaemonSet,
    DaemonSet Object,
    long Generation,
    long TemplateGeneration,
    RevisionChange? Revision) : IEvent;

/// <summary>kubectl rollout undo: the template of revision ToRevision was restored and renumbered.</summary>
public sealed record DaemonSetRolledBack(
    string DaemonSet,
    long ToRevision,
    DaemonSet Object,
    long Generation,
    long TemplateGeneration,
    RevisionChange Revision) : IEvent;

/// <summary>Old revisions beyond revisionHistoryLimit were removed.</summary>
public sealed record DaemonSetRevisionsPruned(string DaemonSet, IReadOnlyList<long> Revisions) : IEvent;

/// <summary>
/// Several revisions held the current template (adopted from orphans): Kept stays current, the Removed ones were
/// deleted after the DaemonSet's pods were relabelled to Kept's hash (dedupCurHistories).
/// </summary>
public sealed record DaemonSetRevisionsDeduplicated(string DaemonSet, string Kept, IReadOnlyList<string> Removed) : IEvent;

/// <summary>
/// A recorded cluster's controller holds a revision of the DaemonSet under Name (its ControllerRevision: number, hash,
/// template). The cluster's names and numbers are the ones its pods carry, so they win: a revision the engine made of the
/// same template under its own hash, Replaces, is that revision and takes the cluster's name, hash and number.
/// </summary>
public sealed record DaemonSetRevisionObserved(string DaemonSet, string Name, long Number, string Hash, PodTemplate Template, string? Replaces) : IEvent;

/// <summary>A DaemonSet was deleted; PropagationPolicy Background deletes its pods, Orphan leaves them running.</summary>
public sealed record DaemonSetDeleted(string DaemonSet, string Uid, string PropagationPolicy) : IEvent;

/// <summary>The controller wrote a new status for the DaemonSet.</summary>
public sealed record DaemonSetStatusChanged(string DaemonSet, DaemonSetStatus Status) : IEvent;
