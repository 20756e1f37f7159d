using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.State;
using EventEngine.Validation;

namespace EventEngine.Core.Tests.Validation;

/// <summary>ValidateDaemonSet and ValidateDaemonSetUpdate with Kubernetes' field paths (section 10, pitfall 14).</summary>
public sealed class DaemonSetValidationTests
{
    /// <summary>(case, merge patch onto a valid DaemonSet, the field the error must name).</summary>
    public static TheoryData<string, string, string> Invalid => new()
    {
        { "EmptyName", "{metadata: {name: ''}}", "metadata.name" },
        { "NameNotADnsSubdomain", "{metadata: {name: Foo_Bar}}", "metadata.name" },
        { "MissingNamespace", "{metadata: {namespace: null}}", "metadata.namespace" },
        { "InvalidObjectLabelKey", "{metadata: {labels: {'NoUppercaseOrSpecialCharsLike=Equals': bar}}}", "metadata.labels" },
        { "SelectorMissing", "{spec: {selector: null}}", "spec.selector" },
        { "SelectorEmpty", "{spec: {selector: {matchLabels: null}}}", "spec.selector" },
        { "SelectorDoesNotMatchTemplate", "{spec: {selector: {matchLabels: {app: other}}}}", "spec.template.metadata.labels" },
        { "SelectorExpressionBadOperator", "{spec: {selector: {matchExpressions: [{key: app, operator: Near, values: [x]}]}}}", "spec.selector.matchExpressions[0].operator" },
        { "InvalidTemplateLabel", "{spec: {template: {metadata: {labels: {'bad key!': x}}}}}", "spec.template.metadata.labels" },
        { "NoContainers", "{spec: {template: {spec: {containers: []}}}}", "spec.template.spec.containers" },
        { "ContainerWithoutImage", "{spec: {template: {spec: {containers: [{name: c}]}}}}", "spec.template.spec.containers[0].image" },
        { "RestartPolicyOnFailure", "{spec: {template: {spec: {restartPolicy: OnFailure}}}}", "spec.template.spec.restartPolicy" },
        { "RestartPolicyNever", "{spec: {template: {spec: {restartPolicy: Never}}}}", "spec.template.spec.restartPolicy" },
        { "ActiveDeadlineSeconds", "{spec: {template: {spec: {activeDeadlineSeconds: 5}}}}", "spec.template.spec.activeDeadlineSeconds" },
        { "AffinityWithoutTerms", "{spec: {template: {spec: {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {}}}}}}}", "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms" },
        { "AffinityExistsWithValues", Term("{matchExpressions: [{key: foo, operator: Exists, values: [bar]}]}"), "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values" },
        { "AffinityInWithoutValues", Term("{matchExpressions: [{key: foo, operator: In}]}"), "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values" },
        { "AffinityGtTwoValues", Term("{matchExpressions: [{key: foo, operator: Gt, values: ['1', '2']}]}"), "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values" },
        { "AffinityInvalidKey", Term("{matchExpressions: [{key: 'invalid key', operator: In, values: [x]}]}"), "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key" },
        { "MatchFieldsTwoValues", Term("{matchFields: [{key: metadata.name, operator: In, values: [a, b]}]}"), "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values" },
        { "MatchFieldsOtherKey", Term("{matchFields: [{key: metadata.uid, operator: In, values: [a]}]}"), "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key" },
        { "TolerationGtOperator", "{spec: {template: {spec: {tolerations: [{key: sla, operator: Gt, value: '750', effect: NoSchedule}]}}}}", "spec.template.spec.tolerations[0].operator" },
        { "TolerationExistsWithValue", "{spec: {template: {spec: {tolerations: [{key: a, operator: Exists, value: b}]}}}}", "spec.template.spec.tolerations[0].operator" },
        { "TolerationEmptyKeyEqual", "{spec: {template: {spec: {tolerations: [{operator: Equal, value: b}]}}}}", "spec.template.spec.tolerations[0].operator" },
        { "TolerationSecondsWithoutNoExecute", "{spec: {template: {spec: {tolerations: [{key: a, operator: Exists, effect: NoSchedule, tolerationSeconds: 5}]}}}}", "spec.template.spec.tolerations[0].effect" },
        { "TolerationUnknownEffect", "{spec: {template: {spec: {tolerations: [{key: a, operator: Exists, effect: Sometimes}]}}}}", "spec.template.spec.tolerations[0].effect" },
        { "NegativeMinReadySeconds", "{spec: {minReadySeconds: -1}}", "spec.minReadySeconds" },
        { "NegativeRevisionHistoryLimit", "{spec: {revisionHistoryLimit: -1}}", "spec.revisionHistoryLimit" },
        { "UnknownStrategy", "{spec: {updateStrategy: {type: Random}}}", "spec.updateStrategy.type" },
        { "BothBudgetsZero", "{spec: {updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 0}}}}", "spec.updateStrategy.rollingUpdate.maxUnavailable" },
        { "BothBudgetsZeroPercent", "{spec: {updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: '0%', maxSurge: '0%'}}}}", "spec.updateStrategy.rollingUpdate.maxUnavailable" },
        { "BothBudgetsSet", "{spec: {updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1, maxSurge: 1}}}}", "spec.updateStrategy.rollingUpdate.maxSurge" },
        { "BudgetOver100Percent", "{spec: {updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: '101%'}}}}", "spec.updateStrategy.rollingUpdate.maxUnavailable" },
        { "BudgetNotAPercent", "{spec: {updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 'ten'}}}}", "spec.updateStrategy.rollingUpdate.maxUnavailable" },
        { "NegativeBudget", "{spec: {updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: -1}}}}", "spec.updateStrategy.rollingUpdate.maxUnavailable" },
    };

