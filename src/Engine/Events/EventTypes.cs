using System.Text.Json;
using EventEngine.Model;

namespace EventEngine.Events;

/// <summary>
/// The one registry of stored event type names. Names are stable and versioned (node_joined.v1), never the CLR
/// name, so classes can be renamed without breaking the log.
/// </summary>
public static class EventTypes
{
    private static readonly (string Name, Type Type)[] All =
    [
        ("node_joined.v1", typeof(NodeJoined)),
        ("node_labels_changed.v1", typeof(NodeLabelsChanged)),
        ("node_taints_changed.v1", typeof(NodeTaintsChanged)),
        ("node_cordoned.v1", typeof(NodeCordoned)),
        ("node_uncordoned.v1", typeof(NodeUncordoned)),
        ("node_condition_changed.v1", typeof(NodeConditionChanged)),
        ("node_removed.v1", typeof(NodeRemoved)),
        ("daemonset_created.v1", typeof(DaemonSetCreated)),
        ("daemonset_updated.v1", typeof(DaemonSetUpdated)),
        ("daemonset_rolled_back.v1", typeof(DaemonSetRolledBack)),
        ("daemonset_revisions_pruned.v1", typeof(DaemonSetRevisionsPruned)),
        ("daemonset_revisions_deduplicated.v1", typeof(DaemonSetRevisionsDeduplicated)),
        ("daemonset_deleted.v1", typeof(DaemonSetDeleted)),
        ("daemonset_status_changed.v1", typeof(DaemonSetStatusChanged)),
        ("pod_created.v1", typeof(PodCreated)),
        ("pod_registered.v1", typeof(PodRegistered)),
        ("pod_status_observed.v1", typeof(PodStatusObserved)),
        ("pod_labels_changed.v1", typeof(PodLabelsChanged)),
        ("pod_terminating.v1", typeof(PodTerminating)),
        ("pod_deleted.v1", typeof(PodDeleted)),
        ("pod_orphaned.v1", typeof(PodOrphaned)),
        ("pod_adopted.v1", typeof(PodAdopted)),
    ];

    private static readonly Dictionary<string, Type> ByName = All.ToDictionary(e => e.Name, e => e.Type);
    private static readonly Dictionary<Type, string> ByType = All.ToDictionary(e => e.Type, e => e.Name);

    public static IReadOnlyCollection<string> Names => ByName.Keys;
    public static IReadOnlyCollection<Type> Types => ByType.Keys;

    public static string NameOf(IEvent e) => NameOf(e.GetType());

    public static string NameOf(Type type) =>
        ByType.TryGetValue(type, out var name) ? name : throw new InvalidOperationException($"{type.Name} is not a registered event type");

    public static bool IsKnown(string name) => ByName.ContainsKey(name);

    public static string Serialize(IEvent e) => JsonSerializer.Serialize(e, e.GetType(), Json.Options);

    /// <summary>Unknown types fail loudly: a log this code cannot read must not be half-folded.</summary>
    public static IEvent Deserialize(string name, string data)
    {
        if (!ByName.TryGetValue(name, out var type)) throw new InvalidOperationException($"unknown event type {name}");
        return (IEvent)(JsonSerializer.Deserialize(data, type, Json.Options)
            ?? throw new InvalidOperationException($"event {name} has no data"));
    }
}
