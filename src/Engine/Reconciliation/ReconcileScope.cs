using System.Collections.Immutable;
using EventEngine.Events;

namespace EventEngine.Reconciliation;

/// <summary>
/// What a reconcile has to look at. After an event only the touched nodes (for every DaemonSet) and the touched
/// DaemonSets (on every node) can need action, which is what keeps an incremental reconcile independent of
/// cluster size; time passing, start-up and replays reconcile everything. A DaemonSet's own pod created, deleted,
/// terminating or reported on a node touches that node for that DaemonSet only (<see cref="PodNodes"/>): placement
/// never reads another DaemonSet's pods, so a rollout of one DaemonSet on every node does not manage the others there.
/// </summary>
public sealed record ReconcileScope(bool Everything, ImmutableHashSet<string> Nodes, ImmutableHashSet<string> DaemonSets, bool Pods)
{
    private static readonly ImmutableDictionary<string, ImmutableHashSet<string>> NoPodNodes =
        ImmutableDictionary.Create<string, ImmutableHashSet<string>>(StringComparer.Ordinal);

    /// <summary>By DaemonSet, the nodes where only its own pods changed.</summary>
    public ImmutableDictionary<string, ImmutableHashSet<string>> PodNodes { get; init; } = NoPodNodes;

    public static readonly ReconcileScope All = new(true, [], [], true);
    public static readonly ReconcileScope None = new(false, [], [], false);

    /// <summary>One DaemonSet on every node: its next sync, as when its own object changes.</summary>
    public static ReconcileScope ForDaemonSet(string key) => new(false, [], [key], false);

    public bool IsEmpty => !Everything && Nodes.IsEmpty && DaemonSets.IsEmpty && !Pods && PodNodes.IsEmpty;

    /// <summary>A DaemonSet is synced when anything it could depend on changed.</summary>
    public bool Syncs(string daemonSet) => Everything || Pods || !Nodes.IsEmpty || DaemonSets.Contains(daemonSet);

    /// <summary>Whether every node of the DaemonSet must be visited (else only <see cref="NodesOf"/>).</summary>
    public bool AllNodesOf(string daemonSet) => Everything || DaemonSets.Contains(daemonSet);

    /// <summary>The nodes to visit for a DaemonSet that is not visited everywhere: the touched nodes and its own.</summary>
    public IEnumerable<string> NodesOf(string daemonSet) => PodNodes.TryGetValue(daemonSet, out var own) ? Nodes.Union(own) : Nodes;

    /// <summary>Every node something happened on, whoever's pods.</summary>
    public IEnumerable<string> AllNodes => PodNodes.IsEmpty ? Nodes : Nodes.Union(PodNodes.Values.SelectMany(n => n));

    public ReconcileScope Union(ReconcileScope other)
    {
        var podNodes = PodNodes;
        foreach (var (ds, nodes) in other.PodNodes)
            podNodes = podNodes.SetItem(ds, podNodes.TryGetValue(ds, out var mine) ? mine.Union(nodes) : nodes);
        return new(Everything || other.Everything, Nodes.Union(other.Nodes), DaemonSets.Union(other.DaemonSets), Pods || other.Pods)
        {
            PodNodes = podNodes,
        };
    }

    public static ReconcileScope Of(IEnumerable<IEvent> events)
    {
        var nodes = ImmutableHashSet.CreateBuilder<string>();
        var daemonSets = ImmutableHashSet.CreateBuilder<string>();
        var pods = false;
        var podNodes = new Dictionary<string, ImmutableHashSet<string>.Builder>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            switch (e)
            {
                case PodCreated or PodDeleted or PodStatusObserved or PodTerminating
                    when Subjects.DaemonSetOf(e) is { } owner && Subjects.NodeOf(e) is { } podNode:
                    pods = true;
                    if (!podNodes.TryGetValue(owner, out var own)) podNodes[owner] = own = ImmutableHashSet.CreateBuilder<string>();
                    own.Add(podNode);
                    break;
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
        return new ReconcileScope(false, nodes.ToImmutable(), daemonSets.ToImmutable(), pods)
        {
            PodNodes = podNodes.Count == 0 ? NoPodNodes : podNodes.ToImmutableDictionary(p => p.Key, p => p.Value.ToImmutable(), StringComparer.Ordinal),
        };
    }
}
