using System.Collections.Frozen;

namespace EventEngine.Model.Patches;

/// <summary>How a list field merges in a strategic merge patch.</summary>
public enum ListStrategy
{
    /// <summary>The patch's list replaces the object's whole (Kubernetes calls these lists atomic).</summary>
    Replace,

    /// <summary>Items merge: maps by the merge key, primitives as a set union.</summary>
    Merge,
}

/// <summary>
/// Where lists merge and by which key, for the kinds the engine serves: the patchStrategy and patchMergeKey struct
/// tags of k8s.io/api 1.32, written once as a table of type.field rows. A field the table does not name is atomic:
/// its lists are replaced and its maps merge key by key, as the API server does for a field without a strategy.
/// </summary>
public static class PatchSchema
{
    /// <summary>
    /// The patch metadata of one field and of the fields below it (for a list, the fields of its items). Every field
    /// without a row is <see cref="Atomic"/>, down to any depth.
    /// </summary>
    public sealed class Node
    {
        private readonly FrozenDictionary<string, Node> _fields;

        internal Node(ListStrategy strategy, string? mergeKey, bool retainKeys, IReadOnlyDictionary<string, Node> fields)
        {
            Strategy = strategy;
            MergeKey = mergeKey;
            RetainKeys = retainKeys;
            _fields = fields.ToFrozenDictionary(StringComparer.Ordinal);
        }

        /// <summary>An unknown or untagged field: lists replaced, maps merged.</summary>
        public static Node Atomic { get; } = new(ListStrategy.Replace, null, false, new Dictionary<string, Node>());

        public ListStrategy Strategy { get; }

        /// <summary>The item field that identifies a list item (name, type, containerPort); null for primitive lists.</summary>
        public string? MergeKey { get; }

        /// <summary>
        /// kubectl sends $retainKeys for the items of this list (volumes: a new volume source clears the old one). The
        /// server honours the directive wherever it appears, so merging does not read this; it documents the tag.
        /// </summary>
        public bool RetainKeys { get; }

        /// <summary>The metadata of a field below this one; <see cref="Atomic"/> when the table has no row for it.</summary>
        public Node Field(string name) => _fields.GetValueOrDefault(name, Atomic);
    }

    // type.field                              strategy          merge key       type of the field (or of its items);
    // a type without rows of its own (Opaque) is atomic all the way down
    private const string Table = """
        Node.metadata                          -                 -               ObjectMeta
        Node.spec                              -                 -               NodeSpec
        Node.status                            -                 -               NodeStatus
        Pod.metadata                           -                 -               ObjectMeta
        Pod.spec                               -                 -               PodSpec
        Pod.status                             -                 -               PodStatus
        DaemonSet.metadata                     -                 -               ObjectMeta
        DaemonSet.spec                         -                 -               DaemonSetSpec
        DaemonSet.status                       -                 -               DaemonSetStatus
        Namespace.metadata                     -                 -               ObjectMeta
        Namespace.status                       -                 -               NamespaceStatus
        ControllerRevision.metadata            -                 -               ObjectMeta
        ControllerRevision.data                -                 -               Opaque
        ObjectMeta.finalizers                  merge             -
        ObjectMeta.ownerReferences             merge             uid
        NodeSpec.podCIDRs                      merge             -
        NodeStatus.conditions                  merge             type
        NodeStatus.addresses                   merge             type
        DaemonSetSpec.template                 -                 -               PodTemplateSpec
        DaemonSetStatus.conditions             merge             type
        NamespaceStatus.conditions             merge             type
        PodTemplateSpec.metadata               -                 -               ObjectMeta
        PodTemplateSpec.spec                   -                 -               PodSpec
        PodSpec.containers                     merge             name            Container
        PodSpec.initContainers                 merge             name            Container
        PodSpec.ephemeralContainers            merge             name            Container
        PodSpec.volumes                        merge,retainKeys  name
        PodSpec.imagePullSecrets               merge             name
        PodSpec.hostAliases                    merge             ip
        PodSpec.topologySpreadConstraints      merge             topologyKey
        PodSpec.schedulingGates                merge             name
        PodSpec.resourceClaims                 merge,retainKeys  name
        Container.env                          merge             name
        Container.ports                        merge             containerPort
        Container.volumeMounts                 merge             mountPath
        Container.volumeDevices                merge             devicePath
        PodStatus.conditions                   merge             type
        PodStatus.podIPs                       merge             ip
        PodStatus.hostIPs                      merge             ip
        PodStatus.resourceClaimStatuses        merge,retainKeys  name
        PodStatus.containerStatuses            -                 -               ContainerStatus
        PodStatus.initContainerStatuses        -                 -               ContainerStatus
        PodStatus.ephemeralContainerStatuses   -                 -               ContainerStatus
        ContainerStatus.volumeMounts           merge             mountPath
        ContainerStatus.allocatedResourcesStatus merge           name
        """;

    private sealed record Row(string Type, string Field, ListStrategy Strategy, string? MergeKey, bool RetainKeys, string? FieldType);

    private static readonly ILookup<string, Row> Rows = ReadTable().ToLookup(r => r.Type, StringComparer.Ordinal);

    private static readonly FrozenDictionary<(string ApiVersion, string Kind), Node> Kinds = new Dictionary<(string, string), Node>
    {
        [("v1", "Node")] = Build("Node"),
        [("v1", "Pod")] = Build("Pod"),
        [("v1", "Namespace")] = Build("Namespace"),
        [("apps/v1", "DaemonSet")] = Build("DaemonSet"),
        [("apps/v1", "ControllerRevision")] = Build("ControllerRevision"),
    }.ToFrozenDictionary();

    /// <summary>The schema of a served kind, or null for a kind the engine does not serve.</summary>
    public static Node? For(string apiVersion, string kind) => Kinds.GetValueOrDefault((apiVersion, kind));

    private static Node Build(string kind) => new(ListStrategy.Replace, null, false, FieldsOf(kind));

    /// <summary>The fields of a type, each with the fields of its own type below it; a type without rows has none.</summary>
    private static Dictionary<string, Node> FieldsOf(string type) => Rows[type].ToDictionary(
        row => row.Field,
        row => new Node(row.Strategy, row.MergeKey, row.RetainKeys, row.FieldType is { } below ? FieldsOf(below) : []),
        StringComparer.Ordinal);

    private static IEnumerable<Row> ReadTable()
    {
        foreach (var line in Table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var dot = cells[0].IndexOf('.');
            var strategies = cells[1].Split(',');
            yield return new Row(
                cells[0][..dot],
                cells[0][(dot + 1)..],
                strategies.Contains("merge") ? ListStrategy.Merge : ListStrategy.Replace,
                cells[2] == "-" ? null : cells[2],
                strategies.Contains("retainKeys"),
                cells.Length > 3 ? cells[3] : null);
        }
    }
}
