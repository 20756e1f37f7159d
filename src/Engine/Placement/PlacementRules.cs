using System.Text.Json.Serialization;
using EventEngine.Model;

namespace EventEngine.Placement;

/// <summary>
/// The order in which NodeShouldRunDaemonPod checks: a failure in an earlier stage decides the answer before a later
/// stage is looked at. Informational rules (cordon, conditions) never decide anything.
/// </summary>
public enum RuleStage
{
    NodeName,
    NodeSelection,
    Taints,
    Informational,
}

/// <summary>
/// One rule of the placement decision with its typed data and a sentence built from that data. Satisfied rules are
/// listed too, so that "why does a pod run here" always has an answer.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(NodeNameRule), RuleKinds.NodeName)]
[JsonDerivedType(typeof(NodeSelectorRule), RuleKinds.NodeSelector)]
[JsonDerivedType(typeof(NodeAffinityRule), RuleKinds.NodeAffinity)]
[JsonDerivedType(typeof(TaintRule), RuleKinds.Taint)]
[JsonDerivedType(typeof(UnschedulableRule), RuleKinds.Unschedulable)]
[JsonDerivedType(typeof(NodeConditionRule), RuleKinds.NodeCondition)]
public abstract record PlacementRule([property: JsonPropertyOrder(-2)] bool Satisfied, [property: JsonPropertyOrder(-1)] string Message)
{
    /// <summary>Where in NodeShouldRunDaemonPod the rule is checked.</summary>
    [JsonIgnore]
    public RuleStage Stage => this switch
    {
        NodeNameRule => RuleStage.NodeName,
        NodeSelectorRule or NodeAffinityRule => RuleStage.NodeSelection,
        TaintRule => RuleStage.Taints,
        _ => RuleStage.Informational,
    };

    /// <summary>Whether failing this rule also takes away shouldContinueRunning: all but an untolerated NoSchedule taint do.</summary>
    [JsonIgnore]
    public bool FailureEvicts => this is not TaintRule { Effect: not Tolerations.NoExecute };
}

/// <summary>The rule kinds as written in explanations.</summary>
public static class RuleKinds
{
    public const string NodeName = "nodeName";
    public const string NodeSelector = "nodeSelector";
    public const string NodeAffinity = "nodeAffinity";
    public const string Taint = "taint";
    public const string Unschedulable = "unschedulable";
    public const string NodeCondition = "nodeCondition";
}

/// <summary>template.spec.nodeName against the node; Wanted null: the template names no node.</summary>
public sealed record NodeNameRule(string? Wanted, string Node, bool Satisfied, string Message) : PlacementRule(Satisfied, Message);

/// <summary>One key of the template's nodeSelector against the node's label (Key null: the template has no nodeSelector).</summary>
public sealed record NodeSelectorRule(string? Key, string? Value, string? NodeValue, bool Satisfied, string Message) : PlacementRule(Satisfied, Message);

/// <summary>One requirement of a node selector term, with its own outcome on this node.</summary>
public sealed record RequirementResult(string Requirement, bool Satisfied, string Message);

/// <summary>
/// One term of the required node affinity (Term null: the template has none, or the affinity has no terms). Terms are
/// ORed: the affinity holds when any term does, so a failing term fails the node only when every term fails.
/// </summary>
public sealed record NodeAffinityRule(int? Term, IReadOnlyList<RequirementResult> Requirements, bool Satisfied, string Message) : PlacementRule(Satisfied, Message);

/// <summary>
/// One taint of the node against the pod's tolerations. ToleratedBy is the first toleration that matches, Automatic when
/// it is one Kubernetes adds to every DaemonSet pod; Taint null: the node has no taints.
/// </summary>
public sealed record TaintRule(Taint? Taint, string? Effect, Toleration? ToleratedBy, bool Automatic, bool Satisfied, string Message) : PlacementRule(Satisfied, Message);

/// <summary>spec.unschedulable (cordon): DaemonSet pods ignore it; always satisfied.</summary>
public sealed record UnschedulableRule(bool Unschedulable, string Message) : PlacementRule(true, Message);

/// <summary>A node condition (Type null: the node reports none): the DaemonSet controller does not read conditions.</summary>
public sealed record NodeConditionRule(string? Type, string? Status, string Message) : PlacementRule(true, Message);

/// <summary>
/// NodeShouldRun's answer with every rule checked (satisfied or not) and, for each of the two answers, the rules that
/// decided it when it is false: the failing rules of the first stage that fails, as Kubernetes stops there.
/// </summary>
public sealed record PlacementVerdict(bool ShouldRun, bool ShouldContinueRunning, IReadOnlyList<PlacementRule> Rules)
{
    /// <summary>Why no new pod may be created here (empty when one may).</summary>
    public IReadOnlyList<PlacementRule> StopsRunning => Deciding(r => true);

    /// <summary>Why a running pod must go (empty when it may stay).</summary>
    public IReadOnlyList<PlacementRule> StopsContinuing => Deciding(r => r.FailureEvicts);

    /// <summary>The rules that stop a pod from being created here, in the order they were checked.</summary>
    public IEnumerable<PlacementRule> Failures => Rules.Where(r => !r.Satisfied);

    /// <summary>One sentence: the verdict, and the rules that decided it when a pod may not be created.</summary>
    public string Summary => ShouldRun
        ? "a pod should run here: every rule is satisfied"
        : ShouldContinueRunning
            ? $"no new pod should be created here, but a running one may stay: {Sentence(StopsRunning)}"
            : $"no pod should run here: {Sentence(StopsContinuing)}";

    /// <summary>The deciding rules' messages as one sentence.</summary>
    public static string Sentence(IEnumerable<PlacementRule> rules) => string.Join("; ", rules.Select(r => r.Message));

    private List<PlacementRule> Deciding(Func<PlacementRule, bool> counts)
    {
        foreach (var stage in new[] { RuleStage.NodeName, RuleStage.NodeSelection, RuleStage.Taints })
        {
            var rules = Rules.Where(r => r.Stage == stage).ToList();
            // node selection fails as a whole: the selector must hold and any affinity term must
            var failing = stage == RuleStage.NodeSelection && rules.OfType<NodeAffinityRule>().Any(r => r.Satisfied)
                ? rules.Where(r => r is NodeSelectorRule && !r.Satisfied).ToList()
                : rules.Where(r => !r.Satisfied).ToList();
            var deciding = failing.Where(counts).ToList();
            if (deciding.Count > 0) return deciding;
        }
        return [];
    }
}
