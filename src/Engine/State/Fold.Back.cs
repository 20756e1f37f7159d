using System.Collections.Immutable;

namespace EventEngine.State;

public static partial class Fold
{
    /// <summary>
    /// An earlier state from a later one: the objects that changed between them (<paramref name="changed"/>: kind and
    /// key, see <see cref="ObjectHistory"/>) taken out, and those of them that existed then (<paramref name="then"/>) put
    /// back as they were. The derived indexes are mended where those objects touch them (the slots of the nodes they
    /// are on, every slot of a DaemonSet that changed) instead of rebuilt for the cluster, so going back over a few
    /// thousand changes costs those changes. The same state as <see cref="ObjectHistory.StateOf"/> of every object then.
    /// A DaemonSet with more than <paramref name="mendUpTo"/> nodes to mend (a quarter of the nodes unless given) has its
    /// slots worked out whole instead: going far back touches most of them, and one pass over the nodes then costs less
    /// than mending them one by one (each looks up every pod on its node and copies the slots' map).
    /// </summary>
    public static ClusterState Back(ClusterState later, IReadOnlyCollection<(char Kind, string Key)> changed,
        IReadOnlyList<(char Kind, string Key, object Value)> then, int? mendUpTo = null)
    {
        var nodes = later.Nodes.ToBuilder();
        var names = later.NodeNames.ToBuilder();
        var pods = later.Pods.ToBuilder();
        // the pods of each node a pod leaves or comes back to, changed in place and made immutable once at the end
        var podsOn = new Dictionary<string, ImmutableHashSet<string>.Builder>(StringComparer.Ordinal);
        ImmutableHashSet<string>.Builder PodsOn(string node)
        {
            if (!podsOn.TryGetValue(node, out var keys))
                podsOn[node] = keys = later.PodsByNode.GetValueOrDefault(node, ImmutableHashSet<string>.Empty).ToBuilder();
            return keys;
        }
        var revisions = later.Revisions.ToBuilder();
        var backoffs = later.Backoffs.ToBuilder();
        var deleted = later.DeletedOwners.ToBuilder();
        var removed = later.RemovedNodes.ToBuilder();
        // nodes whose placement answers may differ (every DaemonSet's slot there), and slots whose pods or cause may
        var changedNodes = new HashSet<string>(StringComparer.Ordinal);
        var touched = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        void Touch(string daemonSet, string node)
        {
            if (!touched.TryGetValue(daemonSet, out var at)) touched[daemonSet] = at = new HashSet<string>(StringComparer.Ordinal);
            at.Add(node);
        }
        // a pod is only ever in the slots of the DaemonSet its controller's uid names (then or now): resolved below
        var podSlots = new List<(string Uid, string Node)>();
        void TouchPod(PodState pod)
        {
            if (pod.TargetNode is { } node && pod.Controller?.Uid is { } uid) podSlots.Add((uid, node));
        }
        var podKeys = new HashSet<string>(StringComparer.Ordinal);
        var parts = new Dictionary<string, ObjectHistory.DaemonSetPart?>(StringComparer.Ordinal);
        var counters = new Dictionary<string, ObjectHistory.DaemonSetCounters?>(StringComparer.Ordinal);
        var causes = new Dictionary<(string DaemonSet, string Node), Guid?>();

        void Unplace(string key)
        {
            if (!pods.TryGetValue(key, out var pod)) return;
            pods.Remove(key);
            podKeys.Add(key);
            TouchPod(pod);
            if (pod.TargetNode is { } node) PodsOn(node).Remove(key);
        }

        foreach (var (kind, key) in changed)
        {
            switch (kind)
            {
                case ObjectHistory.Kinds.Node: nodes.Remove(key); names.Remove(key); changedNodes.Add(key); break;
                case ObjectHistory.Kinds.Pod: Unplace(key); break;
                case ObjectHistory.Kinds.DaemonSet: parts[key] = null; break;
                case ObjectHistory.Kinds.DaemonSetStatus: counters[key] = null; break;
                case ObjectHistory.Kinds.Revision: revisions.Remove(key); break;
                case ObjectHistory.Kinds.Backoff: backoffs.Remove(key); break;
                case ObjectHistory.Kinds.DeletedOwner: deleted.Remove(key); break;
                case ObjectHistory.Kinds.RemovedNode: removed.Remove(key); break;
                case ObjectHistory.Kinds.SlotCause:
                    var (ds, node) = SlotOfKey(key);
                    causes[(ds, node)] = null;
                    Touch(ds, node);
                    break;
            }
        }
        foreach (var (kind, key, value) in then)
        {
            switch (kind)
            {
                case ObjectHistory.Kinds.Node: nodes[key] = (NodeState)value; names.Add(key); changedNodes.Add(key); break;
                case ObjectHistory.Kinds.Pod:
                    var pod = (PodState)value;
                    Unplace(key);
                    pods[key] = pod;
                    podKeys.Add(key);
                    TouchPod(pod);
                    if (pod.TargetNode is { } on) PodsOn(on).Add(key);
                    break;
                case ObjectHistory.Kinds.DaemonSet: parts[key] = (ObjectHistory.DaemonSetPart)value; break;
                case ObjectHistory.Kinds.DaemonSetStatus: counters[key] = (ObjectHistory.DaemonSetCounters)value; break;
                case ObjectHistory.Kinds.Revision: revisions[key] = (RevisionState)value; break;
                case ObjectHistory.Kinds.Backoff: backoffs[key] = (FailedPodBackoff)value; break;
                case ObjectHistory.Kinds.DeletedOwner: deleted[key] = (DeletedOwner)value; break;
                case ObjectHistory.Kinds.RemovedNode: removed[key] = (Guid)value; break;
                case ObjectHistory.Kinds.SlotCause:
                    var (ds, node) = SlotOfKey(key);
                    causes[(ds, node)] = (Guid)value;
                    Touch(ds, node);
                    break;
            }
        }

        // a DaemonSet whose object changed is made again from it (its slots from scratch below); one whose status or
        // counter changed keeps its object, placement and slots
        var daemonSets = later.DaemonSets.ToBuilder();
        var remade = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, part) in parts)
        {
            daemonSets.Remove(key);
            if (part is null) continue;
            var c = counters.GetValueOrDefault(key) ?? (later.DaemonSets.GetValueOrDefault(key) is { } kept
                ? ObjectHistory.DaemonSetCounters.Of(kept) : new ObjectHistory.DaemonSetCounters(new Model.DaemonSetStatus(), 0));
            daemonSets[key] = StateDocument.Unindexed(new StateDocument.DaemonSetDocument(part.Uid, part.Object, part.Generation,
                part.TemplateGeneration, part.CreatedAt, part.CurrentHash, c.Status, c.PodsCreated, part.CollisionCount,
                part.SpecCause, part.RevisionCause, part.RevisionRestored));
            remade.Add(key);
        }
        foreach (var (key, c) in counters)
            if (!parts.ContainsKey(key) && c is not null && daemonSets.TryGetValue(key, out var ds))
                daemonSets[key] = ds with { Status = c.Status, PodsCreated = c.PodsCreated };

        var podsByNode = later.PodsByNode.ToBuilder();
        foreach (var (node, keys) in podsOn)
        {
            if (keys.Count == 0) podsByNode.Remove(node);
            else podsByNode[node] = keys.ToImmutable();
        }
        var s = later with
        {
            Nodes = nodes.ToImmutable(),
            NodeNames = names.ToImmutable(),
            Pods = pods.ToImmutable(),
            PodsByNode = podsByNode.ToImmutable(),
            Revisions = revisions.ToImmutable(),
            Backoffs = backoffs.ToImmutable(),
            DeletedOwners = deleted.ToImmutable(),
            RemovedNodes = removed.ToImmutable(),
            DaemonSets = daemonSets.ToImmutable(),
        };
        s = s with { DaemonSetsByUid = s.DaemonSets.Values.ToImmutableDictionary(d => d.Uid, d => d.Key) };
        foreach (var (uid, node) in podSlots)
        {
            if (s.DaemonSetsByUid.TryGetValue(uid, out var past)) Touch(past, node);
            if (later.DaemonSetsByUid.TryGetValue(uid, out var present)) Touch(present, node);
        }
        // which pods are unclaimed depends on the DaemonSets: when one changed, every pod is asked again
        s = parts.Count > 0
            ? Reclassify(s with { Unclaimed = ImmutableHashSet<string>.Empty }, s.Pods.Keys)
            : Reclassify(s with { Unclaimed = s.Unclaimed.Except(podKeys) }, podKeys.Where(s.Pods.ContainsKey));

        var mended = s.DaemonSets.ToBuilder();
        // a DaemonSet made again has its slots from scratch, from the pods its uid owns: found for all of them in one pass
        // over the pods, not by looking up every pod of every node for each
        Dictionary<string, Dictionary<string, List<PodState>>>? owned = null;
        foreach (var ds in s.DaemonSets.Values)
        {
            var mine = touched.GetValueOrDefault(ds.Key) ?? [];
            var rebuilt = remade.Contains(ds.Key) || changedNodes.Count + mine.Count > (mendUpTo ?? s.Nodes.Count / 4);
            var d = rebuilt ? WithAllSlots(s, ds, Guid.Empty, (owned ??= OwnedByNode(s)).GetValueOrDefault(ds.Uid) ?? []) : ds;
            if (!rebuilt)
            {
                foreach (var node in changedNodes) d = WithSlot(s, d, node, reevaluate: true, Guid.Empty);
                // the node is as it was: so is the answer there, only the pods may differ
                foreach (var node in mine)
                    if (!changedNodes.Contains(node)) d = WithSlot(s, d, node, reevaluate: false, Guid.Empty);
            }
            // each slot's cause as it was then: changed since, from the history; else as it is now
            var before = later.DaemonSets.GetValueOrDefault(ds.Key);
            var slots = d.Slots.ToBuilder();
            foreach (var node in rebuilt ? d.Slots.Keys : changedNodes.Concat(mine))
            {
                if (!slots.TryGetValue(node, out var slot)) continue;
                var cause = causes.TryGetValue((ds.Key, node), out var earlier) ? earlier ?? Guid.Empty : before?.SlotOf(node).Cause ?? Guid.Empty;
                if (slot.Cause != cause) slots[node] = slot with { Cause = cause };
            }
            mended[ds.Key] = d with { Slots = slots.ToImmutable() };
        }
        return s with { DaemonSets = mended.ToImmutable() };
    }

    private static (string DaemonSet, string Node) SlotOfKey(string key)
    {
        var bar = key.IndexOf('|');
        return (key[..bar], key[(bar + 1)..]);
    }
}
