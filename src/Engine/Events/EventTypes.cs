using System.Text.Json;
using EventEngine.Model;
using EventEngine.Storage;

namespace EventEngine.Events;

/// <summary>The kind of object an event is about (its stream's kind): a node, a DaemonSet (spec, revisions, status) or a pod.</summary>
public enum EventSubject
{
    Node,
    DaemonSet,
    Pod,
}

/// <summary>
/// The one registry of stored event type names. Names are stable and versioned (node_joined.v1), never the CLR
/// name, so classes can be renamed without breaking the log.
/// </summary>
public static class EventTypes
{
    private static readonly (string Name, Type Type, EventSubject Subject)[] All =
    [
        ("node_joined.v1", typeof(NodeJoined), EventSubject.Node),
        ("node_labels_changed.v1", typeof(NodeLabelsChanged), EventSubject.Node),
        ("node_annotations_changed.v1", typeof(NodeAnnotationsChanged), EventSubject.Node),
        ("node_taints_changed.v1", typeof(NodeTaintsChanged), EventSubject.Node),
        ("node_cordoned.v1", typeof(NodeCordoned), EventSubject.Node),
        ("node_uncordoned.v1", typeof(NodeUncordoned), EventSubject.Node),
        ("node_condition_changed.v1", typeof(NodeConditionChanged), EventSubject.Node),
        ("node_resources_changed.v1", typeof(NodeResourcesChanged), EventSubject.Node),
        ("node_removed.v1", typeof(NodeRemoved), EventSubject.Node),
        ("daemonset_created.v1", typeof(DaemonSetCreated), EventSubject.DaemonSet),
        ("daemonset_updated.v1", typeof(DaemonSetUpdated), EventSubject.DaemonSet),
        ("daemonset_rolled_back.v1", typeof(DaemonSetRolledBack), EventSubject.DaemonSet),
        ("daemonset_revisions_pruned.v1", typeof(DaemonSetRevisionsPruned), EventSubject.DaemonSet),
        ("daemonset_revisions_deduplicated.v1", typeof(DaemonSetRevisionsDeduplicated), EventSubject.DaemonSet),
        ("daemonset_revision_observed.v1", typeof(DaemonSetRevisionObserved), EventSubject.DaemonSet),
        ("daemonset_deleted.v1", typeof(DaemonSetDeleted), EventSubject.DaemonSet),
        ("daemonset_status_changed.v1", typeof(DaemonSetStatusChanged), EventSubject.DaemonSet),
        ("pod_created.v1", typeof(PodCreated), EventSubject.Pod),
        ("pod_registered.v1", typeof(PodRegistered), EventSubject.Pod),
        ("pod_status_observed.v1", typeof(PodStatusObserved), EventSubject.Pod),
        ("pod_labels_changed.v1", typeof(PodLabelsChanged), EventSubject.Pod),
        ("pod_terminating.v1", typeof(PodTerminating), EventSubject.Pod),
        ("pod_deleted.v1", typeof(PodDeleted), EventSubject.Pod),
        ("pod_orphaned.v1", typeof(PodOrphaned), EventSubject.Pod),
        ("pod_adopted.v1", typeof(PodAdopted), EventSubject.Pod),
    ];

    private static readonly Dictionary<string, Type> ByName = All.ToDictionary(e => e.Name, e => e.Type);
    private static readonly Dictionary<Type, string> ByType = All.ToDictionary(e => e.Type, e => e.Name);
    private static readonly Dictionary<Type, EventSubject> SubjectByType = All.ToDictionary(e => e.Type, e => e.Subject);

    public static IReadOnlyCollection<string> Names => ByName.Keys;
    public static IReadOnlyCollection<Type> Types => ByType.Keys;

    public static string NameOf(IEvent e) => NameOf(e.GetType());

    public static string NameOf(Type type) =>
        ByType.TryGetValue(type, out var name) ? name : throw new InvalidOperationException($"{type.Name} is not a registered event type");

    public static bool IsKnown(string name) => ByName.ContainsKey(name);

    /// <summary>What kind of object an event is about, as the registry declares it.</summary>
    public static EventSubject SubjectOf(IEvent e) =>
        SubjectByType.TryGetValue(e.GetType(), out var subject) ? subject : throw new InvalidOperationException($"{e.GetType().Name} is not a registered event type");

    public static string Serialize(IEvent e) => JsonSerializer.Serialize(e, e.GetType(), Json.Options);

    /// <summary>A stored event as the fold sees it: its id, time, typed event and cause.</summary>
    public static Recorded Decode(StoredEvent e) => new(
        e.Id, e.RecordedAt, Deserialize(e.Type, e.Data),
        Guid.TryParse(e.Metadata.CausationId, out var cause) ? cause : null);

    /// <summary>Unknown types fail loudly: a log this code cannot read must not be half-folded.</summary>
    public static IEvent Deserialize(string name, string data)
    {
        if (!ByName.TryGetValue(name, out var type)) throw new InvalidOperationException($"unknown event type {name}");
        return (IEvent)(JsonSerializer.Deserialize(data, type, Json.Options)
            ?? throw new InvalidOperationException($"event {name} has no data"));
    }
}
