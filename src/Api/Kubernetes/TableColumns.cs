namespace EventEngine.Api.Kubernetes;

/// <summary>One column of a Table (metav1.TableColumnDefinition); priority 1 columns show only with -o wide.</summary>
public sealed record TableColumn(string Name, string Type, string Format, string Description, int Priority = 0);

/// <summary>
/// The column definitions Kubernetes 1.32 prints for each kind served (pkg/printers/internalversion/printers.go
/// AddHandlers): names, types, formats and priorities as there, descriptions the SwaggerDoc texts they quote
/// (k8s.io/api and apimachinery v0.32).
/// </summary>
internal static class TableColumns
{
    public static IReadOnlyList<TableColumn> Of(string kind) => kind switch
    {
        "Pod" => Pods,
        "Node" => Nodes,
        "DaemonSet" => DaemonSets,
        "ControllerRevision" => ControllerRevisions,
        "Event" => Events,
        "Namespace" => Namespaces,
        _ => throw new ArgumentException($"no table columns for kind {kind}", nameof(kind)),
    };

    private static readonly TableColumn Name = new("Name", "string", "name", ObjectName);
    private static readonly TableColumn Age = new("Age", "string", "", CreationTimestamp);
    private const string ContainerNames = "Names of each container in the template.";
    private const string ContainerImages = "Images referenced by each container in the template.";

    private static readonly TableColumn[] Pods =
    [
        Name,
        new("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic."),
        new("Status", "string", "", "The aggregate status of the containers in this pod."),
        new("Restarts", "string", "", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        Age,
        new("IP", "string", "", PodIP, 1),
        new("Node", "string", "", NodeName, 1),
        new("Nominated Node", "string", "", NominatedNodeName, 1),
        new("Readiness Gates", "string", "", ReadinessGates, 1),
    ];

    private static readonly TableColumn[] DaemonSets =
    [
        Name,
        new("Desired", "integer", "", DesiredNumberScheduled),
        new("Current", "integer", "", CurrentNumberScheduled),
        new("Ready", "integer", "", NumberReady),
        new("Up-to-date", "integer", "", UpdatedNumberScheduled),
        new("Available", "integer", "", NumberAvailable),
        new("Node Selector", "string", "", NodeSelector),
        Age,
        new("Containers", "string", "", ContainerNames, 1),
        new("Images", "string", "", ContainerImages, 1),
        new("Selector", "string", "", DaemonSetSelector, 1),
    ];

    private static readonly TableColumn[] Nodes =
    [
        Name,
        new("Status", "string", "", "The status of the node"),
        new("Roles", "string", "", "The roles of the node"),
        Age,
        new("Version", "string", "", KubeletVersion),
        new("Internal-IP", "string", "", Addresses, 1),
        new("External-IP", "string", "", Addresses, 1),
        new("OS-Image", "string", "", OsImage, 1),
        new("Kernel-Version", "string", "", KernelVersion, 1),
        new("Container-Runtime", "string", "", ContainerRuntimeVersion, 1),
    ];

    private static readonly TableColumn[] Events =
    [
        new("Last Seen", "string", "", EventLastTimestamp),
        new("Type", "string", "", EventType),
        new("Reason", "string", "", EventReason),
        new("Object", "string", "", EventInvolvedObject),
        new("Subobject", "string", "", FieldPath, 1),
        new("Source", "string", "", EventSource, 1),
        new("Message", "string", "", EventMessage),
        new("First Seen", "string", "", EventFirstTimestamp, 1),
        new("Count", "string", "", EventCount, 1),
        new("Name", "string", "name", ObjectName, 1),
    ];

    private static readonly TableColumn[] Namespaces =
    [
        Name,
        new("Status", "string", "", "The status of the namespace"),
        Age,
    ];

    private static readonly TableColumn[] ControllerRevisions =
    [
        Name,
        new("Controller", "string", "", "Controller of the object"),
        new("Revision", "string", "", Revision),
        Age,
    ];

    private const string ObjectName =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    private const string CreationTimestamp =
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
    private const string PodIP =
        "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.";
    private const string NodeName =
        "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename";
    private const string NominatedNodeName =
        "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.";
    private const string ReadinessGates =
        "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates";
    private const string NodeSelector =
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/";
    private const string DesiredNumberScheduled =
        "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/";
    private const string CurrentNumberScheduled =
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/";
    private const string NumberReady =
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.";
    private const string UpdatedNumberScheduled =
        "The total number of nodes that are running updated daemon pod";
    private const string NumberAvailable =
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)";
    private const string DaemonSetSelector =
        "A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
    private const string KubeletVersion =
        "Kubelet Version reported by the node.";
    private const string Addresses =
        "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";
    private const string OsImage =
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).";
    private const string KernelVersion =
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).";
    private const string ContainerRuntimeVersion =
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).";
    private const string EventLastTimestamp =
        "The time at which the most recent occurrence of this event was recorded.";
    private const string EventType =
        "Type of this event (Normal, Warning), new types could be added in the future";
    private const string EventReason =
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.";
    private const string EventInvolvedObject =
        "The object that this event is about.";
    private const string FieldPath =
        "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.";
    private const string EventSource =
        "The component reporting this event. Should be a short machine understandable string.";
    private const string EventMessage =
        "A human-readable description of the status of this operation.";
    private const string EventFirstTimestamp =
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)";
    private const string EventCount =
        "The number of times this event has occurred.";
    private const string Revision =
        "revision indicates the revision of the state represented by Data.";
}
