using System.Text.Json;
using System.Text.Json.Nodes;
using EventEngine.Model;

namespace EventEngine.State;

/// <summary>State rendered back into Kubernetes' object shapes (what GET returns and what a merge patch edits).</summary>
public static class Views
{
    public static Node Node(NodeState n) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = n.Name, Uid = n.Uid, CreationTimestamp = n.CreatedAt,
            Labels = Sorted(n.Labels),
            Annotations = n.Annotations is { } annotations ? Sorted(annotations) : null,
        },
        Spec = new NodeSpec { Taints = n.Taints.IsEmpty ? null : n.Taints, Unschedulable = n.Unschedulable ? true : null },
        Status = new NodeStatus
        {
            Conditions = n.Conditions.IsEmpty ? null : n.Conditions,
            Capacity = n.Capacity is { } capacity ? Sorted(capacity) : null,
            Allocatable = n.Allocatable is { } allocatable ? Sorted(allocatable) : null,
        },
    };

    /// <summary>The DaemonSet with generation and its recorded status; maps sorted, so it prints the same however it was read.</summary>
    public static DaemonSet DaemonSet(DaemonSetState ds) => ds.Object with
    {
        Metadata = ds.Object.Metadata! with
        {
            Generation = ds.Generation,
            Labels = Sorted(ds.Object.Metadata.Labels ?? new Dictionary<string, string>()),
            Annotations = Sorted(ds.Object.Metadata.Annotations ?? new Dictionary<string, string>()),
        },
        Spec = ds.Spec with
        {
            Selector = ds.Selector with { MatchLabels = Sorted(ds.Selector.MatchLabels ?? new Dictionary<string, string>()) },
        },
        Status = ds.Status,
    };

    /// <summary>A revision as apps/v1 ControllerRevision; the owner reference only while a DaemonSet owns it.</summary>
    public static ControllerRevision Revision(RevisionState r, DaemonSetState? owner) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = r.Name, Namespace = r.Namespace, CreationTimestamp = r.CreatedAt,
            Labels = Sorted(r.Labels), Annotations = r.Annotations.IsEmpty ? null : Sorted(r.Annotations),
            OwnerReferences = owner is null ? null : [OwnerReference.ForDaemonSet(owner.Name, owner.Uid)],
        },
        Data = ControllerRevision.DataOf(r.Template),
        Revision = r.Number,
    };

    public static Pod Pod(PodState p) => new()
    {
        Metadata = PodMetadata(p),
        Spec = PodSpec(p),
        Status = new PodStatus
        {
            Phase = p.Phase,
            Conditions =
            [
                new PodCondition { Type = "Ready", Status = p.Ready ? "True" : "False", LastTransitionTime = p.ReadySince },
            ],
        },
    };

    public static ObjectMeta PodMetadata(PodState p) => new()
    {
        Name = p.Name, Namespace = p.Namespace, Labels = Sorted(p.Labels), CreationTimestamp = p.CreatedAt,
        DeletionTimestamp = p.DeletionTimestamp,
        OwnerReferences = p.Controller is null ? null : [p.Controller],
    };

    private static readonly JsonScratch Scratch = new(new JsonWriterOptions { Encoder = Json.Options.Encoder });

    /// <summary>The node the pod is bound to, or the affinity that pins it there before it is bound; then its tolerations.</summary>
    public static JsonElement PodSpec(PodState p) => Scratch.Write(p, static (writer, p) =>
    {
        writer.WriteStartObject();
        if (p.NodeName is not null) writer.WriteString("nodeName", p.NodeName);
        else if (p.TargetNode is not null)
        {
            writer.WritePropertyName("affinity");
            JsonSerializer.Serialize(writer, PinnedTo(p.TargetNode), Json.Options);
        }
        if (!p.Tolerations.IsEmpty)
        {
            writer.WritePropertyName("tolerations");
            JsonSerializer.Serialize(writer, p.Tolerations, Json.Options);
        }
        writer.WriteEndObject();
    }, static bytes =>
    {
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    });

    /// <summary>The required node affinity the DaemonSet controller gives a pod for its node (matchFields metadata.name).</summary>
    private static Affinity PinnedTo(string node) => new()
    {
        NodeAffinity = new NodeAffinity
        {
            RequiredDuringSchedulingIgnoredDuringExecution = new NodeSelector
            {
                NodeSelectorTerms =
                [
                    new NodeSelectorTerm { MatchFields = [new NodeSelectorRequirement { Key = "metadata.name", Operator = "In", Values = [node] }] },
                ],
            },
        },
    };

    public static SortedDictionary<string, string>? Sorted(IReadOnlyDictionary<string, string> map) =>
        map.Count == 0 ? null : new SortedDictionary<string, string>(map.ToDictionary(), StringComparer.Ordinal);
}
