using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Placement;

/// <summary>
/// NodeShouldRunDaemonPod: nodeName, node selector, required node affinity and taints versus tolerations; nothing
/// else (Ready, unschedulable and resources are left to other components). The single place placement is decided:
/// <see cref="Evaluate"/> (the fold's allocation-free path) and <see cref="Explain"/> (every rule, typed) run the
/// same checks, told apart only by the recorder they hand in.
/// </summary>
public static class NodeShouldRun
{
    /// <summary>The answer alone: stops at the first rule that decides it, records nothing.</summary>
    public static (bool ShouldRun, bool ShouldContinueRunning) Evaluate(NodeState node, PlacementSpec spec)
    {
        var none = default(NoRecord);
        return Decide(node, spec, ref none);
    }

    /// <summary>The same answer with every rule checked, satisfied or not, in the order Kubernetes checks them.</summary>
    public static PlacementVerdict Explain(NodeState node, PlacementSpec spec)
    {
        var record = new Record(node, spec);
        var (shouldRun, shouldContinue) = Decide(node, spec, ref record);
        return new PlacementVerdict(shouldRun, shouldContinue, record.Rules);
    }

    private static (bool ShouldRun, bool ShouldContinueRunning) Decide<TRecord>(NodeState node, PlacementSpec spec, ref TRecord record)
        where TRecord : struct, IRuleRecord
    {
        var fits = true;

        var nameOk = spec.NodeName is null || spec.NodeName == node.Name;
        record.NodeName(nameOk);
        if (!nameOk)
        {
            if (!record.WantsEveryRule) return (false, false);
            fits = false;
        }

        foreach (var (key, value) in spec.NodeSelector)
        {
            var ok = node.Labels.TryGetValue(key, out var actual) && actual == value;
            record.NodeSelector(key, value, ok);
            if (ok) continue;
            if (!record.WantsEveryRule) return (false, false);
            fits = false;
        }
        if (spec.NodeSelector.Count == 0) record.NoNodeSelector();

        if (spec.Affinity is { } affinity)
        {
            record.NodeAffinity(affinity);
            if (!affinity.Matches(node.Name, node.Labels))
            {
                if (!record.WantsEveryRule) return (false, false);
                fits = false;
            }
        }
        else
        {
            record.NoNodeAffinity();
        }

        var schedulable = true;
        var executable = true;
        foreach (var taint in node.Taints)
        {
            // PreferNoSchedule is a preference for the scheduler; the DaemonSet controller ignores it
            if (taint.Effect is not (Tolerations.NoSchedule or Tolerations.NoExecute))
            {
                record.Taint(taint, null, ignored: true);
                continue;
            }
            var toleration = Tolerations.FirstTolerating(spec.Tolerations, taint);
            record.Taint(taint, toleration, ignored: false);
            if (toleration is not null) continue;
            schedulable = false;
            if (taint.Effect != Tolerations.NoExecute) continue;
            if (!record.WantsEveryRule) return (false, false);
            executable = false;
        }
        if (node.Taints.IsEmpty) record.NoTaints();

        record.Informational();
        return (fits && schedulable, fits && executable);
    }

    /// <summary>What <see cref="Decide"/> tells about each rule it checks; a struct, so the fast path compiles to nothing.</summary>
    private interface IRuleRecord
    {
        /// <summary>False: stop at the first rule that decides the answer.</summary>
        bool WantsEveryRule { get; }
        void NodeName(bool ok);
        void NodeSelector(string key, string value, bool ok);
        void NoNodeSelector();
        void NodeAffinity(NodeAffinityMatch affinity);
        void NoNodeAffinity();
        void Taint(Taint taint, Toleration? toleratedBy, bool ignored);
        void NoTaints();
        void Informational();
    }

    private struct NoRecord : IRuleRecord
    {
        public readonly bool WantsEveryRule => false;
        public readonly void NodeName(bool ok) { }
        public readonly void NodeSelector(string key, string value, bool ok) { }
        public readonly void NoNodeSelector() { }
        public readonly void NodeAffinity(NodeAffinityMatch affinity) { }
        public readonly void NoNodeAffinity() { }
        public readonly void Taint(Taint taint, Toleration? toleratedBy, bool ignored) { }
        public readonly void NoTaints() { }
        public readonly void Informational() { }
    }

