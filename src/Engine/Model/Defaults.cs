using System.Text.Json.Nodes;

namespace EventEngine.Model;

/// <summary>
/// Kubernetes' defaulting for the objects the engine stores (SetDefaults_DaemonSet, SetDefaults_PodSpec,
/// SetDefaults_Container), so that a minimal manifest and `kubectl get -o yaml` output of it are the same object.
/// </summary>
public static class Defaults
{
    public const int RevisionHistoryLimit = 10;

    public static DaemonSet Apply(DaemonSet ds)
    {
        var spec = ds.Spec ?? new DaemonSetSpec();
        var strategy = spec.UpdateStrategy ?? new DaemonSetUpdateStrategy();
        if (string.IsNullOrEmpty(strategy.Type)) strategy = strategy with { Type = DaemonSetUpdateStrategy.RollingUpdateType };
        if (strategy.Type == DaemonSetUpdateStrategy.RollingUpdateType)
        {
            var rolling = strategy.RollingUpdate ?? new RollingUpdateDaemonSet();
            rolling = rolling with
            {
                MaxUnavailable = rolling.MaxUnavailable ?? IntOrString.FromInt(1),
                MaxSurge = rolling.MaxSurge ?? IntOrString.FromInt(0),
            };
            strategy = strategy with { RollingUpdate = rolling };
        }

        return ds with
        {
            ApiVersion = "apps/v1",
            Kind = "DaemonSet",
            Spec = spec with
            {
                UpdateStrategy = strategy,
                RevisionHistoryLimit = spec.RevisionHistoryLimit ?? RevisionHistoryLimit,
                MinReadySeconds = spec.MinReadySeconds ?? 0,
                Template = spec.Template is null ? null : Apply(spec.Template),
            },
        };
    }

    /// <summary>Pod spec and container defaults; fields already set are left as they are.</summary>
    public static PodTemplate Apply(PodTemplate template)
    {
        var root = template.ToNode().AsObject();
        if (root["spec"] is not JsonObject spec) return template;
        SetIfAbsent(spec, "restartPolicy", "Always");
        SetIfAbsent(spec, "dnsPolicy", "ClusterFirst");
        SetIfAbsent(spec, "schedulerName", "default-scheduler");
        SetIfAbsent(spec, "terminationGracePeriodSeconds", 30);
        foreach (var list in new[] { "containers", "initContainers" })
        {
            if (spec[list] is not JsonArray containers) continue;
            foreach (var c in containers.OfType<JsonObject>()) DefaultContainer(c);
        }
        return PodTemplate.From(root);
    }

    private static void DefaultContainer(JsonObject c)
    {
        SetIfAbsent(c, "terminationMessagePath", "/dev/termination-log");
        SetIfAbsent(c, "terminationMessagePolicy", "File");
        if (c["image"] is JsonValue image && image.TryGetValue<string>(out var name))
            SetIfAbsent(c, "imagePullPolicy", PullsAlways(name) ? "Always" : "IfNotPresent");
        if (c["ports"] is JsonArray ports)
            foreach (var p in ports.OfType<JsonObject>()) SetIfAbsent(p, "protocol", "TCP");
    }

    /// <summary>An image without a tag, or tagged latest, is pulled every time (no digest pins it).</summary>
    private static bool PullsAlways(string image)
    {
        if (image.Contains('@')) return false;
        var lastSlash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon <= lastSlash || image[(colon + 1)..] == "latest";
    }

    private static void SetIfAbsent(JsonObject obj, string key, JsonNode value)
    {
        if (obj[key] is null) obj[key] = value;
    }
}
