using EventEngine.Model;

namespace EventEngine.Placement;

/// <summary>One rule of the placement decision, for explanations ("taint dedicated=user1:NoExecute is not tolerated").</summary>
public sealed record PlacementRule(string Rule, bool Satisfied, string Detail);

/// <summary>The answer of <see cref="NodeShouldRun"/> with its reasons.</summary>
public sealed record PlacementDecision(bool ShouldRun, bool ShouldContinueRunning, IReadOnlyList<PlacementRule> Rules)
{
    /// <summary>The rules that stop a pod from being created here.</summary>
    public IEnumerable<PlacementRule> Failures => Rules.Where(r => !r.Satisfied);

    public string Summary => ShouldRun
        ? "a pod should run here"
        : string.Join("; ", Failures.Select(r => r.Detail));
}

/// <summary>
/// NodeShouldRunDaemonPod: nodeName, node selector, required node affinity and taints versus tolerations; nothing
/// else (Ready, unschedulable and resources are left to other components). The single place placement is decided.
/// </summary>
public static class NodeShouldRun
{
    /// <summary>The fast path used by the fold: no allocation, no reasons.</summary>
    public static (bool ShouldRun, bool ShouldContinueRunning) Evaluate(
        string nodeName, IReadOnlyDictionary<string, string> labels, IReadOnlyList<Taint> taints, PlacementSpec spec)
    {
        if (spec.NodeName is { } wanted && wanted != nodeName) return (false, false);
        if (!FitsNodeSelection(nodeName, labels, spec)) return (false, false);
        var shouldRun = true;
        foreach (var taint in taints)
        {
            if (taint.Effect is not (Tolerations.NoSchedule or Tolerations.NoExecute)) continue;
            if (Tolerations.FirstTolerating(spec.Tolerations, taint) is not null) continue;
            if (taint.Effect == Tolerations.NoExecute) return (false, false);
            shouldRun = false;
        }
        return (shouldRun, true);
    }

    /// <summary>nodeSelector AND required node affinity (GetRequiredNodeAffinity(pod).Match(node)).</summary>
    public static bool FitsNodeSelection(string nodeName, IReadOnlyDictionary<string, string> labels, PlacementSpec spec)
    {
        foreach (var (key, value) in spec.NodeSelector)
            if (!labels.TryGetValue(key, out var actual) || actual != value) return false;
        return spec.Affinity is null || spec.Affinity.Matches(nodeName, labels);
    }

    /// <summary>The same decision, rule by rule.</summary>
    public static PlacementDecision Explain(
        string nodeName, IReadOnlyDictionary<string, string> labels, IReadOnlyList<Taint> taints, PlacementSpec spec)
    {
        var rules = new List<PlacementRule>();
        var nameOk = spec.NodeName is null || spec.NodeName == nodeName;
        if (spec.NodeName is { } wanted)
            rules.Add(new("nodeName", nameOk, nameOk ? $"template nodeName is {wanted}" : $"template nodeName is {wanted}, not {nodeName}"));

        var selectorOk = true;
        foreach (var (key, value) in spec.NodeSelector)
        {
            var has = labels.TryGetValue(key, out var actual);
            var ok = has && actual == value;
            selectorOk &= ok;
            rules.Add(new("nodeSelector", ok,
                ok ? $"nodeSelector {key}={value} matches"
                   : has ? $"nodeSelector {key}={value} does not match: node has {key}={actual}"
                         : $"nodeSelector {key}={value} does not match: node has no label {key}"));
        }

        var affinityOk = true;
        if (spec.Affinity is { } affinity)
        {
            affinityOk = affinity.Matches(nodeName, labels);
            if (affinity.Terms.Count == 0)
                rules.Add(new("nodeAffinity", false, "required node affinity has no terms: it matches no node"));
            for (var i = 0; i < affinity.Terms.Count; i++)
            {
                var term = affinity.Terms[i];
                var failure = term.FirstFailure(nodeName, labels);
                rules.Add(new("nodeAffinity", failure is null,
                    failure is null ? $"required node affinity term {i} ({term}) matches"
                                    : $"required node affinity term {i}: {failure}"));
            }
        }

        var schedulable = true;
        var executable = true;
        foreach (var taint in taints)
        {
            if (taint.Effect is not (Tolerations.NoSchedule or Tolerations.NoExecute))
            {
                rules.Add(new("taint", true, $"taint {taint} is ignored ({taint.Effect} does not affect DaemonSet pods)"));
                continue;
            }
            var toleration = Tolerations.FirstTolerating(spec.Tolerations, taint);
            if (toleration is null)
            {
                schedulable = false;
                if (taint.Effect == Tolerations.NoExecute) executable = false;
                rules.Add(new("taint", false, $"taint {taint} is not tolerated"));
            }
            else
            {
                var origin = Tolerations.IsAutomatic(toleration) && !spec.UserTolerations.Contains(toleration)
                    ? "the automatic DaemonSet toleration" : "toleration";
                rules.Add(new("taint", true, $"taint {taint} is tolerated by {origin} {toleration}"));
            }
        }

        var fits = nameOk && selectorOk && affinityOk;
        return new PlacementDecision(fits && schedulable, fits && executable, rules);
    }
}