    /// <summary>Builds the typed rules and their sentences from the data each check looked at.</summary>
    private readonly struct Record(NodeState node, PlacementSpec spec) : IRuleRecord
    {
        public List<PlacementRule> Rules { get; } = [];

        public bool WantsEveryRule => true;

        public void NodeName(bool ok) => Rules.Add(new NodeNameRule(spec.NodeName, node.Name, ok, spec.NodeName switch
        {
            null => "the template names no node (spec.nodeName is empty): any node",
            _ when ok => $"template nodeName is {spec.NodeName}",
            _ => $"template nodeName is {spec.NodeName}, not {node.Name}",
        }));

        public void NodeSelector(string key, string value, bool ok)
        {
            var has = node.Labels.TryGetValue(key, out var actual);
            Rules.Add(new NodeSelectorRule(key, value, has ? actual : null, ok,
                ok ? $"nodeSelector {key}={value} matches"
                   : has ? $"nodeSelector {key}={value} does not match: node has {key}={actual}"
                         : $"nodeSelector {key}={value} does not match: node has no label {key}"));
        }

        public void NoNodeSelector() =>
            Rules.Add(new NodeSelectorRule(null, null, null, true, "the template has no nodeSelector: any node"));

        public void NodeAffinity(NodeAffinityMatch affinity)
        {
            if (affinity.Terms.Count == 0)
            {
                Rules.Add(new NodeAffinityRule(null, [], false, "required node affinity has no terms: it matches no node"));
                return;
            }
            for (var i = 0; i < affinity.Terms.Count; i++)
            {
                var term = affinity.Terms[i];
                var requirements = term.Explain(node.Name, node.Labels);
                var ok = term.Matches(node.Name, node.Labels);
                var failure = term.ParseError ?? requirements.FirstOrDefault(r => !r.Satisfied)?.Message;
                Rules.Add(new NodeAffinityRule(i, requirements, ok,
                    ok ? $"required node affinity term {i} ({term}) matches"
                       : $"required node affinity term {i}: {failure}"));
            }
        }

        public void NoNodeAffinity() =>
            Rules.Add(new NodeAffinityRule(null, [], true, "the template has no required node affinity: any node"));

        public void Taint(Taint taint, Toleration? toleratedBy, bool ignored)
        {
            if (ignored)
            {
                Rules.Add(new TaintRule(taint, taint.Effect, null, false, true,
                    $"taint {taint} is ignored ({taint.Effect} does not affect DaemonSet pods)"));
                return;
            }
            if (toleratedBy is null)
            {
                Rules.Add(new TaintRule(taint, taint.Effect, null, false, false, $"taint {taint} is not tolerated"));
                return;
            }
            var automatic = spec.IsAutomatic(toleratedBy);
            Rules.Add(new TaintRule(taint, taint.Effect, toleratedBy, automatic, true,
                $"taint {taint} is tolerated by {(automatic ? "the automatic DaemonSet toleration" : "toleration")} {toleratedBy}"));
        }

        public void NoTaints() => Rules.Add(new TaintRule(null, null, null, false, true, "the node has no taints"));

        public void Informational()
        {
            Rules.Add(new UnschedulableRule(node.Unschedulable, node.Unschedulable
                ? "the node is cordoned (spec.unschedulable); DaemonSet pods ignore cordon: they tolerate node.kubernetes.io/unschedulable:NoSchedule automatically"
                : "the node is not cordoned (DaemonSet pods would ignore cordon anyway)"));
            if (node.Conditions.IsEmpty)
                Rules.Add(new NodeConditionRule(null, null, "the node reports no conditions; the DaemonSet controller does not read them"));
            foreach (var c in node.Conditions.OrderBy(c => c.Type, StringComparer.Ordinal))
                Rules.Add(new NodeConditionRule(c.Type, c.Status, $"condition {c.Type}={c.Status}: {ConditionNote(c, spec)}"));
        }

        /// <summary>Conditions count only through the taints the node lifecycle controller derives from them.</summary>
        private static string ConditionNote(NodeCondition c, PlacementSpec spec) => (c.Type, c.Status) switch
        {
            ("Ready", "True") => "ignored by the DaemonSet controller",
            ("Ready", _) => "ignored by the DaemonSet controller; its taints node.kubernetes.io/not-ready and unreachable are tolerated automatically for NoExecute only",
            ("MemoryPressure" or "DiskPressure" or "PIDPressure", "True") =>
                "ignored by the DaemonSet controller; its NoSchedule taint is tolerated automatically",
            ("NetworkUnavailable", "True") => spec.HostNetwork
                ? "ignored by the DaemonSet controller; its NoSchedule taint is tolerated automatically by host-network pods like these"
                : "ignored by the DaemonSet controller; its NoSchedule taint is tolerated only by host-network pods, which these are not",
            _ => "ignored by the DaemonSet controller",
        };
    }
}
