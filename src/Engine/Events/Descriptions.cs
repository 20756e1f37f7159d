using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Events;

/// <summary>
/// One line of plain language per event, for incident timelines: "node-7 tainted dedicated=gpu:NoExecute".
/// The states just before and after the event supply what changed.
/// </summary>
public static class Descriptions
{
    public static string Of(IEvent e, ClusterState before, ClusterState after, string? reasonMessage = null) => e switch
    {
        NodeJoined x => $"{x.Node} joined" + Labels(" with labels ", x.Labels) + (x.Taints.Count > 0 ? $", taints {string.Join(", ", x.Taints)}" : ""),
        NodeLabelsChanged x => $"{x.Node} labels changed: {LabelDiff(before.Nodes.GetValueOrDefault(x.Node)?.Labels ?? System.Collections.Immutable.ImmutableDictionary<string, string>.Empty, x.Labels)}",
        NodeAnnotationsChanged x => $"{x.Node} annotations changed: {KeyDiff(before.Nodes.GetValueOrDefault(x.Node)?.Annotations ?? System.Collections.Immutable.ImmutableDictionary<string, string>.Empty, x.Annotations)}",
        NodeTaintsChanged x => TaintDiff(x.Node, before.Nodes.GetValueOrDefault(x.Node)?.Taints ?? [], x.Taints),
        NodeCordoned x => $"{x.Node} cordoned",
        NodeUncordoned x => $"{x.Node} uncordoned",
        NodeResourcesChanged x => ResourcesDiff(x, before.Nodes.GetValueOrDefault(x.Node)),
        NodeConditionChanged x => x.Status is null ? $"{x.Node} no longer reports {x.Type}" : $"{x.Node} condition {x.Type}={x.Status}",
        NodeRemoved x => $"{x.Node} removed",
        DaemonSetCreated x => $"DaemonSet {x.DaemonSet} created at revision {x.Revision.Number} ({Images(x.Object)})",
        DaemonSetUpdated x => Updated(x, before),
        DaemonSetRolledBack x => $"DaemonSet {x.DaemonSet} rolled back to the template of revision {x.ToRevision}, now revision {x.Revision.Number} ({Images(x.Object)})",
        DaemonSetRevisionsPruned x => $"DaemonSet {x.DaemonSet} revisions {string.Join(", ", x.Revisions)} pruned (history limit)",
        DaemonSetRevisionsDeduplicated x => $"DaemonSet {x.DaemonSet} kept revision {x.Kept} and removed {string.Join(", ", x.Removed)}, which held the same template",
        DaemonSetRevisionObserved x => $"DaemonSet {x.DaemonSet} revision {x.Number} is the cluster's {x.Name}"
            + (x.Replaces is null ? "" : $" (the engine's {x.Replaces}, same template)"),
        DaemonSetDeleted x => $"DaemonSet {x.DaemonSet} deleted ({(x.PropagationPolicy == DeletionPolicy.Orphan ? "pods orphaned" : "pods deleted")})",
        DaemonSetStatusChanged x => $"DaemonSet {x.DaemonSet} status: {x.Status.NumberReady}/{x.Status.DesiredNumberScheduled} ready, "
            + $"{x.Status.UpdatedNumberScheduled} updated, {x.Status.NumberAvailable} available, {x.Status.NumberMisscheduled} misscheduled",
        PodCreated x => $"pod {x.Pod} of {x.DaemonSet} created on {x.Node} (revision {RevisionOf(after, x.DaemonSet, x.Hash)})",
        PodRegistered x => $"pod {x.Pod} registered on {x.Node ?? "no node"}" + (x.DaemonSet is null ? "" : $" (owner {x.DaemonSet})"),
        PodStatusObserved x => $"pod {x.Pod} on {x.Node} reported {x.Phase}{(x.Ready ? ", ready" : ", not ready")}",
        PodLabelsChanged x => $"pod {x.Pod} labels changed: {LabelDiff(before.Pods.GetValueOrDefault(x.Namespace + "/" + x.Pod)?.Labels ?? System.Collections.Immutable.ImmutableDictionary<string, string>.Empty, x.Labels)}",
        PodTerminating x => $"pod {x.Pod} on {x.Node} terminating",
        PodDeleted x => $"pod {x.Pod}{(x.DaemonSet is null ? "" : " of " + x.DaemonSet)} deleted from {x.Node ?? "no node"}: {reasonMessage ?? x.Reason}",
        PodOrphaned x => $"pod {x.Pod} on {x.Node} released by {x.DaemonSet}: {reasonMessage ?? x.Reason}",
        PodAdopted x => $"pod {x.Pod} on {x.Node} adopted by {x.DaemonSet}",
        _ => EventTypes.NameOf(e),
    };

