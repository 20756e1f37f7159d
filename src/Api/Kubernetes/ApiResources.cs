namespace EventEngine.Api.Kubernetes;

/// <summary>
/// One kind the engine serves through the Kubernetes API: where it lives (group, version, plural), what it is called
/// (kind, singular, short names, categories), whether it is namespaced, and which verbs and subresources it answers.
/// Discovery, OpenAPI, routing and Table output all read this one list.
/// </summary>
public sealed record ApiResource(
    string Group, string Version, string Kind, string Plural, string Singular, bool Namespaced,
    string[] Verbs, string[] ShortNames, string[] Categories, ApiSubresource[] Subresources)
{
    /// <summary>"v1" for the core group, "apps/v1" otherwise: an object's apiVersion.</summary>
    public string GroupVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <summary>The kind of a list of these.</summary>
    public string ListKind => Kind + "List";

    /// <summary>The path prefix of the group-version: /api/v1 or /apis/apps/v1.</summary>
    public string Prefix => Group.Length == 0 ? "/api/" + Version : $"/apis/{Group}/{Version}";

    /// <summary>How Kubernetes names the resource in messages: "nodes", "daemonsets.apps".</summary>
    public string Qualified => Group.Length == 0 ? Plural : Plural + "." + Group;

    public bool Can(string verb) => Verbs.Contains(verb);
}

/// <summary>
/// A subresource as discovery lists it: its verbs, and the kind it takes when that is not its resource's own (a pod's
/// eviction is a policy/v1 Eviction; kubectl drain evicts only when discovery lists it so, and deletes otherwise).
/// </summary>
public sealed record ApiSubresource(string Name, string[] Verbs, string? Group = null, string? Version = null, string? Kind = null)
{
    /// <summary>The object's status: read and written.</summary>
    public static readonly ApiSubresource Status = new("status", ["get", "patch", "update"]);

    public static readonly ApiSubresource Eviction = new("eviction", ["create"], "policy", "v1", "Eviction");
}

/// <summary>The kinds served, as a 1.32 API server describes them.</summary>
public static class ApiResources
{
    private static readonly string[] Writable = ["create", "delete", "get", "list", "patch", "update", "watch"];
    private static readonly string[] ReadOnly = ["get", "list", "watch"];

    public static readonly ApiResource Nodes = new("", "v1", "Node", "nodes", "node", false, Writable, ["no"], [], [ApiSubresource.Status]);
    public static readonly ApiResource Pods = new("", "v1", "Pod", "pods", "pod", true, Writable, ["po"], ["all"], [ApiSubresource.Eviction, ApiSubresource.Status]);
    public static readonly ApiResource Namespaces = new("", "v1", "Namespace", "namespaces", "namespace", false, ReadOnly, ["ns"], [], []);
    public static readonly ApiResource Events = new("", "v1", "Event", "events", "event", true, ReadOnly, ["ev"], [], []);
    public static readonly ApiResource DaemonSets = new("apps", "v1", "DaemonSet", "daemonsets", "daemonset", true, Writable, ["ds"], ["all"], [ApiSubresource.Status]);
    public static readonly ApiResource ControllerRevisions = new("apps", "v1", "ControllerRevision", "controllerrevisions", "controllerrevision", true, ReadOnly, [], [], []);

    public static readonly IReadOnlyList<ApiResource> All = [Nodes, Pods, Namespaces, Events, DaemonSets, ControllerRevisions];

    /// <summary>The group-versions served, in discovery order.</summary>
    public static IEnumerable<string> GroupVersions => All.Select(r => r.GroupVersion).Distinct();

    public static ApiResource? Find(string group, string plural) => All.FirstOrDefault(r => r.Group == group && r.Plural == plural);
}
