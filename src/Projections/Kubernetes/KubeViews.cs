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

    public static JsonObject Pod(PodState p, ClusterState s)
    {
        var metadata = Json.ToNode(Views.PodMetadata(p)).AsObject();
        metadata["uid"] = p.Origin.ToString();
        var owner = s.DaemonSetByUid(p.Controller?.Uid);
        // an orphan's template is its revision's, which an Orphan delete keeps (without owner)
        var template = owner is null
            ? p.Hash is { } hash ? s.Revisions.Values.FirstOrDefault(r => r.Namespace == p.Namespace && r.Hash == hash)?.Template : null
            : TemplateOf(s, owner, p.Hash);
        if (p.Controller is { Kind: "DaemonSet", Name: { } ownerName }) metadata["generateName"] = ownerName + "-";
        if (template?.Annotations is { Count: > 0 } annotations)
            metadata["annotations"] = new JsonObject(annotations.OrderBy(a => a.Key, StringComparer.Ordinal)
                .Select(a => KeyValuePair.Create(a.Key, (JsonNode?)JsonValue.Create(a.Value))));

        // the template's spec, then what the controller and the scheduler set on this pod
        var spec = (template?.Raw.TryGetProperty("spec", out var templateSpec) == true && templateSpec.ValueKind == JsonValueKind.Object
                ? JsonObject.Create(templateSpec) : null)
            ?? (p.Spec is { } observed ? JsonNode.Parse(observed.GetRawText()) as JsonObject : null) ?? [];
        // then what the engine's view puts there: the node or the affinity pinning it there, and the tolerations
        foreach (var (key, value) in JsonObject.Create(Views.PodSpec(p))!) spec[key] = value?.DeepClone();
        spec["restartPolicy"] ??= "Always";
        spec["schedulerName"] ??= "default-scheduler";

        var containers = (spec["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var running = p.Phase == PodPhases.Running;
        var scheduled = p.NodeName is not null;
        var status = new JsonObject();
        if (p.Phase is not null) status["phase"] = p.Phase;
        var since = Json.FormatTime(p.ReadySince ?? p.CreatedAt);
        status["conditions"] = new JsonArray(
            Condition("PodReadyToStartContainers", scheduled && p.Phase != PodPhases.Pending, p.CreatedAt),
            Condition("Initialized", true, p.CreatedAt),
            Condition("Ready", p.Ready, p.ReadySince ?? p.CreatedAt),
            Condition("ContainersReady", p.Ready, p.ReadySince ?? p.CreatedAt),
            Condition("PodScheduled", scheduled, p.CreatedAt));
        status["startTime"] = Json.FormatTime(p.CreatedAt);
        status["containerStatuses"] = new JsonArray(containers.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = (string?)c["name"],
            ["image"] = (string?)c["image"],
            ["imageID"] = "",
            ["ready"] = p.Ready && running,
            ["started"] = running,
            ["restartCount"] = 0,
            ["state"] = p.Phase switch
            {
                PodPhases.Running => new JsonObject { ["running"] = new JsonObject { ["startedAt"] = since } },
                PodPhases.Succeeded => new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 0, ["reason"] = "Completed" } },
                PodPhases.Failed => new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 1, ["reason"] = "Error" } },
                _ => new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } },
            },
        }).ToArray());
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = metadata, ["spec"] = spec, ["status"] = status };
    }

    /// <summary>The template of the revision the pod runs (its controller-revision-hash; the lowest number if two share it), or the current one.</summary>
    private static PodTemplate? TemplateOf(ClusterState s, DaemonSetState ds, string? hash) =>
        s.Revisions.Values.Where(r => r.OwnerUid == ds.Uid && r.Hash == hash).MinBy(r => r.Number)?.Template
        ?? (hash is null || hash == ds.CurrentHash ? ds.Template : null);

    private static JsonObject Condition(string type, bool status, DateTimeOffset since) => new()
    {
        ["type"] = type,
        ["status"] = status ? "True" : "False",
        ["lastProbeTime"] = null,
        ["lastTransitionTime"] = Json.FormatTime(since),
    };
}
