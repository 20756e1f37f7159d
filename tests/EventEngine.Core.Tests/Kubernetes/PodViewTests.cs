using System.Text.Json;
using System.Text.Json.Nodes;
using EventEngine.Model;
using EventEngine.Projections.Kubernetes;
using EventEngine.State;

namespace EventEngine.Core.Tests.Kubernetes;

/// <summary>
/// A pod as the API serves it is written field by field (every pod version becomes a read-model row). Its bytes are
/// held to the view's definition: the pod's metadata serialized, the template's spec as nodes with the engine's fields
/// set in place and the defaults set where missing or null, the status built node by node, all serialized with the
/// engine's JSON options.
/// </summary>
public sealed class PodViewTests
{
    [Fact]
    public void EveryPodOfAClusterInEveryPhase_IsWrittenAsTheViewIsDefined()
    {
        var c = Cluster();
        var pods = c.State.Pods.Values.ToList();
        Assert.True(pods.Count >= 5, $"{pods.Count} pods");
        var checkedPods = 0;
        foreach (var pod in pods)
            foreach (var variant in new[]
            {
                pod,
                pod with { NodeName = null },
                pod with { NodeName = null, TargetNode = null, Tolerations = [] },
                pod with { Phase = PodPhases.Succeeded, Ready = false, DeletionTimestamp = pod.CreatedAt.AddSeconds(3.5) },
                pod with { Phase = PodPhases.Failed, ReadySince = null },
                // an orphan: its revision's template, found by its hash; then none
                pod with { Controller = null },
                pod with { Phase = PodPhases.Pending, Labels = pod.Labels.Clear(), Controller = null },
            })
            {
                AssertAsDefined(variant, c.State);
                checkedPods++;
            }
        Assert.True(checkedPods >= 35, $"{checkedPods} pods");
    }

    [Theory]
    [InlineData("""{"containers":[{"name":"a","image":"b"}]}""")]
    [InlineData("""{"restartPolicy":null,"schedulerName":null,"containers":[{"name":null},7,{"image":"x"},{"name":"é<&'+"}]}""")]
    [InlineData("""{"nodeName":"elsewhere","tolerations":[{"operator":"Exists"}],"affinity":{"podAffinity":{}},"restartPolicy":"Never","z":1}""")]
    [InlineData("""{"schedulerName":"mine","containers":"none","tolerations":null,"nodeName":null,"number":1.50,"escaped":"\u00e9\u003c"}""")]
    [InlineData("""[]""")]
    [InlineData("""{}""")]
    public void AnObservedPodsOwnSpec_IsWrittenAsTheViewIsDefined(string spec)
    {
        var c = Cluster();
        var observed = JsonDocument.Parse(spec).RootElement.Clone();
        foreach (var pod in c.State.Pods.Values.Take(3))
        {
            // without an owner or a revision of its hash, the pod's own spec is the base
            var orphan = pod with { Controller = null, Labels = pod.Labels.Remove(WellKnown.RevisionHashLabel), Spec = observed };
            AssertAsDefined(orphan, c.State);
            AssertAsDefined(orphan with { NodeName = null }, c.State);
            AssertAsDefined(orphan with { NodeName = null, TargetNode = null, Tolerations = [] }, c.State);
        }
    }

    private static void AssertAsDefined(PodState pod, ClusterState state)
    {
        var defined = Defined(pod, state);
        Assert.Equal(defined.ToJsonString(Json.Options), KubeViews.Pod(pod, state).ToJsonString(Json.Options));
        defined["metadata"]!["resourceVersion"] = "42";
        Assert.Equal(defined.ToJsonString(Json.Options), KubeViews.PodJson(pod, state, "42"));
    }

    /// <summary>Nodes with a taint, a DaemonSet with tolerations, an affinity and annotations, its pods in every state.</summary>
    private static TestCluster Cluster()
    {
        var c = new TestCluster();
        c.Node("node-a", "{zone: z1, 'example.com/role': edge}");
        c.Node("node-b", "{zone: z2}", "[{key: dedicated, value: infra, effect: NoSchedule}]");
        c.Node("node-c", "{zone: z1}");
        c.DaemonSet("{tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}, {key: slow, operator: Equal, value: 'yes', effect: NoExecute, tolerationSeconds: 30}], "
            + "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [z1, z2]}]}]}}}}");
        c.PatchDaemonSet("{spec: {template: {metadata: {annotations: {'z.io/note': 'é & <b>', a: '1'}}}}}");
        c.DaemonSet("{nodeSelector: {zone: z1}, restartPolicy: Always, containers: [{name: one, image: 'one:1'}, {name: two, image: 'two:2'}]}", "{updateStrategy: {type: OnDelete}}", name: "bar");
        c.ReadyAll();
        c.Advance(30);
        return c;
    }

    /// <summary>The view as defined: built as nodes and serialized.</summary>
    private static JsonObject Defined(PodState p, ClusterState s)
    {
        var metadata = Json.ToNode(Views.PodMetadata(p)).AsObject();
        metadata["uid"] = p.Origin.ToString();
        var owner = s.DaemonSetByUid(p.Controller?.Uid);
        var template = owner is null
            ? p.Hash is { } hash ? s.Revisions.Values.FirstOrDefault(r => r.Namespace == p.Namespace && r.Hash == hash)?.Template : null
            : s.Revisions.Values.Where(r => r.OwnerUid == owner.Uid && r.Hash == p.Hash).MinBy(r => r.Number)?.Template
                ?? (p.Hash is null || p.Hash == owner.CurrentHash ? owner.Template : null);
        if (p.Controller is { Kind: "DaemonSet", Name: { } ownerName }) metadata["generateName"] = ownerName + "-";
        if (template?.Annotations is { Count: > 0 } annotations)
            metadata["annotations"] = new JsonObject(annotations.OrderBy(a => a.Key, StringComparer.Ordinal)
                .Select(a => KeyValuePair.Create(a.Key, (JsonNode?)JsonValue.Create(a.Value))));

        var spec = (template?.Raw.TryGetProperty("spec", out var templateSpec) == true && templateSpec.ValueKind == JsonValueKind.Object
                ? JsonObject.Create(templateSpec) : null)
            ?? (p.Spec is { } observed ? JsonNode.Parse(observed.GetRawText()) as JsonObject : null) ?? [];
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

        static JsonObject Condition(string type, bool status, DateTimeOffset since) => new()
        {
            ["type"] = type,
            ["status"] = status ? "True" : "False",
            ["lastProbeTime"] = null,
            ["lastTransitionTime"] = Json.FormatTime(since),
        };
    }
}
