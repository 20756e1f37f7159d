using System.Collections.Immutable;
using EventEngine.Model;
using EventEngine.Placement;
using EventEngine.State;

namespace EventEngine.Core.Tests.Placement;

/// <summary>NodeShouldRunDaemonPod, rule by rule (semantics sections 1.1 to 1.6 and pitfalls 1 to 5).</summary>
public sealed class NodeShouldRunTests
{
    /// <summary>(case, node labels, node taints, pod spec) => (shouldRun, shouldContinueRunning).</summary>
    public static TheoryData<string, string, string, string, bool, bool> Cases => new()
    {
        { "NoConstraint_Runs", "{}", "[]", "{}", true, true },
        { "NodeName_Matching_Runs", "{}", "[]", "{nodeName: node-a}", true, true },
        { "NodeName_Other_DoesNotRunNorContinue", "{}", "[]", "{nodeName: node-b}", false, false },
        { "NodeSelector_Match_Runs", "{color: blue, speed: fast}", "[]", "{nodeSelector: {color: blue}}", true, true },
        { "NodeSelector_ValueDiffers_DoesNotRun", "{color: green}", "[]", "{nodeSelector: {color: blue}}", false, false },
        { "NodeSelector_MissingKey_DoesNotRun", "{speed: fast}", "[]", "{nodeSelector: {color: blue}}", false, false },
        { "Affinity_In_Matches", "{zone: a}", "[]", Affinity("[{matchExpressions: [{key: zone, operator: In, values: [a, b]}]}]"), true, true },
        { "Affinity_In_KeyAbsent_DoesNotMatch", "{}", "[]", Affinity("[{matchExpressions: [{key: zone, operator: In, values: [a]}]}]"), false, false },
        { "Affinity_NotIn_KeyAbsent_Matches", "{}", "[]", Affinity("[{matchExpressions: [{key: mem, operator: NotIn, values: [DDR]}]}]"), true, true },
        { "Affinity_NotIn_ValueListed_DoesNotMatch", "{mem: DDR}", "[]", Affinity("[{matchExpressions: [{key: mem, operator: NotIn, values: [DDR]}]}]"), false, false },
        { "Affinity_Exists", "{gpu: x}", "[]", Affinity("[{matchExpressions: [{key: gpu, operator: Exists}]}]"), true, true },
        { "Affinity_DoesNotExist", "{gpu: x}", "[]", Affinity("[{matchExpressions: [{key: gpu, operator: DoesNotExist}]}]"), false, false },
        { "Affinity_Gt_ComparesNumbers_0206Gt0204", "{kernel: '0206'}", "[]", Affinity("[{matchExpressions: [{key: kernel, operator: Gt, values: ['0204']}]}]"), true, true },
        { "Affinity_Gt_Equal_DoesNotMatch", "{n: '5'}", "[]", Affinity("[{matchExpressions: [{key: n, operator: Gt, values: ['5']}]}]"), false, false },
        { "Affinity_Lt_Smaller_Matches", "{n: '-3'}", "[]", Affinity("[{matchExpressions: [{key: n, operator: Lt, values: ['7']}]}]"), true, true },
        { "Affinity_Gt_NonNumericLabel_DoesNotMatch", "{n: abc}", "[]", Affinity("[{matchExpressions: [{key: n, operator: Gt, values: ['1']}]}]"), false, false },
        { "Affinity_MatchFieldsName_In", "{}", "[]", Affinity("[{matchFields: [{key: metadata.name, operator: In, values: [node-a]}]}]"), true, true },
        { "Affinity_MatchFieldsName_NotIn", "{}", "[]", Affinity("[{matchFields: [{key: metadata.name, operator: NotIn, values: [node-a]}]}]"), false, false },
        { "Affinity_TermsAreOred", "{b: '1'}", "[]", Affinity("[{matchExpressions: [{key: a, operator: Exists}]}, {matchExpressions: [{key: b, operator: Exists}]}]"), true, true },
        { "Affinity_WithinTermAnded", "{a: '1'}", "[]", Affinity("[{matchExpressions: [{key: a, operator: Exists}, {key: b, operator: Exists}]}]"), false, false },
        { "Affinity_ExpressionsAndFieldsAnded", "{a: '1'}", "[]", Affinity("[{matchExpressions: [{key: a, operator: Exists}], matchFields: [{key: metadata.name, operator: In, values: [node-b]}]}]"), false, false },
        { "Affinity_EmptyTermMatchesNothing", "{a: '1'}", "[]", Affinity("[{matchExpressions: []}]"), false, false },
        { "Affinity_NoTermsMatchesNothing", "{a: '1'}", "[]", "{affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: []}}}}", false, false },
        { "Affinity_BadTermDoesNotStopAGoodOne", "{a: '1'}", "[]", Affinity("[{matchFields: [{key: metadata.name, operator: In, values: [x, y]}]}, {matchExpressions: [{key: a, operator: Exists}]}]"), true, true },
        { "Affinity_SelectorAndAffinityBothNeeded", "{a: '1'}", "[]", "{nodeSelector: {b: '2'}, affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: Exists}]}]}}}}", false, false },
        { "PreferNoScheduleTaint_IsIgnored", "{}", "[{key: k, value: v, effect: PreferNoSchedule}]", "{}", true, true },
        { "NoScheduleTaint_NotTolerated_KeepsExistingPod", "{}", "[{key: dedicated, value: user1, effect: NoSchedule}]", "{}", false, true },
        { "NoExecuteTaint_NotTolerated_EvictsPod", "{}", "[{key: dedicated, value: user1, effect: NoExecute}]", "{}", false, false },
        { "NoExecuteTaint_ToleratedForSeconds_StillRuns", "{}", "[{key: k, effect: NoExecute}]", "{tolerations: [{key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]}", true, true },
        { "Toleration_EmptyOperatorMeansEqual", "{}", "[{key: dedicated, value: user1, effect: NoSchedule}]", "{tolerations: [{key: dedicated, value: user1, effect: NoSchedule}]}", true, true },
        { "Toleration_EqualOtherValue_DoesNotTolerate", "{}", "[{key: foo, value: bar, effect: NoSchedule}]", "{tolerations: [{key: foo, operator: Equal, value: value1, effect: NoSchedule}]}", false, true },
        { "Toleration_ExistsAnyValue", "{}", "[{key: foo, value: bar, effect: NoSchedule}]", "{tolerations: [{key: foo, operator: Exists, effect: NoSchedule}]}", true, true },
        { "Toleration_EmptyEffectMatchesAllEffects", "{}", "[{key: foo, effect: NoExecute}]", "{tolerations: [{key: foo, operator: Exists}]}", true, true },
        { "Toleration_EmptyKeyExistsMatchesEverything", "{}", "[{key: a, effect: NoExecute}, {key: b, value: c, effect: NoSchedule}]", "{tolerations: [{operator: Exists}]}", true, true },
        { "Toleration_OtherEffectDoesNotTolerate", "{}", "[{key: foo, effect: NoExecute}]", "{tolerations: [{key: foo, operator: Exists, effect: NoSchedule}]}", false, false },
        { "Auto_NotReadyNoExecute_Tolerated", "{}", "[{key: node.kubernetes.io/not-ready, effect: NoExecute}]", "{}", true, true },
        { "Auto_UnreachableNoExecute_Tolerated", "{}", "[{key: node.kubernetes.io/unreachable, effect: NoExecute}]", "{}", true, true },
        { "Auto_NotReadyNoSchedule_NotTolerated_ButPodStays", "{}", "[{key: node.kubernetes.io/not-ready, effect: NoSchedule}]", "{}", false, true },
        { "Auto_UnreachableNoSchedule_NotTolerated_ButPodStays", "{}", "[{key: node.kubernetes.io/unreachable, effect: NoSchedule}]", "{}", false, true },
        { "Auto_Unschedulable_Tolerated_CordonedNodeRuns", "{}", "[{key: node.kubernetes.io/unschedulable, effect: NoSchedule}]", "{}", true, true },
        { "Auto_DiskPressure_Tolerated", "{}", "[{key: node.kubernetes.io/disk-pressure, effect: NoSchedule}]", "{}", true, true },
        { "Auto_MemoryPressure_Tolerated", "{}", "[{key: node.kubernetes.io/memory-pressure, effect: NoSchedule}]", "{}", true, true },
        { "Auto_PidPressure_Tolerated", "{}", "[{key: node.kubernetes.io/pid-pressure, effect: NoSchedule}]", "{}", true, true },
        { "Auto_NetworkUnavailable_NotToleratedWithoutHostNetwork", "{}", "[{key: node.kubernetes.io/network-unavailable, effect: NoSchedule}]", "{}", false, true },
        { "Auto_NetworkUnavailable_ToleratedWithHostNetwork", "{}", "[{key: node.kubernetes.io/network-unavailable, effect: NoSchedule}]", "{hostNetwork: true}", true, true },
        { "TwoTaints_NoScheduleAndNoExecute_NoExecuteWins", "{}", "[{key: a, effect: NoSchedule}, {key: b, effect: NoExecute}]", "{}", false, false },
    };

