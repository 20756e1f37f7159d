using System.Text.Json;
using System.Text.Json.Nodes;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Model.Patches;
using EventEngine.State;
using EventEngine.Validation;

namespace EventEngine.Decisions;

/// <summary>Pod commands: register an observed pod (or re-apply it), report status, delete.</summary>
public static class PodDecisions
{
    /// <summary>A pod that already runs on a node; applied again, only its labels, status and deletion can change.</summary>
    public static Decided Register(ClusterState s, Pod pod, DateTimeOffset now)
    {
        PodSpecView spec;
        try
        {
            spec = SpecOf(pod);
        }
        catch (ManifestException e)
        {
            return Failure.Malformed(e.Message, e.Path);
        }
        var errors = ObjectRules.ValidatePod(pod, spec);
        var what = $"Pod {pod.Metadata?.Namespace}/{pod.Metadata?.Name}";
        if (errors.Count > 0) return Failure.Invalid(what, errors);
        var meta = pod.Metadata!;
        var key = meta.Namespace + "/" + meta.Name;
        var normalized = pod with
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new ObjectMeta
            {
                Name = meta.Name, Namespace = meta.Namespace, Labels = meta.Labels, OwnerReferences = meta.OwnerReferences,
                CreationTimestamp = meta.CreationTimestamp ?? now, DeletionTimestamp = meta.DeletionTimestamp,
                DeletionGracePeriodSeconds = meta.DeletionGracePeriodSeconds,
            },
        };
        var observed = Fold.Observed(normalized, new Recorded(Guid.Empty, now, null!));
        var daemonSet = DaemonSetOf(s, observed);
        if (!s.Pods.TryGetValue(key, out var current))
            return Decided.Of(new PodRegistered(daemonSet, observed.Namespace, observed.Name, observed.TargetNode, normalized));