    private static string Updated(DaemonSetUpdated x, ClusterState before)
    {
        var old = before.DaemonSets.GetValueOrDefault(x.DaemonSet);
        if (x.Revision is { } revision)
        {
            var images = old is null ? Images(x.Object) : $"{Images(old.Object)} -> {Images(x.Object)}";
            return revision.PreviousNumber is { } previous
                ? $"DaemonSet {x.DaemonSet} template set back to revision {previous}, now revision {revision.Number} ({images})"
                : $"DaemonSet {x.DaemonSet} updated to revision {revision.Number} ({images})";
        }
        var strategy = x.Object.Spec?.UpdateStrategy;
        var budget = strategy?.RollingUpdate is { } r ? $" maxUnavailable {r.MaxUnavailable}, maxSurge {r.MaxSurge}" : "";
        return old is not null && x.Generation == old.Generation
            ? $"DaemonSet {x.DaemonSet} labels or annotations changed"
            : $"DaemonSet {x.DaemonSet} spec changed, template unchanged (strategy {strategy?.Type}{budget})";
    }

    private static string Images(DaemonSet ds) =>
        string.Join(", ", ds.Spec?.Template?.Spec.Containers?.Select(c => c.Image) ?? []);

    private static string RevisionOf(ClusterState s, string ds, string hash) =>
        s.DaemonSets.GetValueOrDefault(ds) is { } d && s.RevisionsOf(d).FirstOrDefault(r => r.Hash == hash) is { } r ? r.Number.ToString(System.Globalization.CultureInfo.InvariantCulture) : hash;

    private static string Labels(string prefix, IReadOnlyDictionary<string, string> labels) =>
        labels.Count == 0 ? "" : prefix + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    /// <summary>The keys of a map that changed (+ added, ~ changed, - removed): annotation values can be whole documents.</summary>
    private static string KeyDiff(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        MapDiff(before, after, (key, was, _) => (was is null ? "+" : "~") + key);

    private static string LabelDiff(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        MapDiff(before, after, (key, was, now) => was is null ? $"+{key}={now}" : $"{key}={was}->{now}");

    /// <summary>"node-1 resources changed: allocatable cpu=4->3, +nvidia.com/gpu=1": each list that changed, as label changes are told.</summary>
    private static string ResourcesDiff(NodeResourcesChanged x, NodeState? before)
    {
        IReadOnlyDictionary<string, string> empty = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty;
        var lists = new[] { (Name: "capacity", Was: before?.Capacity ?? empty, Now: x.Capacity ?? empty), (Name: "allocatable", Was: before?.Allocatable ?? empty, Now: x.Allocatable ?? empty) }
            .Where(l => !Decisions.NodeDecisions.SameMap(l.Was, l.Now))
            .Select(l => $"{l.Name} {LabelDiff(l.Was, l.Now)}").ToList();
        return $"{x.Node} resources changed: {(lists.Count == 0 ? "none" : string.Join("; ", lists))}";
    }

    /// <summary>What changed between two maps, in key order: each added or changed key as <paramref name="changed"/> writes it (key, value before or null, value now), each removed one as -key.</summary>
    private static string MapDiff(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after,
        Func<string, string?, string, string> changed)
    {
        var changes = after.Where(p => !before.TryGetValue(p.Key, out var v) || v != p.Value)
            .Select(p => changed(p.Key, before.GetValueOrDefault(p.Key), p.Value))
            .Concat(before.Keys.Where(k => !after.ContainsKey(k)).Select(k => $"-{k}"))
            .Order(StringComparer.Ordinal).ToList();
        return changes.Count == 0 ? "none" : string.Join(", ", changes);
    }

    private static string TaintDiff(string node, IReadOnlyList<Taint> before, IReadOnlyList<Taint> after)
    {
        var added = after.Where(t => !before.Any(b => b.SameAs(t))).ToList();
        var removed = before.Where(t => !after.Any(a => a.SameAs(t))).ToList();
        var parts = new List<string>();
        if (added.Count > 0) parts.Add($"tainted {string.Join(", ", added)}");
        if (removed.Count > 0) parts.Add($"untainted {string.Join(", ", removed)}");
        return $"{node} {(parts.Count == 0 ? "taints rewritten" : string.Join("; ", parts))}";
    }
}
