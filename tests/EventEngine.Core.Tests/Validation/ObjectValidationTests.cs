using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Core.Tests.Validation;

/// <summary>Node and observed-pod validation: names, labels, taints, conditions, owners.</summary>
public sealed class ObjectValidationTests
{
    [Theory]
    [InlineData("{metadata: {name: ''}}", "metadata.name")]
    [InlineData("{metadata: {name: Node_1}}", "metadata.name")]
    [InlineData("{metadata: {name: n, labels: {'a b': c}}}", "metadata.labels")]
    [InlineData("{metadata: {name: n}, spec: {taints: [{value: x, effect: NoSchedule}]}}", "spec.taints[0].key")]
    [InlineData("{metadata: {name: n}, spec: {taints: [{key: k, effect: Never}]}}", "spec.taints[0].effect")]
    [InlineData("{metadata: {name: n}, spec: {taints: [{key: k}]}}", "spec.taints[0].effect")]
    [InlineData("{metadata: {name: n}, spec: {taints: [{key: k, value: 'bad value', effect: NoSchedule}]}}", "spec.taints[0].value")]
    [InlineData("{metadata: {name: n}, spec: {taints: [{key: k, effect: NoSchedule}, {key: k, value: v, effect: NoSchedule}]}}", "spec.taints[1]")]
    [InlineData("{metadata: {name: n}, status: {conditions: [{type: Ready, status: Maybe}]}}", "status.conditions[0].status")]
    public void InvalidNode_IsRefused_NamingTheField(string yaml, string field)
    {
        var node = Manifests.Deserialize<Node>(TestCluster.Yaml(yaml));
        var decided = NodeDecisions.Join(ClusterState.Empty, node, TestCluster.Start, Guid.NewGuid);
        Assert.Contains(decided.Failure!.Errors, e => e.Field == field);
    }

    [Fact]
    public void NumericTaintValues_AreAccepted()
    {
        var node = Manifests.Deserialize<Node>(TestCluster.Yaml("{metadata: {name: n}, spec: {taints: [{key: k, value: '-200', effect: NoSchedule}]}}"));
        Assert.True(NodeDecisions.Join(ClusterState.Empty, node, TestCluster.Start, Guid.NewGuid).Ok);
    }

    [Fact]
    public void NewNoExecuteTaint_IsStampedWithTheTimeItWasAdded_AndKeepsItAfterwards()
    {
        var c = new TestCluster().Node("n");
        c.PatchNode("n", "{spec: {taints: [{key: k, effect: NoExecute}]}}");
        var added = c.State.Nodes["n"].Taints.Single().TimeAdded;
        Assert.Equal(c.Now, added);
        c.Advance(30).PatchNode("n", "{spec: {taints: [{key: k, effect: NoExecute}, {key: other, effect: NoSchedule}]}}");
        Assert.Equal(added, c.State.Nodes["n"].Taints[0].TimeAdded);
        Assert.Null(c.State.Nodes["n"].Taints[1].TimeAdded);
    }

    [Theory]
    [InlineData("{metadata: {name: p}}", "metadata.namespace")]
    [InlineData("{metadata: {name: p, namespace: default, ownerReferences: [{kind: DaemonSet, name: a, uid: x, controller: true}, {kind: DaemonSet, name: b, uid: y, controller: true}]}}", "metadata.ownerReferences")]
    [InlineData("{metadata: {name: p, namespace: default}, status: {phase: Sleeping}}", "status.phase")]
    [InlineData("{metadata: {name: p, namespace: default}, spec: {nodeName: Bad_Node}}", "spec.nodeName")]
    public void InvalidObservedPod_IsRefused_NamingTheField(string yaml, string field)
    {
        var pod = Manifests.Deserialize<Pod>(TestCluster.Yaml(yaml));
        var decided = PodDecisions.Register(ClusterState.Empty, pod, TestCluster.Start);
        Assert.Contains(decided.Failure!.Errors, e => e.Field == field);
    }

    [Fact]
    public void ApplyFailure_NamesTheItemAndTheField_AndRecordsNothing()
    {
        var objects = Yaml.ToJson("{apiVersion: v1, kind: Node, metadata: {name: ok}}\n---\n{apiVersion: v1, kind: Node, metadata: {name: 'NOT OK'}}")
            .Select(n => n!.AsObject()).ToList();
        var decided = ApplyDecisions.Apply(ClusterState.Empty, objects, TestCluster.Start, Guid.NewGuid);
        Assert.Equal("[1].metadata.name", decided.Failure!.Errors.Single().Field);
        Assert.Empty(decided.Events);
    }

    [Fact]
    public void ApplyOfAnUnsupportedKind_Is422_OnTheKindField()
    {
        var objects = Yaml.ToJson("{apiVersion: apps/v1, kind: Deployment, metadata: {name: d}}").Select(n => n!.AsObject()).ToList();
        var decided = ApplyDecisions.Apply(ClusterState.Empty, objects, TestCluster.Start, Guid.NewGuid);
        Assert.Equal((FailureKind.Invalid, "[0].kind"), (decided.Failure!.Kind, decided.Failure.Errors.Single().Field));
    }

    [Fact]
    public void ApplyOfAFieldWithTheWrongType_Is400_NamingTheField()
    {
        var objects = Yaml.ToJson("{apiVersion: v1, kind: Node, metadata: {name: n}, spec: {unschedulable: [1]}}").Select(n => n!.AsObject()).ToList();
        var decided = ApplyDecisions.Apply(ClusterState.Empty, objects, TestCluster.Start, Guid.NewGuid);
        Assert.Equal((FailureKind.Malformed, "[0].spec.unschedulable"), (decided.Failure!.Kind, decided.Failure.Errors.Single().Field));
    }
}
