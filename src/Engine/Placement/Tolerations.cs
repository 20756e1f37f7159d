using EventEngine.Model;

namespace EventEngine.Placement;

/// <summary>Taint/toleration matching and the tolerations Kubernetes adds to every DaemonSet pod.</summary>
public static class Tolerations
{
    public const string NoSchedule = "NoSchedule";
    public const string PreferNoSchedule = "PreferNoSchedule";
    public const string NoExecute = "NoExecute";

    private static Toleration Auto(string key, string effect) => new() { Key = key, Operator = "Exists", Effect = effect };

    /// <summary>AddOrUpdateDaemonPodTolerations: not-ready and unreachable are NoExecute only.</summary>
    private static readonly Toleration[] Always =
    [
        Auto("node.kubernetes.io/not-ready", NoExecute),
        Auto("node.kubernetes.io/unreachable", NoExecute),
        Auto("node.kubernetes.io/disk-pressure", NoSchedule),
        Auto("node.kubernetes.io/memory-pressure", NoSchedule),
        Auto("node.kubernetes.io/pid-pressure", NoSchedule),
        Auto("node.kubernetes.io/unschedulable", NoSchedule),
    ];

    /// <summary>network-unavailable is tolerated only by host-network pods, which do not need the pod network.</summary>
    private static readonly Toleration NetworkUnavailable = Auto("node.kubernetes.io/network-unavailable", NoSchedule);

    /// <summary>The tolerations the engine's pods carry: the template's, merged with the automatic ones.</summary>
    public static IReadOnlyList<Toleration> ForDaemonPod(IReadOnlyList<Toleration>? user, bool hostNetwork)
    {
        var result = (user ?? []).ToList();
        foreach (var auto in hostNetwork ? Always.Append(NetworkUnavailable) : Always) AddOrUpdate(result, auto);
        return result;
    }

    /// <summary>True when the toleration was added automatically (shown as such in explanations).</summary>
    public static bool IsAutomatic(Toleration t) =>
        t.Operator == "Exists" && t.TolerationSeconds is null
        && (Always.Any(a => a.Key == t.Key && a.Effect == t.Effect) || (NetworkUnavailable.Key == t.Key && NetworkUnavailable.Effect == t.Effect));

    /// <summary>AddOrUpdateTolerationInPodSpec: an equal key/operator/value/effect is replaced, anything else kept.</summary>
    private static void AddOrUpdate(List<Toleration> tolerations, Toleration toleration)
    {
        var replaced = false;
        for (var i = 0; i < tolerations.Count; i++)
        {
            var t = tolerations[i];
            if ((t.Key ?? "") == toleration.Key && (t.Operator ?? "") == toleration.Operator
                && (t.Value ?? "") == (toleration.Value ?? "") && (t.Effect ?? "") == toleration.Effect)
            {
                tolerations[i] = toleration;
                replaced = true;
            }
        }
        if (!replaced) tolerations.Add(toleration);
    }

    /// <summary>Toleration.ToleratesTaint.</summary>
    public static bool Tolerates(Toleration t, Taint taint)
    {
        if (!string.IsNullOrEmpty(t.Effect) && t.Effect != taint.Effect) return false;
        if (!string.IsNullOrEmpty(t.Key) && t.Key != taint.Key) return false;
        return t.Operator switch
        {
            null or "" or "Equal" => (t.Value ?? "") == (taint.Value ?? ""),
            "Exists" => true,
            _ => false,
        };
    }

    public static Toleration? FirstTolerating(IReadOnlyList<Toleration> tolerations, Taint taint)
    {
        foreach (var t in tolerations)
            if (Tolerates(t, taint)) return t;
        return null;
    }

    /// <summary>
    /// When the taint-eviction controller removes a pod from a node with NoExecute taints: null = never (every
    /// taint tolerated forever). As getMinTolerationTime: the first toleration matching each taint counts, and the
    /// smallest tolerationSeconds among them wins; the clock starts when the pod and the oldest such taint met.
    /// A taint with no matching toleration evicts at once (the pod's creation time).
    /// </summary>
    public static DateTimeOffset? EvictionDeadline(IReadOnlyList<Toleration> tolerations, IEnumerable<Taint> noExecuteTaints, DateTimeOffset podCreated)
    {
        long? seconds = null;
        DateTimeOffset? oldestTaint = null;
        foreach (var taint in noExecuteTaints)
        {
            if (FirstTolerating(tolerations, taint) is not { } toleration) return podCreated;
            if (toleration.TolerationSeconds is not { } s) continue;
            seconds = seconds is null ? s : Math.Min(seconds.Value, s);
            var added = taint.TimeAdded ?? podCreated;
            if (oldestTaint is null || added < oldestTaint) oldestTaint = added;
        }
        if (seconds is null) return null;
        var start = oldestTaint > podCreated ? oldestTaint.Value : podCreated;
        return start + TimeSpan.FromSeconds(Math.Max(0, seconds.Value));
    }
}
