using System.Collections.Immutable;
using System.Text.Json;
using EventEngine.Events;
using EventEngine.Model;

namespace EventEngine.State;

/// <summary>
/// The cluster state cut into objects that each have a history of versions: what the history table stores, one row per
/// version, so that any object (or the objects of one DaemonSet, one node, one kind) can be read at any seq without the
/// rest of the cluster. Derived indexes (slots, counters, pods by node) are not objects: they are rebuilt from these.
/// </summary>
public static class ObjectHistory
{
    /// <summary>The kinds of versioned objects.</summary>
    public static class Kinds
    {
        public const char Node = 'N';
        /// <summary>A DaemonSet's object, generations, revision and causes (<see cref="DaemonSetPart"/>).</summary>
        public const char DaemonSet = 'D';
        /// <summary>A DaemonSet's status and pods created (<see cref="DaemonSetCounters"/>): they move with every pod, the rest does not.</summary>
        public const char DaemonSetStatus = 'U';
        public const char Pod = 'P';
        public const char Revision = 'R';
        /// <summary>The event a slot (DaemonSet, node) last changed on: history, not derivable from the objects.</summary>
        public const char SlotCause = 'S';
        public const char Backoff = 'B';
        public const char DeletedOwner = 'X';
        public const char RemovedNode = 'G';

        public static readonly char[] All = [Node, DaemonSet, DaemonSetStatus, Pod, Revision, SlotCause, Backoff, DeletedOwner, RemovedNode];
    }

    /// <summary>A DaemonSet without its status, counters and slots.</summary>
    public sealed record DaemonSetPart(
        string Uid, DaemonSet Object, long Generation, long TemplateGeneration, DateTimeOffset CreatedAt, string CurrentHash,
        int CollisionCount, Guid SpecCause, Guid RevisionCause, bool RevisionRestored)
    {
        public static DaemonSetPart Of(DaemonSetState d) => new(d.Uid, d.Object, d.Generation, d.TemplateGeneration, d.CreatedAt,
            d.CurrentHash, d.CollisionCount, d.SpecCause, d.RevisionCause, d.RevisionRestored);

        /// <summary>Equal parts, the object compared by reference (states share it until an event replaces it).</summary>
        public static bool Same(DaemonSetState a, DaemonSetState b) =>
            ReferenceEquals(a.Object, b.Object) && a.Uid == b.Uid && a.Generation == b.Generation && a.TemplateGeneration == b.TemplateGeneration
            && a.CreatedAt == b.CreatedAt && a.CurrentHash == b.CurrentHash && a.CollisionCount == b.CollisionCount
            && a.SpecCause == b.SpecCause && a.RevisionCause == b.RevisionCause && a.RevisionRestored == b.RevisionRestored;
    }

    /// <summary>A DaemonSet's status as last written, and how many pods it has created (pod names follow it).</summary>
    public sealed record DaemonSetCounters(DaemonSetStatus Status, long PodsCreated)
    {
        public static DaemonSetCounters Of(DaemonSetState d) => new(d.Status, d.PodsCreated);
    }

    /// <summary>One object's version: Value null when the object is gone. Owner and Node say which scopes it belongs to.</summary>
    public sealed record Version(char Kind, string Key, string? Owner, string? Node, object? Value)
    {
        /// <summary>The stored body: the value as JSON (UTF-8).</summary>
        public byte[] Body() => BodyOf(Value!);
    }