    private static string Affinity(string terms) =>
        $"{{affinity: {{nodeAffinity: {{requiredDuringSchedulingIgnoredDuringExecution: {{nodeSelectorTerms: {terms}}}}}}}}}";

    [Theory]
    [MemberData(nameof(Cases))]
    public void NodeShouldRun_FollowsKubernetes(string name, string labels, string taints, string podSpec, bool shouldRun, bool shouldContinue)
    {
        var (node, spec) = Parse(labels, taints, podSpec);
        var decision = NodeShouldRun.Evaluate(node, spec);
        Assert.True((shouldRun, shouldContinue) == decision, $"{name}: wanted ({shouldRun}, {shouldContinue}), got {decision}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Explain_GivesTheSameAnswer_WithTheDecidingRulesForEveryFalseAnswer(string name, string labels, string taints, string podSpec, bool shouldRun, bool shouldContinue)
    {
        var (node, spec) = Parse(labels, taints, podSpec);
        var explained = NodeShouldRun.Explain(node, spec);
        Assert.True((shouldRun, shouldContinue) == (explained.ShouldRun, explained.ShouldContinueRunning), $"{name}: wanted ({shouldRun}, {shouldContinue}), explained ({explained.ShouldRun}, {explained.ShouldContinueRunning})");
        Assert.Equal(shouldRun, explained.StopsRunning.Count == 0);
        Assert.Equal(shouldContinue, explained.StopsContinuing.Count == 0);
        Assert.All(explained.StopsRunning.Concat(explained.StopsContinuing), r => Assert.False(r.Satisfied));
        Assert.All(explained.Rules, r => Assert.False(string.IsNullOrWhiteSpace(r.Message)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Explain_ChecksEveryRule_EvenPastTheOneThatDecides(string name, string labels, string taints, string podSpec, bool shouldRun, bool shouldContinue)
    {
        var (node, spec) = Parse(labels, taints, podSpec);
        var kinds = NodeShouldRun.Explain(node, spec).Rules.Select(r => r.GetType()).Distinct().ToList();
        Assert.True(kinds.Count == 6, $"{name} ({shouldRun}, {shouldContinue}): rules of {kinds.Count} kinds: {string.Join(", ", kinds.Select(k => k.Name))}");
    }

    [Fact]
    public void Explain_NamesTheUntoleratedTaint_WithItsEffect()
    {
        var (node, spec) = Parse("{}", "[{key: dedicated, value: user1, effect: NoExecute}]", "{}");
        var explained = NodeShouldRun.Explain(node, spec);
        var rule = Assert.IsType<TaintRule>(Assert.Single(explained.StopsContinuing));
        Assert.Equal(("taint dedicated=user1:NoExecute is not tolerated", "NoExecute", null), (rule.Message, rule.Effect, rule.ToleratedBy));
    }

    [Fact]
    public void Explain_SaysWhenATaintIsToleratedAutomatically()
    {
        var (node, spec) = Parse("{}", "[{key: node.kubernetes.io/not-ready, effect: NoExecute}]", "{}");
        var rule = Assert.Single(NodeShouldRun.Explain(node, spec).Rules.OfType<TaintRule>());
        Assert.True(rule.Automatic);
        Assert.Equal("node.kubernetes.io/not-ready", rule.ToleratedBy!.Key);
        Assert.Contains("automatic DaemonSet toleration", rule.Message);
    }

    [Fact]
    public void Explain_AUserTolerationEqualToAnAutomaticOne_IsNotMarkedAutomatic_WhenTheUserWroteItDifferently()
    {
        var (node, spec) = Parse("{}", "[{key: dedicated, effect: NoSchedule}]", "{tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]}");
        var rule = Assert.Single(NodeShouldRun.Explain(node, spec).Rules.OfType<TaintRule>());
        Assert.False(rule.Automatic);
        Assert.StartsWith("taint dedicated:NoSchedule is tolerated by toleration dedicated:NoSchedule", rule.Message);
    }

    [Fact]
    public void Explain_OnACordonedNodeWithoutSelector_ListsEveryRuleSatisfied_CordonIncluded()
    {
        var (node, spec) = Parse("{}", "[{key: node.kubernetes.io/unschedulable, effect: NoSchedule}]", "{}");
        node = node with { Unschedulable = true, Conditions = [new NodeCondition { Type = "Ready", Status = "True" }] };
        var explained = NodeShouldRun.Explain(node, spec);
        Assert.True(explained.ShouldRun && explained.ShouldContinueRunning);
        Assert.All(explained.Rules, r => Assert.True(r.Satisfied, r.Message));
        Assert.Equal(["the template names no node (spec.nodeName is empty): any node"], explained.Rules.OfType<NodeNameRule>().Select(r => r.Message));
        Assert.Equal(["the template has no nodeSelector: any node"], explained.Rules.OfType<NodeSelectorRule>().Select(r => r.Message));
        Assert.Equal(["the template has no required node affinity: any node"], explained.Rules.OfType<NodeAffinityRule>().Select(r => r.Message));
        Assert.True(Assert.Single(explained.Rules.OfType<TaintRule>()).Automatic);
        var cordon = Assert.Single(explained.Rules.OfType<UnschedulableRule>());
        Assert.True(cordon.Unschedulable);
        Assert.Contains("ignore cordon", cordon.Message);
        Assert.Equal("condition Ready=True: ignored by the DaemonSet controller", Assert.Single(explained.Rules.OfType<NodeConditionRule>()).Message);
    }

    [Fact]
    public void Explain_SelectorFailureAndNoExecuteTaint_TheSelectorDecides_AsKubernetesChecksItFirst()
    {
        var (node, spec) = Parse("{}", "[{key: a, effect: NoExecute}]", "{nodeSelector: {disk: ssd}}");
        var explained = NodeShouldRun.Explain(node, spec);
        Assert.Equal(["nodeSelector disk=ssd does not match: node has no label disk"], explained.StopsContinuing.Select(r => r.Message));
        Assert.Contains(explained.Rules, r => r is TaintRule { Satisfied: false });
    }

    [Fact]
    public void Explain_AffinityTerms_ListEachRequirement_AndOneMatchingTermSatisfiesSelection()
    {
        var (node, spec) = Parse("{zone: b}", "[]", Affinity("[{matchExpressions: [{key: zone, operator: In, values: [a]}, {key: gpu, operator: Exists}]}, {matchExpressions: [{key: zone, operator: In, values: [b]}]}]"));
        var explained = NodeShouldRun.Explain(node, spec);
        var terms = explained.Rules.OfType<NodeAffinityRule>().ToList();
        Assert.Equal([0, 1], terms.Select(t => t.Term!.Value));
        Assert.Equal([false, false], terms[0].Requirements.Select(r => r.Satisfied));
        Assert.Equal("zone In [a] is not satisfied (zone=b)", terms[0].Requirements[0].Message);
        Assert.Equal("gpu Exists is not satisfied (no label gpu)", terms[0].Requirements[1].Message);
        Assert.True(terms[1].Satisfied);
        Assert.True(explained.ShouldRun);
    }

    private static (NodeState, PlacementSpec) Parse(string labels, string taints, string podSpec)
    {
        var nodeLabels = Manifests.Deserialize<Dictionary<string, string>>(TestCluster.Yaml($"{{v: {labels}}}")["v"]!).ToImmutableDictionary();
        var nodeTaints = Manifests.Deserialize<List<Taint>>(TestCluster.Yaml($"{{v: {taints}}}")["v"]!);
        var template = PodTemplate.From(TestCluster.Yaml($"{{metadata: {{labels: {{app: x}}}}, spec: {podSpec}}}"));
        var node = new NodeState("node-a", "uid-a", nodeLabels, [.. nodeTaints], false, [], TestCluster.Start, Guid.Empty);
        return (node, PlacementSpec.From(template));
    }
}
