using EventEngine.Events;

namespace EventEngine.Reconciliation;

/// <summary>One thing the controller wants done, with the reason and the event that caused it.</summary>
public abstract record PlanAction(string? DaemonSet, string Reason, string Message, Guid? Cause);

/// <summary>Create a pod of DaemonSet on Node.</summary>
public sealed record CreatePod(string DaemonSet, string Node, string Reason, string Message, Guid? Cause)
    : PlanAction(DaemonSet, Reason, Message, Cause);

/// <summary>Delete a pod (key ns/name).</summary>
public sealed record DeletePod(string? DaemonSet, string Pod, string Reason, string Message, Guid? Cause)
    : PlanAction(DaemonSet, Reason, Message, Cause);

/// <summary>Adopt an orphan pod whose labels match the DaemonSet's selector.</summary>
public sealed record AdoptPod(string DaemonSet, string Pod, string Reason, string Message, Guid? Cause)
    : PlanAction(DaemonSet, Reason, Message, Cause);

/// <summary>Release (orphan) a pod: its labels left the selector, or its DaemonSet was deleted with Orphan.</summary>
public sealed record OrphanPod(string DaemonSet, string Pod, string Reason, string Message, Guid? Cause)
    : PlanAction(DaemonSet, Reason, Message, Cause);

/// <summary>Set a pod's controller-revision-hash label to Hash.</summary>
public sealed record RelabelPod(string DaemonSet, string Pod, string Hash, string Reason, string Message, Guid? Cause)
    : PlanAction(DaemonSet, Reason, Message, Cause);

/// <summary>Keep one of several revisions holding the current template, delete the others.</summary>
public sealed record DeduplicateRevisions(string DaemonSet, string Kept, IReadOnlyList<string> Removed, Guid? Cause)
    : PlanAction(DaemonSet, PodReasons.RevisionDeduplicated, $"revisions {string.Join(", ", Removed)} hold the template of {Kept}", Cause);

/// <summary>Remove old revisions beyond revisionHistoryLimit.</summary>
public sealed record PruneRevisions(string DaemonSet, IReadOnlyList<long> Revisions, Guid? Cause)
    : PlanAction(DaemonSet, "RevisionHistoryLimit", $"revisions {string.Join(", ", Revisions)} exceed the history limit", Cause);

/// <summary>
/// What one reconcile decided: actions (each with its reason and cause), warnings, and the earliest moment at which
/// time alone (a backoff, minReadySeconds, a toleration running out) would change the answer.
/// </summary>
public sealed record Plan(IReadOnlyList<PlanAction> Actions, IReadOnlyList<string> Warnings, DateTimeOffset? WakeAt)
{
    public bool IsEmpty => Actions.Count == 0;

    /// <summary>The earlier of two wake-ups, either of which may be absent.</summary>
    public static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;
}

/// <summary>Accumulates a plan; a pod is acted on at most once per plan.</summary>
internal sealed class PlanBuilder(DateTimeOffset now)
{
    private readonly List<PlanAction> _actions = [];
    private readonly List<string> _warnings = [];
    private readonly HashSet<string> _touchedPods = new(StringComparer.Ordinal);

    public DateTimeOffset Now { get; } = now;
    public DateTimeOffset? WakeAt { get; private set; }
    public int Count => _actions.Count;

    public void Add(PlanAction action)
    {
        var pod = action switch
        {
            DeletePod d => d.Pod,
            AdoptPod a => a.Pod,
            OrphanPod o => o.Pod,
            RelabelPod l => l.Pod,
            _ => null,
        };
        if (pod is not null && !_touchedPods.Add(pod)) return;
        _actions.Add(action);
    }

    public bool Touched(string pod) => _touchedPods.Contains(pod);

    public void Warn(string warning) => _warnings.Add(warning);

    /// <summary>Remember a moment after which the answer changes by itself (the caller wakes just after it).</summary>
    public void WakeUpAt(DateTimeOffset at)
    {
        if (at >= Now && (WakeAt is null || at < WakeAt)) WakeAt = at;
    }

    public Plan Build() => new(_actions, _warnings, WakeAt);
}