    private static string Term(string term) =>
        $"{{spec: {{template: {{spec: {{affinity: {{nodeAffinity: {{requiredDuringSchedulingIgnoredDuringExecution: {{nodeSelectorTerms: [{term}]}}}}}}}}}}}}}}";

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidDaemonSet_IsRefused_NamingTheField(string name, string patch, string field)
    {
        var decided = DaemonSetDecisions.Create(ClusterState.Empty, Patched(patch), TestCluster.Start, Guid.NewGuid);
        Assert.False(decided.Ok, name);
        Assert.Equal(FailureKind.Invalid, decided.Failure!.Kind);
        Assert.Contains(decided.Failure.Errors, e => e.Field == field);
        Assert.Empty(decided.Events);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{spec: {updateStrategy: {type: OnDelete}}}")]
    [InlineData("{spec: {updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: '20%'}}}}")]
    [InlineData("{spec: {revisionHistoryLimit: 0, minReadySeconds: 0}}")]
    [InlineData("{spec: {template: {spec: {hostNetwork: true, tolerations: [{operator: Exists}]}}}}")]
    [InlineData("{spec: {selector: {matchLabels: null, matchExpressions: [{key: app, operator: In, values: [foo]}]}}}")]
    public void ValidDaemonSet_IsAccepted(string patch)
    {
        var decided = DaemonSetDecisions.Create(ClusterState.Empty, Patched(patch), TestCluster.Start, Guid.NewGuid);
        Assert.True(decided.Ok, decided.Failure?.Detail);
    }

    [Fact]
    public void SelectorChange_IsRefused_AsImmutable()
    {
        var c = new TestCluster().DaemonSet();
        var decided = DaemonSetDecisions.Patch(c.State, "default/foo",
            TestCluster.Yaml("{spec: {selector: {matchLabels: {tier: x}}, template: {metadata: {labels: {tier: x}}}}}"));
        Assert.Contains(decided.Failure!.Errors, e => e.Field == "spec.selector" && e.Message.Contains("immutable"));
    }

    [Fact]
    public void EveryFieldPathIsReported_NotJustTheFirst()
    {
        var errors = DaemonSetRules.ValidateCreate(Defaults.Apply(Patched("{metadata: {name: ''}, spec: {template: {spec: {restartPolicy: Never}}, minReadySeconds: -1}}")));
        Assert.Equal(["metadata.name", "spec.template.spec.restartPolicy", "spec.minReadySeconds"], errors.Select(e => e.Field));
    }

    private static DaemonSet Patched(string patch) =>
        Manifests.Deserialize<DaemonSet>(MergePatch.Apply(TestCluster.Yaml(TestCluster.DaemonSetYaml()), TestCluster.Yaml(patch))!);
}
