namespace EventEngine.Events;

/// <summary>What an event is about: its node, DaemonSet (ns/name), pod (ns/name) and stream.</summary>
public static class Subjects
{
    public static string? NodeOf(IEvent e) => e switch
    {
        NodeJoined x => x.Node,
        NodeLabelsChanged x => x.Node,
        NodeAnnotationsChanged x => x.Node,
        NodeTaintsChanged x => x.Node,
        NodeCordoned x => x.Node,
        NodeUncordoned x => x.Node,
        NodeConditionChanged x => x.Node,
        NodeResourcesChanged x => x.Node,
        NodeRemoved x => x.Node,
        PodCreated x => x.Node,
        PodRegistered x => x.Node,
        PodStatusObserved x => x.Node,
        PodLabelsChanged x => x.Node,
        PodTerminating x => x.Node,
        PodDeleted x => x.Node,
        PodOrphaned x => x.Node,
        PodAdopted x => x.Node,
        _ => null,
    };

    public static string? DaemonSetOf(IEvent e) => e switch
    {
        DaemonSetCreated x => x.DaemonSet,
        DaemonSetUpdated x => x.DaemonSet,
        DaemonSetRolledBack x => x.DaemonSet,
        DaemonSetRevisionsPruned x => x.DaemonSet,
        DaemonSetRevisionsDeduplicated x => x.DaemonSet,
        DaemonSetRevisionObserved x => x.DaemonSet,
        DaemonSetDeleted x => x.DaemonSet,
        DaemonSetStatusChanged x => x.DaemonSet,
        PodCreated x => x.DaemonSet,
        PodRegistered x => x.DaemonSet,
        PodStatusObserved x => x.DaemonSet,
        PodLabelsChanged x => x.DaemonSet,
        PodTerminating x => x.DaemonSet,
        PodDeleted x => x.DaemonSet,
        PodOrphaned x => x.DaemonSet,
        PodAdopted x => x.DaemonSet,
        _ => null,
    };

    public static string? PodOf(IEvent e) => e switch
    {
        PodCreated x => x.Namespace + "/" + x.Pod,
        PodRegistered x => x.Namespace + "/" + x.Pod,
        PodStatusObserved x => x.Namespace + "/" + x.Pod,
        PodLabelsChanged x => x.Namespace + "/" + x.Pod,
        PodTerminating x => x.Namespace + "/" + x.Pod,
        PodDeleted x => x.Namespace + "/" + x.Pod,
        PodOrphaned x => x.Namespace + "/" + x.Pod,
        PodAdopted x => x.Namespace + "/" + x.Pod,
        _ => null,
    };

    /// <summary>
    /// The stream an event is appended to: node-{name}, daemonset-{ns}.{name}, daemonset-status-{ns}.{name}
    /// (status writes never race with spec edits), pod-{ns}.{name}.
    /// </summary>
    public static string StreamOf(IEvent e)
    {
        if (e is DaemonSetStatusChanged status) return DaemonSetStatusStream(status.DaemonSet);
        if (PodOf(e) is { } pod) return PodStream(pod);
        if (DaemonSetOf(e) is { } ds) return DaemonSetStream(ds);
        if (NodeOf(e) is { } node) return NodeStream(node);
        throw new InvalidOperationException($"{e.GetType().Name} has no stream");
    }

    public static string NodeStream(string node) => NodePrefix + node;

    /// <summary>
    /// The streams an event of this type (stored in <paramref name="stream"/>) ends: a pod's on its deletion, a node's on
    /// its removal, a DaemonSet's two on its deletion. A later event in one starts its object again.
    /// </summary>
    public static string[] Ended(string type, string stream) =>
        type == PodDeletedType || type == NodeRemovedType ? [stream]
        : type == DaemonSetDeletedType ? [stream, DaemonSetStatusPrefix + stream[DaemonSetPrefix.Length..]]
        : [];

    private static readonly string PodDeletedType = EventTypes.NameOf(typeof(PodDeleted));
    private static readonly string NodeRemovedType = EventTypes.NameOf(typeof(NodeRemoved));
    private static readonly string DaemonSetDeletedType = EventTypes.NameOf(typeof(DaemonSetDeleted));

    /// <summary>
    /// The objects whose stream this can be, as (kind, key): 'n' a node, 'd' a DaemonSet, 'p' a pod. A name may be two
    /// DaemonSets': one named status-x/y writes the stream x/y's status does.
    /// </summary>
    public static IEnumerable<(char Kind, string Key)> ObjectsOf(string stream)
    {
        if (stream.StartsWith(NodePrefix, StringComparison.Ordinal)) yield return ('n', stream[NodePrefix.Length..]);
        else if (stream.StartsWith(PodPrefix, StringComparison.Ordinal)) yield return ('p', Undotted(stream[PodPrefix.Length..]));
        else if (stream.StartsWith(DaemonSetPrefix, StringComparison.Ordinal))
        {
            yield return ('d', Undotted(stream[DaemonSetPrefix.Length..]));
            if (stream.StartsWith(DaemonSetStatusPrefix, StringComparison.Ordinal)) yield return ('d', Undotted(stream[DaemonSetStatusPrefix.Length..]));
        }
    }

    private const string NodePrefix = "node-";
    private const string PodPrefix = "pod-";
    private const string DaemonSetPrefix = "daemonset-";
    private const string DaemonSetStatusPrefix = "daemonset-status-";
    public static string DaemonSetStream(string key) => DaemonSetPrefix + Dotted(key);
    public static string DaemonSetStatusStream(string key) => DaemonSetStatusPrefix + Dotted(key);

    /// <summary>A DaemonSet is kept in two streams, its spec's and its status's; its resourceVersion is the later one's seq.</summary>
    public static string[] DaemonSetStreams(string key) => [DaemonSetStream(key), DaemonSetStatusStream(key)];
    public static string PodStream(string key) => PodPrefix + Dotted(key);

    private static string Dotted(string key) => key.Replace('/', '.');

    /// <summary>A key from its dotted form: a namespace holds no dot, so the first one stood for the slash.</summary>
    private static string Undotted(string dotted) => dotted.IndexOf('.') is var dot and >= 0 ? dotted[..dot] + "/" + dotted[(dot + 1)..] : dotted;
}
