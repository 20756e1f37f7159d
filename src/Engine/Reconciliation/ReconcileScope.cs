using System.Collections.Immutable;
using EventEngine.Events;

namespace EventEngine.Reconciliation;

/// <summary>
/// What a reconcile has to look at. After an event only the touched nodes (for every DaemonSet) and the touched
/// DaemonSets (on every node) can need action, which is what keeps an incremental reconcile independent of
/// cluster size; time passing, start-up and replays reconcile everything.
/// </summary>
public sealed record ReconcileScope(bool Everything, ImmutableHashSet<string> Nodes, ImmutableHashSet<string> DaemonSets, bool Pods)
{
    public static readonly ReconcileScope All = new(true, [], [], true);
    public static readonly ReconcileScope None = new(false, [], [], false);

    /// <summary>One DaemonSet on every node: its next sync, as when its own object changes.</summary>
    public static ReconcileScope ForDaemonSet(string key) => new(false, [], [key], false);

    public bool IsEmpty => !Everything && Nodes.IsEmpty && DaemonSets.IsEmpty && !Pods;

    /// <summary>A DaemonSet is synced when anything it could depend on changed.</summary>
    public bool Syncs(string daemonSet) => Everything || Pods || !Nodes.IsEmpty || DaemonSets.Contains(daemonSet);

    /// <summary>Whether every node of the DaemonSet must be visited (else only <see cref="Nodes"/>).</summary>
    public bool AllNodesOf(string daemonSet) => Everything || DaemonSets.Contains(daemonSet);

    public ReconcileScope Union(ReconcileScope other) => new(
        Everything || other.Everything, Nodes.Union(other.Nodes), DaemonSets.Union(other.DaemonSets), Pods || other.Pods);

    public static ReconcileScope Of(IEnumerable<IEvent> events)
    {
        var nodes = ImmutableHashSet.CreateBuilder<string>();
        var daemonSets = ImmutableHashSet.CreateBuilder<string>();
        var pods = false;
        foreach (var e in events)
        {
            switch (e)
            {
                case NodeJoined or NodeLabelsChanged or NodeTaintsChanged or NodeRemoved:
                    nodes.Add(Subjects.NodeOf(e)!);
                    break;
                case DaemonSetCreated or DaemonSetUpdated or DaemonSetRolledBack or DaemonSetDeleted:
                    daemonSets.Add(Subjects.DaemonSetOf(e)!);
                    break;
                case var pod when EventTypes.SubjectOf(pod) == EventSubject.Pod:
                    pods = true;
                    if (Subjects.NodeOf(e) is { } node) nodes.Add(node);
                    break;
            }
        }
        return new ReconcileScope(false, nodes.ToImmutable(), daemonSets.ToImmutable(), pods);
    }
}