        if (current.TargetNode != observed.TargetNode)
            return Failure.Invalid(what, "spec.nodeName", $"Invalid value: \"{observed.TargetNode}\": a registered pod cannot move from node {current.TargetNode}");
        if (current.Controller?.Uid != observed.Controller?.Uid)
            return Failure.Invalid(what, "metadata.ownerReferences", "Forbidden: the controller of a registered pod cannot be changed by applying it");
        var events = new List<IEvent>();
        if (!NodeDecisions.SameMap(current.Labels, observed.Labels))
            events.Add(new PodLabelsChanged(daemonSet, current.Namespace, current.Name, current.TargetNode, observed.Labels));
        if (current.Phase != observed.Phase || current.Ready != observed.Ready)
        {
            // A pod that stays Ready keeps the time it became Ready, as a status report would.
            var since = observed.Ready && current.Ready ? current.ReadySince : observed.ReadySince;
            events.Add(new PodStatusObserved(daemonSet, current.Namespace, current.Name, current.TargetNode, observed.Phase, observed.Ready, since));
        }
        if (current.DeletionTimestamp is null && observed.DeletionTimestamp is { } deletion)
            events.Add(new PodTerminating(daemonSet, current.Namespace, current.Name, current.TargetNode, deletion));
        return events.Count == 0 ? Decided.Nothing($"pod {key} unchanged") : new Decided(events);
    }

    /// <summary>
    /// A node agent's status report. A report that changes nothing records nothing, so a pod already Ready keeps
    /// the time it became Ready.
    /// </summary>
    public static Decided ReportStatus(ClusterState s, string ns, string name, PodStatus status, DateTimeOffset now)
    {
        var key = ns + "/" + name;
        if (!s.Pods.TryGetValue(key, out var pod)) return Failure.NotFound($"pod {key}");
        var phase = status.Phase ?? pod.Phase;
        string[] phases = [PodPhases.Pending, PodPhases.Running, PodPhases.Succeeded, PodPhases.Failed, PodPhases.Unknown];
        if (!phases.Contains(phase))
            return Failure.Invalid($"Pod {key}", "status.phase", $"Unsupported value: \"{phase}\": supported values: {string.Join(", ", phases.Select(p => "\"" + p + "\""))}");
        var readyCondition = status.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        if (readyCondition is { Status: not ("True" or "False" or "Unknown") })
            return Failure.Invalid($"Pod {key}", "status.conditions", $"Unsupported value: \"{readyCondition.Status}\": supported values: \"True\", \"False\", \"Unknown\"");
        var ready = readyCondition is null ? pod.Ready && !PodPhases.IsTerminal(phase) : readyCondition.Status == "True";
        if (phase == pod.Phase && ready == pod.Ready) return Decided.Nothing($"pod {key} status unchanged");
        var since = ready ? (pod.Ready ? pod.ReadySince : readyCondition?.LastTransitionTime ?? now) : null;
        return Decided.Of(new PodStatusObserved(DaemonSetOf(s, pod), ns, name, pod.TargetNode, phase, ready, since));
    }

    /// <summary>
    /// A patch of the pod as served (merge, strategic merge or JSON patch). A pod's labels may change (which can release it
    /// from its DaemonSet, or make one adopt it); its spec and status are the controller's and the kubelet's, so a patch
    /// that changes anything else is refused, as Kubernetes refuses most pod updates.
    /// </summary>
    public static Decided Patch(ClusterState s, string ns, string name, ObjectPatch patch, JsonObject served)
    {
        var key = ns + "/" + name;
        if (!s.Pods.TryGetValue(key, out var pod)) return Failure.NotFound($"pod {key}");
        var (patched, refused) = Applied(patch, served, key);
        if (patched is null) return refused!;
        var (labels, invalid) = LabelsOf(patched, key);
        if (labels is null) return invalid!;
        // everything but the labels (and what the server sets) must stay as served
        var rest = (JsonObject)patched.DeepClone();
        var before = (JsonObject)served.DeepClone();
        foreach (var obj in new[] { rest, before })
            if (obj["metadata"] is JsonObject meta)
            {
                meta.Remove("labels");
                meta.Remove("resourceVersion");
                meta.Remove("annotations");
            }
        if (!JsonNode.DeepEquals(rest, before))
            return Failure.Invalid($"Pod {key}", "spec",
                "Forbidden: pod updates may not change fields other than metadata.labels (the spec is the DaemonSet's, the status the kubelet's)");
        if (SameLabels(labels, pod)) return Decided.Nothing($"pod {key} unchanged");
        return Decided.Of(new PodLabelsChanged(DaemonSetOf(s, pod), ns, name, pod.TargetNode, labels));
    }

    /// <summary>The labels of a pod as patched, or why they are not labels.</summary>
    private static (Dictionary<string, string>? Labels, Decided? Invalid) LabelsOf(JsonObject patched, string key)
    {
        var labels = JsonFields.At(patched, "metadata", "labels") switch
        {
            null => new Dictionary<string, string>(),
            JsonObject map when map.All(p => p.Value is JsonValue v && v.TryGetValue<string>(out _)) => map.ToDictionary(p => p.Key, p => (string)p.Value!),
            _ => null,
        };
        if (labels is null) return (null, Failure.Invalid($"Pod {key}", "metadata.labels", "Invalid value: labels must map strings to strings"));
        var errors = new FieldErrors();
        NameRules.Labels(labels, "metadata.labels", errors);
        return errors.Any ? (null, Failure.Invalid($"Pod {key}", errors.Errors)) : (labels, null);
    }

    private static bool SameLabels(Dictionary<string, string> labels, PodState pod) =>
        labels.Count == pod.Labels.Count && labels.All(l => pod.Labels.TryGetValue(l.Key, out var v) && v == l.Value);

    /// <summary>
    /// A patch of the pod's status subresource: the patch applies to the pod as served, and its status is taken (phase
    /// and the Ready condition, as <see cref="ReportStatus"/> reads them) with its labels, which the API server keeps from
    /// a status write too (podStatusStrategy resets the spec, deletionTimestamp and ownerReferences alone); what it says
    /// of the spec is the pod's own, and is left as it is.
    /// </summary>
    public static Decided PatchStatus(ClusterState s, string ns, string name, ObjectPatch patch, JsonObject served, DateTimeOffset now)
    {
        var key = ns + "/" + name;
        if (!s.Pods.TryGetValue(key, out var pod)) return Failure.NotFound($"pod {key}");
        var (patched, refused) = Applied(patch, served, key);
        if (patched is null) return refused!;
        var (labels, invalid) = LabelsOf(patched, key);
        if (labels is null) return invalid!;
        if (patched["status"] is not (null or JsonObject)) return Failure.Malformed("status: expected an object", "status");
        var given = patched["status"] as JsonObject ?? [];
        // a patch that flips Ready and leaves its lastTransitionTime as served (a strategic merge keeps the served one)
        // did not say when it changed: it changed now, so minReadySeconds counts from now, not from when it last changed
        if (Ready(given) is { } ready && Ready(served["status"] as JsonObject) is { } before
            && JsonFields.Text(ready, "status") != JsonFields.Text(before, "status") && JsonNode.DeepEquals(ready["lastTransitionTime"], before["lastTransitionTime"]))
            ready.Remove("lastTransitionTime");
        PodStatus status;
        try
        {
            status = Manifests.Deserialize<PodStatus>(given);
        }
        catch (ManifestException e)
        {
            return Failure.MalformedAt("status", e);
        }
        return WithLabels(s, pod, ReportStatus(s, ns, name, status, now), labels);
    }

    /// <summary>
    /// A status written whole (PUT of the status subresource): its phase and readiness as <see cref="ReportStatus"/> reads
    /// them, with the labels the body gives, which the API server keeps from a status write too; a body that gives no
    /// labels leaves them as they are, as a written node status does.
    /// </summary>
    public static Decided ReplaceStatus(ClusterState s, string ns, string name, PodStatus status, IReadOnlyDictionary<string, string>? labels, DateTimeOffset now)
    {
        var key = ns + "/" + name;
        if (!s.Pods.TryGetValue(key, out var pod)) return Failure.NotFound($"pod {key}");
        var reported = ReportStatus(s, ns, name, status, now);
        if (labels is null) return reported;
        var given = labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);
        var errors = new FieldErrors();
        NameRules.Labels(given, "metadata.labels", errors);
        return errors.Any ? Failure.Invalid($"Pod {key}", errors.Errors) : WithLabels(s, pod, reported, given);
    }

    /// <summary>A status report with the pod's labels as given, when they are not the pod's already.</summary>
    private static Decided WithLabels(ClusterState s, PodState pod, Decided reported, Dictionary<string, string> labels) =>
        SameLabels(labels, pod) || reported.Failure is not null
            ? reported
            : new Decided([.. reported.Events, new PodLabelsChanged(DaemonSetOf(s, pod), pod.Namespace, pod.Name, pod.TargetNode, labels)]);

    private static JsonObject? Ready(JsonObject? status) =>
        (status?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => JsonFields.Text(c, "type") == "Ready");

    /// <summary>The pod as served with a patch applied, or the refusal of a patch that does not apply.</summary>
    private static (JsonObject? Patched, Decided? Refused) Applied(ObjectPatch patch, JsonObject served, string key)
    {
        try
        {
            return (patch.Apply(served, "v1", "Pod") as JsonObject ?? throw new PatchException("a pod must be a JSON object", "", PatchError.Invalid), null);
        }
        catch (PatchException e)
        {
            return (null, Patched.Refused($"Pod {key}", e));
        }
    }

    public static Decided Delete(ClusterState s, string ns, string name)
    {
        var key = ns + "/" + name;
        if (!s.Pods.TryGetValue(key, out var pod)) return Failure.NotFound($"pod {key}");
        return Decided.Of(new PodDeleted(DaemonSetOf(s, pod), ns, name, pod.TargetNode, PodReasons.Deleted));
    }

    /// <summary>The DaemonSet (ns/name) a pod belongs to, as named in pod events.</summary>
    public static string? DaemonSetOf(ClusterState s, PodState pod) =>
        s.DaemonSetByUid(pod.Controller?.Uid)?.Key
        ?? (pod.Controller is { Kind: "DaemonSet", Name: { } owner } ? pod.Namespace + "/" + owner : null);

    /// <summary>The typed view of a registered pod's spec (kept as given); a field of the wrong type is refused here, naming it.</summary>
    private static PodSpecView SpecOf(Pod pod) =>
        pod.Spec is { ValueKind: JsonValueKind.Object } spec ? Manifests.DeserializeAt<PodSpecView>(spec, "spec") : new PodSpecView();
}
