using System.Collections.Immutable;
using EventEngine.Model;
using EventEngine.Placement;

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
        var (nodeLabels, nodeTaints, spec) = Parse(labels, taints, podSpec);
        var decision = NodeShouldRun.Evaluate("node-a", nodeLabels, nodeTaints, spec);
        Assert.True((shouldRun, shouldContinue) == decision, $"{name}: wanted ({shouldRun}, {shouldContinue}), got {decision}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Explain_GivesTheSameAnswer_WithAReasonForEveryFailure(string name, string labels, string taints, string podSpec, bool shouldRun, bool shouldContinue)
    {
        var (nodeLabels, nodeTaints, spec) = Parse(labels, taints, podSpec);
        var explained = NodeShouldRun.Explain("node-a", nodeLabels, nodeTaints, spec);
        Assert.Equal((shouldRun, shouldContinue), (explained.ShouldRun, explained.ShouldContinueRunning));
        if (!shouldRun) Assert.True(explained.Failures.Any(), $"{name}: no failing rule explains why not");
        Assert.All(explained.Rules, r => Assert.False(string.IsNullOrWhiteSpace(r.Detail)));
    }

    [Fact]
    public void Explain_NamesTheUntoleratedTaint()
    {
        var (labels, taints, spec) = Parse("{}", "[{key: dedicated, value: user1, effect: NoExecute}]", "{}");
        var explained = NodeShouldRun.Explain("node-a", labels, taints, spec);
        Assert.Contains(explained.Rules, r => r.Detail == "taint dedicated=user1:NoExecute is not tolerated");
    }

    [Fact]
    public void Explain_SaysWhenATaintIsToleratedAutomatically()
    {
        var (labels, taints, spec) = Parse("{}", "[{key: node.kubernetes.io/not-ready, effect: NoExecute}]", "{}");
        var rule = Assert.Single(NodeShouldRun.Explain("node-a", labels, taints, spec).Rules);
        Assert.Contains("automatic DaemonSet toleration", rule.Detail);
    }

    private static (ImmutableDictionary<string, string>, IReadOnlyList<Taint>, PlacementSpec) Parse(string labels, string taints, string podSpec)
    {
        var nodeLabels = Manifests.Deserialize<Dictionary<string, string>>(TestCluster.Yaml($"{{v: {labels}}}")["v"]!).ToImmutableDictionary();
        var nodeTaints = Manifests.Deserialize<List<Taint>>(TestCluster.Yaml($"{{v: {taints}}}")["v"]!);
        var template = PodTemplate.From(TestCluster.Yaml($"{{metadata: {{labels: {{app: x}}}}, spec: {podSpec}}}"));
        return (nodeLabels, nodeTaints, PlacementSpec.From(template));
    }
}
