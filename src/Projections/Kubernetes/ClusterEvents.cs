using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;

namespace EventEngine.Projections.Kubernetes;

/// <summary>A DaemonSet as an Event's involvedObject names it: the controller's cached object, so its resourceVersion then.</summary>
public sealed record InvolvedDaemonSet(string Namespace, string Name, string Uid, string? ResourceVersion);

/// <summary>
/// What the Events of a log event need to know that the log event does not carry: the DaemonSet (by "ns/name") and a
/// node's uid, as they stood just before the log event.
/// </summary>
public sealed record EventContext(Func<string, InvolvedDaemonSet?> DaemonSet, Func<string, string?> NodeUid)
{
    /// <summary>From the state just before the log event and the stream versions then (a DaemonSet's resourceVersion is its stream's version).</summary>
    public static EventContext Of(ClusterState before, IStreamPositions positions) => new(
        key => before.DaemonSets.TryGetValue(key, out var ds)
            ? new InvolvedDaemonSet(ds.Namespace, ds.Name, ds.Uid,
                positions.Version(Subjects.DaemonSetStream(key)).ToString(CultureInfo.InvariantCulture))
            : null,
        node => before.Nodes.TryGetValue(node, out var n) ? n.Uid : null);
}

/// <summary>
/// core/v1 Events derived from the log, as Kubernetes components would have recorded them (client-go's recorder:
/// count 1, firstTimestamp = lastTimestamp, reportingComponent = source.component):
/// <list type="bullet">
/// <item>daemonset-controller, about the DaemonSet: SuccessfulCreate "Created pod: x" and SuccessfulDelete
/// "Deleted pod: x" (controller_utils.go RealPodControl), FailedDaemonPod (Warning) and SucceededDaemonPod before it
/// deletes a failed or succeeded pod (daemon_controller.go podsShouldBeOnNode);</item>
/// <item>kubelet, about its Node (uid = node name, as the kubelet's nodeRef): NodeNotSchedulable / NodeSchedulable on
/// cordon / uncordon, NodeReady / NodeNotReady and the pressure conditions' NodeHas... events;</item>
/// <item>node-controller, about the Node: RegisteredNode, RemovingNode, and NodeNotReady when Ready becomes Unknown.</item>
/// </list>
/// Deletions by others (garbage collector, pod GC, taint eviction, users) record nothing here. Names, uids and times
/// come from the log event, so a rebuild gives the same Events.
/// </summary>
public static class ClusterEvents
{
    public const string DaemonSetController = "daemonset-controller";
    public const string Kubelet = "kubelet";
    public const string NodeController = "node-controller";

    private static readonly Guid EventUids = new("3f0c8a55-7d0e-4f57-9c43-9d1b1e6f2a01");

    /// <summary>The Events one log event stands for, in the order the components would have recorded them.</summary>
    public static IReadOnlyList<JsonObject> From(StoredEvent stored, IEvent e, EventContext context)
    {
        var recorded = e switch
        {
            PodCreated x => [ByController(x.DaemonSet, x.Uid, "Normal", "SuccessfulCreate", "Created pod: " + x.Pod)],
            PodDeleted { DaemonSet: { } ds } x => Deleted(ds, x),
            NodeCordoned x => [ByKubelet(x.Node, "NodeNotSchedulable")],
            NodeUncordoned x => [ByKubelet(x.Node, "NodeSchedulable")],
            NodeJoined x => [ByNodeController(x.Node, x.Uid, "RegisteredNode", $"Node {x.Node} event: Registered Node {x.Node} in Controller")],
            NodeRemoved x => [ByNodeController(x.Node, null, "RemovingNode", $"Node {x.Node} event: Removing Node {x.Node} from Controller")],
            NodeConditionChanged x => Condition(x),
            _ => new List<Recording>(),
        };
        return recorded.Select((r, i) => r.ToJson(stored, i, context)).ToList();
    }

    /// <summary>Deletions the DaemonSet controller makes itself; a failed or succeeded pod is reported first.</summary>
    private static List<Recording> Deleted(string ds, PodDeleted x)
    {
        var deleted = ByController(ds, null, "Normal", "SuccessfulDelete", "Deleted pod: " + x.Pod);
        return x.Reason switch
        {
            PodReasons.Failed =>
            [
                ByController(ds, null, "Warning", "FailedDaemonPod", $"Found failed daemon pod {x.Namespace}/{x.Pod} on node {x.Node}, will try to kill it"),
                deleted,
            ],
            PodReasons.Succeeded =>
            [
                ByController(ds, null, "Normal", "SucceededDaemonPod", $"Found succeeded daemon pod {x.Namespace}/{x.Pod} on node {x.Node}, will try to delete it"),
                deleted,
            ],
            PodReasons.Misscheduled or PodReasons.NoExecuteTaint or PodReasons.RollingUpdate or PodReasons.Duplicate => [deleted],
            _ => [],
        };
    }

    /// <summary>Ready and the pressure conditions, as the kubelet's status setters report them; Ready Unknown is the node controller's.</summary>
    private static List<Recording> Condition(NodeConditionChanged x)
    {
        var reason = (x.Type, x.Status) switch
        {
            ("Ready", "True") => "NodeReady",
            ("Ready", "False") => "NodeNotReady",
            ("MemoryPressure", "True") => "NodeHasInsufficientMemory",
            ("MemoryPressure", "False") => "NodeHasSufficientMemory",
            ("DiskPressure", "True") => "NodeHasDiskPressure",
            ("DiskPressure", "False") => "NodeHasNoDiskPressure",
            ("PIDPressure", "True") => "NodeHasInsufficientPID",
            ("PIDPressure", "False") => "NodeHasSufficientPID",
            _ => null,
        };
        if (reason is not null) return [ByKubelet(x.Node, reason)];
        return (x.Type, x.Status) is ("Ready", "Unknown")
            ? [ByNodeController(x.Node, null, "NodeNotReady", $"Node {x.Node} status is now: NodeNotReady")]
            : [];
    }

