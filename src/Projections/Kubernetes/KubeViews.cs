using System.Text.Json;
using System.Text.Json.Nodes;
using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Projections.Kubernetes;

/// <summary>
/// Objects as a cluster's API server returns them: what <see cref="Views"/> renders (the fields the engine decides
/// on), completed with what a kubelet and the DaemonSet controller would have filled in. A pod gets its template's
/// spec (containers and all) beside its node and tolerations, its uid and generateName, and a status with
/// conditions and container statuses following its phase and readiness; a node gets its addresses and node info.
/// </summary>
public static class KubeViews
{
    /// <summary>The kubelet version a node reports: the Kubernetes release the engine follows.</summary>
    public const string KubeletVersion = "v1.32.0";

    public static JsonObject Node(NodeState n)
    {
        var node = Json.ToNode(Views.Node(n)).AsObject();
        var status = node["status"] as JsonObject ?? [];
        node["status"] = status;
        status["addresses"] = new JsonArray(new JsonObject { ["type"] = "Hostname", ["address"] = n.Name });
        status["nodeInfo"] = new JsonObject
        {
            ["architecture"] = "amd64",
            ["operatingSystem"] = "linux",
            ["osImage"] = "EventEngine simulated node",
            ["kernelVersion"] = "",
            ["containerRuntimeVersion"] = "eventengine://1",
            ["kubeletVersion"] = KubeletVersion,
            ["kubeProxyVersion"] = "",
            ["machineID"] = "",
            ["systemUUID"] = n.Uid,
            ["bootID"] = "",
        };
        return node;
    }

    /// <summary>The pod as the API serves it (without its resourceVersion; see <see cref="WritePod"/>).</summary>
    public static JsonObject Pod(PodState p, ClusterState s) =>
        Scratch.Write((p, s), static (writer, x) => WritePod(writer, x.p, x.s, null), static bytes => JsonNode.Parse(bytes.Span)!.AsObject());

    /// <summary>The pod as the API serves it, as JSON text, with its resourceVersion: a read-model row's object.</summary>
    public static string PodJson(PodState p, ClusterState s, string resourceVersion) =>
        Scratch.Write((p, s, resourceVersion), static (writer, x) => WritePod(writer, x.p, x.s, x.resourceVersion),
            static bytes => System.Text.Encoding.UTF8.GetString(bytes.Span));

    private static readonly JsonScratch Scratch = new(new JsonWriterOptions { Encoder = Json.Options.Encoder });

