using System.Collections.Immutable;
using EventEngine.Model;
using EventEngine.Placement;

namespace EventEngine.State;

/// <summary>
/// A cluster state as a JSON document (the object history rebuilds states through it; tests compare states by it): the objects and the causes the fold recorded. Derived
/// indexes (slots, counters, pods by node, unclaimed pods) are not stored; <see cref="ToState"/> rebuilds them.
/// </summary>
public sealed record StateDocument(
    IReadOnlyList<NodeState> Nodes,
    IReadOnlyList<StateDocument.DaemonSetDocument> DaemonSets,
    IReadOnlyList<PodState> Pods,
    IReadOnlyList<RevisionState> Revisions,
    IReadOnlyDictionary<string, DeletedOwner> DeletedOwners,
    IReadOnlyDictionary<string, Guid> RemovedNodes,
    IReadOnlyDictionary<string, FailedPodBackoff> Backoffs,
    IReadOnlyList<StateDocument.SlotCause> SlotCauses)
{
    /// <summary>A DaemonSet without what can be derived (compiled placement, slots, counters).</summary>
    public sealed record DaemonSetDocument(
        string Uid, DaemonSet Object, long Generation, long TemplateGeneration, DateTimeOffset CreatedAt, string CurrentHash,
        DaemonSetStatus Status, long PodsCreated, int CollisionCount, Guid SpecCause, Guid RevisionCause, bool RevisionRestored);

    /// <summary>The event a slot last changed on: history, not derivable from the objects.</summary>
    public sealed record SlotCause(string DaemonSet, string Node, Guid Cause);

    public static StateDocument From(ClusterState s) => new(
        [.. s.Nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal)],
        [.. s.DaemonSets.Values.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => new DaemonSetDocument(
            d.Uid, d.Object, d.Generation, d.TemplateGeneration, d.CreatedAt, d.CurrentHash, d.Status, d.PodsCreated,
            d.CollisionCount, d.SpecCause, d.RevisionCause, d.RevisionRestored))],
        [.. s.Pods.Values.OrderBy(p => p.Key, StringComparer.Ordinal)],
        [.. s.Revisions.Values.OrderBy(r => r.Key, StringComparer.Ordinal)],
        s.DeletedOwners, s.RemovedNodes, s.Backoffs,
        [.. s.DaemonSets.Values.OrderBy(d => d.Key, StringComparer.Ordinal)
            .SelectMany(d => d.Slots.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new SlotCause(d.Key, p.Key, p.Value.Cause)))]);

    /// <summary>A DaemonSet's state from its document: placement compiled, no slots yet (the fold's indexes fill them).</summary>
    public static DaemonSetState Unindexed(DaemonSetDocument d)
    {
        var meta = d.Object.Metadata!;
        return new DaemonSetState(meta.Namespace!, meta.Name!, d.Uid, d.Object, d.Generation, d.TemplateGeneration, d.CreatedAt,
            d.CurrentHash, PlacementSpec.From(d.Object.Spec!.Template!), ImmutableDictionary<string, NodeSlot>.Empty, default,
            d.Status, d.PodsCreated, d.CollisionCount, d.SpecCause, d.RevisionCause, d.RevisionRestored);
    }

    /// <summary>The state again, with every derived index rebuilt and the recorded causes put back.</summary>
    public ClusterState ToState()
    {
        var daemonSets = DaemonSets.Select(Unindexed).ToList();
        var s = ClusterState.Empty with
        {
            Nodes = Nodes.ToImmutableDictionary(n => n.Name),
            NodeNames = ImmutableSortedSet.CreateRange(NaturalOrder.Instance, Nodes.Select(n => n.Name)),
            DaemonSets = daemonSets.ToImmutableDictionary(d => d.Key),
            DaemonSetsByUid = daemonSets.ToImmutableDictionary(d => d.Uid, d => d.Key),
            Pods = Pods.ToImmutableDictionary(p => p.Key),
            PodsByNode = Pods.Where(p => p.TargetNode is not null).GroupBy(p => p.TargetNode!)
                .ToImmutableDictionary(g => g.Key, g => g.Select(p => p.Key).ToImmutableHashSet()),
            Revisions = Revisions.ToImmutableDictionary(r => r.Key),
            DeletedOwners = DeletedOwners.ToImmutableDictionary(),
            RemovedNodes = RemovedNodes.ToImmutableDictionary(),
            Backoffs = Backoffs.ToImmutableDictionary(),
        };
        s = Fold.Reindex(s);
        var causes = SlotCauses.ToLookup(c => c.DaemonSet);
        var withCauses = s.DaemonSets.ToBuilder();
        foreach (var ds in s.DaemonSets.Values)
        {
            // a builder: a whole cluster puts back a cause in every slot (100,000 at 5,000 nodes x 20 DaemonSets)
            var slots = ds.Slots.ToBuilder();
            foreach (var c in causes[ds.Key])
                if (slots.TryGetValue(c.Node, out var slot)) slots[c.Node] = slot with { Cause = c.Cause };
            withCauses[ds.Key] = ds with { Slots = slots.ToImmutable() };
        }
        return s with { DaemonSets = withCauses.ToImmutable() };
    }
}