    private static Recording ByController(string daemonSet, string? uid, string type, string reason, string message) =>
        new(new Involved.DaemonSet(daemonSet, uid), type, reason, message, DaemonSetController, null);

    private static Recording ByKubelet(string node, string reason) =>
        new(new Involved.KubeletNode(node), "Normal", reason, $"Node {node} status is now: {reason}", Kubelet, node);

    private static Recording ByNodeController(string node, string? uid, string reason, string message) =>
        new(new Involved.Node(node, uid), "Normal", reason, message, NodeController, null);

    /// <summary>The object an Event is about, resolved against the context when it becomes JSON.</summary>
    private abstract record Involved
    {
        public abstract (JsonObject Reference, string Name, string Namespace) Resolve(EventContext context);

        /// <summary>GetReference of the controller's DaemonSet: kind, namespace, name, uid, apiVersion, resourceVersion.</summary>
        public sealed record DaemonSet(string Key, string? Uid) : Involved
        {
            public override (JsonObject, string, string) Resolve(EventContext context)
            {
                var slash = Key.IndexOf('/');
                var (ns, name) = slash < 0 ? ("", Key) : (Key[..slash], Key[(slash + 1)..]);
                // a DaemonSet of the same name with another uid is a later one: its resourceVersion is not this one's
                var known = context.DaemonSet(Key) is { } ds && (Uid is null || ds.Uid == Uid) ? ds : null;
                var reference = new JsonObject { ["kind"] = "DaemonSet", ["namespace"] = ns, ["name"] = name };
                if ((Uid ?? known?.Uid) is { Length: > 0 } uid) reference["uid"] = uid;
                reference["apiVersion"] = "apps/v1";
                if (known?.ResourceVersion is { Length: > 0 } version) reference["resourceVersion"] = version;
                return (reference, name, ns);
            }
        }

        /// <summary>The kubelet's nodeRef: kind and name, the node name as uid, no apiVersion.</summary>
        public sealed record KubeletNode(string Name) : Involved
        {
            public override (JsonObject, string, string) Resolve(EventContext context) =>
                (new JsonObject { ["kind"] = "Node", ["name"] = Name, ["uid"] = Name }, Name, "default");
        }

        /// <summary>The node controller's reference (RecordNodeEvent, RecordNodeStatusChange): kind, name, uid, apiVersion v1.</summary>
        public sealed record Node(string Name, string? Uid) : Involved
        {
            public override (JsonObject, string, string) Resolve(EventContext context)
            {
                var reference = new JsonObject { ["kind"] = "Node", ["name"] = Name };
                if ((Uid ?? context.NodeUid(Name)) is { Length: > 0 } uid) reference["uid"] = uid;
                reference["apiVersion"] = "v1";
                return (reference, Name, "default");
            }
        }
    }

    /// <summary>One Event as a recorder makes it; events about cluster-scoped objects go to the default namespace.</summary>
    private sealed record Recording(Involved About, string Type, string Reason, string Message, string Component, string? Host)
    {
        public JsonObject ToJson(StoredEvent stored, int index, EventContext context)
        {
            var (reference, name, ns) = About.Resolve(context);
            var time = Seconds(stored.RecordedAt);
            var source = new JsonObject { ["component"] = Component };
            if (Host is not null) source["host"] = Host;
            return new JsonObject
            {
                ["kind"] = "Event",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject
                {
                    ["name"] = NameOf(name, stored.Seq, index),
                    ["namespace"] = ns,
                    ["uid"] = UidOf(stored.Id, index),
                    ["resourceVersion"] = stored.Seq.ToString(CultureInfo.InvariantCulture),
                    ["creationTimestamp"] = time,
                },
                ["involvedObject"] = reference,
                ["reason"] = Reason,
                ["message"] = Message,
                ["source"] = source,
                ["firstTimestamp"] = time,
                ["lastTimestamp"] = time,
                ["count"] = 1,
                ["type"] = Type,
                ["eventTime"] = null,
                ["reportingComponent"] = Component,
                ["reportingInstance"] = Host ?? "",
            };
        }
    }

    /// <summary>
    /// "&lt;object&gt;.&lt;16 hex digits&gt;" as the recorder names Events (it uses the time in nanoseconds): here the seq in
    /// 15 digits and the Event's index within its log event in the last, so names are unique and stable.
    /// </summary>
    public static string NameOf(string involvedName, long seq, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{involvedName}.{seq:x15}{index:x1}");

    /// <summary>A name-based (version 5) UUID of the log event id and the Event's index.</summary>
    public static string UidOf(Guid eventId, int index)
    {
        Span<byte> input = stackalloc byte[36];
        EventUids.TryWriteBytes(input, bigEndian: true, out _);
        eventId.TryWriteBytes(input[16..], bigEndian: true, out _);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(input[32..], index);
        return NameBasedUuid(input);
    }

    internal static string NameBasedUuid(ReadOnlySpan<byte> input)
    {
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true).ToString();
    }

    /// <summary>metav1.Time serializes whole seconds.</summary>
    public static string Seconds(DateTimeOffset t) =>
        Json.FormatTime(new DateTimeOffset(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero));
}
