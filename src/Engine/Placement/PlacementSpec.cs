using EventEngine.Model;

namespace EventEngine.Placement;

/// <summary>The placement-relevant part of a pod template, compiled once per revision.</summary>
public sealed class PlacementSpec
{
    private PlacementSpec(PodSpecView spec)
    {
        NodeName = string.IsNullOrEmpty(spec.NodeName) ? null : spec.NodeName;
        NodeSelector = (spec.NodeSelector ?? new Dictionary<string, string>())
            .OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();
        Affinity = spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution is { } required
            ? NodeAffinityMatch.Compile(required)
            : null;
        HostNetwork = spec.HostNetwork ?? false;
        UserTolerations = spec.Tolerations ?? [];
        Tolerations = Placement.Tolerations.ForDaemonPod(spec.Tolerations, HostNetwork);
    }

    public string? NodeName { get; }
    public IReadOnlyList<KeyValuePair<string, string>> NodeSelector { get; }

    /// <summary>Null when the template has no required node affinity (no constraint).</summary>
    public NodeAffinityMatch? Affinity { get; }

    public bool HostNetwork { get; }
    public IReadOnlyList<Toleration> UserTolerations { get; }

    /// <summary>The template's tolerations merged with the automatic DaemonSet ones.</summary>
    public IReadOnlyList<Toleration> Tolerations { get; }

    /// <summary>Whether the pod carries this toleration only because Kubernetes adds it to every DaemonSet pod.</summary>
    public bool IsAutomatic(Toleration toleration) =>
        Placement.Tolerations.IsAutomatic(toleration) && !UserTolerations.Contains(toleration);

    public static PlacementSpec From(PodTemplate template) => new(template.Spec);

    /// <summary>For pods (observed or created): their own tolerations, nothing added.</summary>
    public static PlacementSpec ForPod(PodSpecView spec) => new(spec with { HostNetwork = false, Tolerations = spec.Tolerations });
}