    /// <summary>A version's stored body: the value as JSON (UTF-8).</summary>
    public static byte[] BodyOf(object value) => JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), Json.Options);

    /// <summary>A change of one object: what it was and what it became (null: not there).</summary>
    public readonly record struct Change(char Kind, string Key, object? Before, object? After);

    /// <summary>Every object of a state, as changes from nothing.</summary>
    public static IEnumerable<Change> All(ClusterState s)
    {
        foreach (var n in s.Nodes.Values) yield return new(Kinds.Node, n.Name, null, n);
        foreach (var d in s.DaemonSets.Values)
        {
            yield return new(Kinds.DaemonSet, d.Key, null, DaemonSetPart.Of(d));
            yield return new(Kinds.DaemonSetStatus, d.Key, null, DaemonSetCounters.Of(d));
            foreach (var (node, slot) in d.Slots) yield return new(Kinds.SlotCause, SlotKey(d.Key, node), null, slot.Cause);
        }
        foreach (var p in s.Pods.Values) yield return new(Kinds.Pod, p.Key, null, p);
        foreach (var r in s.Revisions.Values) yield return new(Kinds.Revision, r.Key, null, r);
        foreach (var (key, b) in s.Backoffs) yield return new(Kinds.Backoff, key, null, b);
        foreach (var (uid, o) in s.DeletedOwners) yield return new(Kinds.DeletedOwner, uid, null, o);
        foreach (var (node, cause) in s.RemovedNodes) yield return new(Kinds.RemovedNode, node, null, cause);
    }

    /// <summary>
    /// The objects one event changed, from the states just before and after it. Pods change only in pod events and
    /// nodes only in node events, so those are looked up by the event's subject; slots by the node the event is about,
    /// or all of a DaemonSet's slots when a DaemonSet event recomputed them; the small maps are compared whole.
    /// </summary>
    public static void Between(ClusterState before, ClusterState after, IEvent e, List<Change> into)
    {
        var pod = Subjects.PodOf(e);
        var node = pod is null ? Subjects.NodeOf(e) : null;
        if (!ReferenceEquals(before.Nodes, after.Nodes))
        {
            if (node is not null) Compare(Kinds.Node, node, before.Nodes.GetValueOrDefault(node), after.Nodes.GetValueOrDefault(node), into);
            else Diff(Kinds.Node, before.Nodes, after.Nodes, into);
        }
        if (!ReferenceEquals(before.Pods, after.Pods))
        {
            if (pod is not null) Compare(Kinds.Pod, pod, before.Pods.GetValueOrDefault(pod), after.Pods.GetValueOrDefault(pod), into);
            else Diff(Kinds.Pod, before.Pods, after.Pods, into);
        }
        if (!ReferenceEquals(before.DaemonSets, after.DaemonSets))
        {
            // the nodes whose slots this event can have moved: its node, or its pod's node before and after
            string?[] nodes = pod is not null
                ? [before.Pods.GetValueOrDefault(pod)?.TargetNode, after.Pods.GetValueOrDefault(pod)?.TargetNode]
                : [node];
            foreach (var key in before.DaemonSets.Keys.Union(after.DaemonSets.Keys))
                DaemonSet(key, before.DaemonSets.GetValueOrDefault(key), after.DaemonSets.GetValueOrDefault(key), nodes, into);
        }
        if (!ReferenceEquals(before.Revisions, after.Revisions)) Diff(Kinds.Revision, before.Revisions, after.Revisions, into);
        if (!ReferenceEquals(before.Backoffs, after.Backoffs)) Diff(Kinds.Backoff, before.Backoffs, after.Backoffs, into);
        if (!ReferenceEquals(before.DeletedOwners, after.DeletedOwners)) Diff(Kinds.DeletedOwner, before.DeletedOwners, after.DeletedOwners, into);
        if (!ReferenceEquals(before.RemovedNodes, after.RemovedNodes))
        {
            foreach (var (k, v) in after.RemovedNodes)
                if (!before.RemovedNodes.TryGetValue(k, out var old) || old != v) into.Add(new(Kinds.RemovedNode, k, before.RemovedNodes.TryGetValue(k, out var b) ? b : null, v));
            foreach (var (k, v) in before.RemovedNodes)
                if (!after.RemovedNodes.ContainsKey(k)) into.Add(new(Kinds.RemovedNode, k, v, null));
        }
    }

    private static void DaemonSet(string key, DaemonSetState? before, DaemonSetState? after, string?[] nodes, List<Change> into)
    {
        if (ReferenceEquals(before, after)) return;
        if (before is null || after is null || !DaemonSetPart.Same(before, after))
            into.Add(new(Kinds.DaemonSet, key, before is null ? null : DaemonSetPart.Of(before), after is null ? null : DaemonSetPart.Of(after)));
        if (before is null || after is null || before.Status != after.Status || before.PodsCreated != after.PodsCreated)
            into.Add(new(Kinds.DaemonSetStatus, key, before is null ? null : DaemonSetCounters.Of(before), after is null ? null : DaemonSetCounters.Of(after)));
        var (from, to) = (before?.Slots ?? ImmutableDictionary<string, NodeSlot>.Empty, after?.Slots ?? ImmutableDictionary<string, NodeSlot>.Empty);
        if (ReferenceEquals(from, to)) return;
        // a pod or node event moves the slots of its node; anything else may have recomputed them all
        var only = before is not null && after is not null && ReferenceEquals(before.Placement, after.Placement) && nodes.Any(n => n is not null);
        if (only)
        {
            foreach (var n in nodes.OfType<string>().Distinct()) Slot(key, n, from.GetValueOrDefault(n), to.GetValueOrDefault(n), into);
            return;
        }
        foreach (var (n, slot) in to) Slot(key, n, from.GetValueOrDefault(n), slot, into);
        foreach (var (n, slot) in from)
            if (!to.ContainsKey(n)) Slot(key, n, slot, null, into);
    }

    private static void Slot(string ds, string node, NodeSlot? before, NodeSlot? after, List<Change> into)
    {
        if (before?.Cause == after?.Cause && (before is null) == (after is null)) return;
        into.Add(new(Kinds.SlotCause, SlotKey(ds, node), before?.Cause, after?.Cause));
    }

    private static void Compare(char kind, string key, object? before, object? after, List<Change> into)
    {
        if (!ReferenceEquals(before, after)) into.Add(new(kind, key, before, after));
    }

    private static void Diff<T>(char kind, ImmutableDictionary<string, T> before, ImmutableDictionary<string, T> after, List<Change> into) where T : class
    {
        foreach (var (k, v) in after)
            if (!before.TryGetValue(k, out var old) || !ReferenceEquals(old, v)) into.Add(new(kind, k, old, v));
        foreach (var (k, v) in before)
            if (!after.ContainsKey(k)) into.Add(new(kind, k, v, null));
    }

    /// <summary>A slot's key: the DaemonSet (ns/name), '|', the node.</summary>
    public static string SlotKey(string daemonSet, string node) => daemonSet + "|" + node;

    /// <summary>
    /// The version a change leaves, with its scopes: a pod belongs to its controller's DaemonSet ("" when it has none:
    /// a DaemonSet adopts from those) and its node; a slot, backoff or revision to its DaemonSet (and node).
    /// </summary>
    public static Version VersionOf(Change c, ClusterState after, ClusterState before)
    {
        var value = c.After;
        string DaemonSetOfUid(string? uid) => (after.DaemonSetByUid(uid) ?? before.DaemonSetByUid(uid))?.Key ?? "";
        return c.Kind switch
        {
            Kinds.Node => new(c.Kind, c.Key, null, c.Key, value),
            Kinds.DaemonSet or Kinds.DaemonSetStatus => new(c.Kind, c.Key, c.Key, null, value),
            Kinds.Pod => (PodState?)(c.After ?? c.Before) is { } p
                ? new(c.Kind, c.Key, p.Controller is { } owner ? p.Namespace + "/" + owner.Name : "", p.TargetNode, value)
                : throw new InvalidOperationException("a pod change without a pod"),
            Kinds.Revision => new(c.Kind, c.Key, DaemonSetOfUid(((RevisionState)(c.After ?? c.Before)!).OwnerUid), null, value),
            Kinds.SlotCause => new(c.Kind, c.Key, c.Key[..c.Key.IndexOf('|')], c.Key[(c.Key.IndexOf('|') + 1)..], value),
            // uid/generation/node
            Kinds.Backoff => new(c.Kind, c.Key, DaemonSetOfUid(c.Key[..c.Key.IndexOf('/')]), c.Key[(c.Key.LastIndexOf('/') + 1)..], value),
            Kinds.DeletedOwner => new(c.Kind, c.Key, ((DeletedOwner)(c.After ?? c.Before)!).DaemonSet, null, value),
            Kinds.RemovedNode => new(c.Kind, c.Key, null, c.Key, value),
            _ => throw new InvalidOperationException($"no object kind {c.Kind}"),
        };
    }

    /// <summary>The type a kind's body reads back as.</summary>
    public static Type TypeOf(char kind) => kind switch
    {
        Kinds.Node => typeof(NodeState),
        Kinds.DaemonSet => typeof(DaemonSetPart),
        Kinds.DaemonSetStatus => typeof(DaemonSetCounters),
        Kinds.Pod => typeof(PodState),
        Kinds.Revision => typeof(RevisionState),
        Kinds.SlotCause or Kinds.RemovedNode => typeof(Guid),
        Kinds.Backoff => typeof(FailedPodBackoff),
        Kinds.DeletedOwner => typeof(DeletedOwner),
        _ => throw new InvalidOperationException($"no object kind {kind}"),
    };

    /// <summary>A stored body read back.</summary>
    public static object Read(char kind, ReadOnlySpan<byte> body) =>
        JsonSerializer.Deserialize(body, TypeOf(kind), Json.Options) ?? throw new InvalidDataException($"an empty {kind} version");

    /// <summary>
    /// A state from objects read back (all of a cluster, or the part a question needs): the derived indexes rebuilt,
    /// the slots' causes put back.
    /// </summary>
    public static ClusterState StateOf(IEnumerable<(char Kind, string Key, object Value)> objects)
    {
        var nodes = new List<NodeState>();
        var parts = new Dictionary<string, DaemonSetPart>(StringComparer.Ordinal);
        var counters = new Dictionary<string, DaemonSetCounters>(StringComparer.Ordinal);
        var pods = new List<PodState>();
        var revisions = new List<RevisionState>();
        var backoffs = new Dictionary<string, FailedPodBackoff>(StringComparer.Ordinal);
        var deleted = new Dictionary<string, DeletedOwner>(StringComparer.Ordinal);
        var removed = new Dictionary<string, Guid>(StringComparer.Ordinal);
        var causes = new List<StateDocument.SlotCause>();
        foreach (var (kind, key, value) in objects)
        {
            switch (kind)
            {
                case Kinds.Node: nodes.Add((NodeState)value); break;
                case Kinds.DaemonSet: parts[key] = (DaemonSetPart)value; break;
                case Kinds.DaemonSetStatus: counters[key] = (DaemonSetCounters)value; break;
                case Kinds.Pod: pods.Add((PodState)value); break;
                case Kinds.Revision: revisions.Add((RevisionState)value); break;
                case Kinds.SlotCause: causes.Add(new(key[..key.IndexOf('|')], key[(key.IndexOf('|') + 1)..], (Guid)value)); break;
                case Kinds.Backoff: backoffs[key] = (FailedPodBackoff)value; break;
                case Kinds.DeletedOwner: deleted[key] = (DeletedOwner)value; break;
                case Kinds.RemovedNode: removed[key] = (Guid)value; break;
            }
        }
        var daemonSets = parts.Select(p =>
        {
            var (d, c) = (p.Value, counters.GetValueOrDefault(p.Key) ?? new DaemonSetCounters(new DaemonSetStatus(), 0));
            return new StateDocument.DaemonSetDocument(d.Uid, d.Object, d.Generation, d.TemplateGeneration, d.CreatedAt, d.CurrentHash,
                c.Status, c.PodsCreated, d.CollisionCount, d.SpecCause, d.RevisionCause, d.RevisionRestored);
        }).ToList();
        return new StateDocument(nodes, daemonSets, pods, revisions, deleted, removed, backoffs, causes).ToState();
    }
}