    /// <summary>
    /// Writes the pod with <see cref="Json.Options"/>' encoding, field by field: every pod version of every command is
    /// written as a read-model row, so this is written straight rather than built as nodes and serialized. Its metadata
    /// is <see cref="Views.PodMetadata"/>'s fields in their declared order, then the uid, generateName, the template's
    /// annotations and the resourceVersion. Its spec is the template's (or an observed pod's own) with the node or the
    /// affinity pinning it there and the tolerations set in place or added, then restartPolicy and schedulerName where
    /// missing or null.
    /// </summary>
    private static void WritePod(Utf8JsonWriter w, PodState p, ClusterState s, string? resourceVersion)
    {
        var owner = s.DaemonSetByUid(p.Controller?.Uid);
        // an orphan's template is its revision's, which an Orphan delete keeps (without owner)
        var template = owner is null
            ? p.Hash is { } hash ? s.Revisions.Values.FirstOrDefault(r => r.Namespace == p.Namespace && r.Hash == hash)?.Template : null
            : TemplateOf(s, owner, p.Hash);

        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Pod");

        w.WriteStartObject("metadata");
        if (p.Name is not null) w.WriteString("name", p.Name);
        if (p.Namespace is not null) w.WriteString("namespace", p.Namespace);
        w.WriteString("creationTimestamp", Json.FormatTime(p.CreatedAt));
        if (p.DeletionTimestamp is { } deleted) w.WriteString("deletionTimestamp", Json.FormatTime(deleted));
        if (p.Labels.Count > 0) Json.WriteSorted(w, "labels", p.Labels);
        if (p.Controller is { } controller)
        {
            w.WritePropertyName("ownerReferences");
            JsonSerializer.Serialize(w, new[] { controller }, Json.Options);
        }
        w.WriteString("uid", p.Origin.ToString());
        if (p.Controller is { Kind: "DaemonSet", Name: { } ownerName }) w.WriteString("generateName", ownerName + "-");
        if (template?.Annotations is { Count: > 0 } annotations) Json.WriteSorted(w, "annotations", annotations);
        if (resourceVersion is not null) w.WriteString("resourceVersion", resourceVersion);
        w.WriteEndObject();

        // the template's spec, then what the controller and the scheduler set on this pod
        var spec = template?.Raw.TryGetProperty("spec", out var templateSpec) == true && templateSpec.ValueKind == JsonValueKind.Object ? templateSpec
            : p.Spec is { ValueKind: JsonValueKind.Object } observed ? observed
            : default;
        var containers = WriteSpec(w, p, spec);

        var running = p.Phase == PodPhases.Running;
        var scheduled = p.NodeName is not null;
        w.WriteStartObject("status");
        if (p.Phase is not null) w.WriteString("phase", p.Phase);
        var since = Json.FormatTime(p.ReadySince ?? p.CreatedAt);
        var created = Json.FormatTime(p.CreatedAt);
        w.WriteStartArray("conditions");
        Condition(w, "PodReadyToStartContainers", scheduled && p.Phase != PodPhases.Pending, created);
        Condition(w, "Initialized", true, created);
        Condition(w, "Ready", p.Ready, since);
        Condition(w, "ContainersReady", p.Ready, since);
        Condition(w, "PodScheduled", scheduled, created);
        w.WriteEndArray();
        w.WriteString("startTime", created);
        w.WriteStartArray("containerStatuses");
        foreach (var c in containers)
        {
            w.WriteStartObject();
            WriteStringOrNull(w, "name", c.TryGetProperty("name", out var name) ? name.GetString() : null);
            WriteStringOrNull(w, "image", c.TryGetProperty("image", out var image) ? image.GetString() : null);
            w.WriteString("imageID", "");
            w.WriteBoolean("ready", p.Ready && running);
            w.WriteBoolean("started", running);
            w.WriteNumber("restartCount", 0);
            w.WriteStartObject("state");
            switch (p.Phase)
            {
                case PodPhases.Running:
                    w.WriteStartObject("running");
                    w.WriteString("startedAt", since);
                    break;
                case PodPhases.Succeeded:
                    w.WriteStartObject("terminated");
                    w.WriteNumber("exitCode", 0);
                    w.WriteString("reason", "Completed");
                    break;
                case PodPhases.Failed:
                    w.WriteStartObject("terminated");
                    w.WriteNumber("exitCode", 1);
                    w.WriteString("reason", "Error");
                    break;
                default:
                    w.WriteStartObject("waiting");
                    w.WriteString("reason", "ContainerCreating");
                    break;
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteEndObject();
    }

    /// <summary>
    /// The spec: the base's fields in order, the engine's (nodeName or affinity, tolerations) in place of the base's
    /// own or after them, restartPolicy and schedulerName where missing or null. Returns the containers that are objects.
    /// </summary>
    private static List<JsonElement> WriteSpec(Utf8JsonWriter w, PodState p, JsonElement spec)
    {
        var engine = Views.PodSpec(p);
        var containers = new List<JsonElement>();
        var (restartPolicy, schedulerName) = (false, false);
        w.WriteStartObject("spec");
        if (spec.ValueKind == JsonValueKind.Object)
            foreach (var field in spec.EnumerateObject())
            {
                w.WritePropertyName(field.Name);
                var value = engine.TryGetProperty(field.Name, out var set) ? set : field.Value;
                if (field.NameEquals("restartPolicy") && value.ValueKind == JsonValueKind.Null) (restartPolicy, value) = (true, Always);
                else if (field.NameEquals("schedulerName") && value.ValueKind == JsonValueKind.Null) (schedulerName, value) = (true, DefaultScheduler);
                else if (field.NameEquals("restartPolicy")) restartPolicy = true;
                else if (field.NameEquals("schedulerName")) schedulerName = true;
                value.WriteTo(w);
                if (field.NameEquals("containers") && value.ValueKind == JsonValueKind.Array)
                    containers.AddRange(value.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Object));
            }
        foreach (var field in engine.EnumerateObject())
        {
            if (spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty(field.Name, out _)) continue;
            field.WriteTo(w);
        }
        if (!restartPolicy) w.WriteString("restartPolicy", "Always");
        if (!schedulerName) w.WriteString("schedulerName", "default-scheduler");
        w.WriteEndObject();
        return containers;
    }

    private static readonly JsonElement Always = JsonSerializer.SerializeToElement("Always");
    private static readonly JsonElement DefaultScheduler = JsonSerializer.SerializeToElement("default-scheduler");

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }

    /// <summary>The template of the revision the pod runs (its controller-revision-hash; the lowest number if two share it), or the current one.</summary>
    private static PodTemplate? TemplateOf(ClusterState s, DaemonSetState ds, string? hash) =>
        s.Revisions.Values.Where(r => r.OwnerUid == ds.Uid && r.Hash == hash).MinBy(r => r.Number)?.Template
        ?? (hash is null || hash == ds.CurrentHash ? ds.Template : null);

    private static void Condition(Utf8JsonWriter w, string type, bool status, string since)
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteString("status", status ? "True" : "False");
        w.WriteNull("lastProbeTime");
        w.WriteString("lastTransitionTime", since);
        w.WriteEndObject();
    }
}
