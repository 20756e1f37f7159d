using EventEngine.Decisions;

namespace EventEngine.Core.Tests.Reconciliation;

/// <summary>Status counting (section 4, pitfall 6).</summary>
public sealed class StatusTests
{
    [Fact]
    public void ReadyAndUpdated_CountOnlyTheOldestPodOfANode()
    {
        var c = new TestCluster().Nodes(1).DaemonSet(spec: "{updateStrategy: {type: OnDelete}}");
        c.Run(PodDecisions.Delete(c.State, "default", c.PodOn("node-0").Name));
        // An older observed pod, ready, without the revision hash, next to the engine's new pod.
        c.Apply(ManageTests.Observed("veteran", c.Ds().Uid, "2025-12-31T00:00:00Z"));
        c.Apply("{apiVersion: v1, kind: Pod, metadata: {name: veteran, namespace: default, labels: {app: foo}, ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: foo, uid: '" + c.Ds().Uid + "', controller: true}], creationTimestamp: '2025-12-31T00:00:00Z'}, spec: {nodeName: node-0, containers: [{name: c, image: img:1}]}, status: {phase: Running, conditions: [{type: Ready, status: 'True'}]}}");
        var status = c.Status();
        Assert.Equal((1, 1, 1, 0), (status.DesiredNumberScheduled, status.CurrentNumberScheduled, status.NumberReady, status.UpdatedNumberScheduled));
    }

    [Fact]
    public void FailedPod_StillCountsAsScheduled_ButNotReady()
    {
        var c = new TestCluster().Nodes(1).DaemonSet().ReadyAll();
        c.Report(c.PodOn("node-0").Name, "Failed", false);
        c.Report(c.PodOn("node-0").Name, "Failed", false);
        Assert.Equal((1, 1, 0, 0), (c.Status().DesiredNumberScheduled, c.Status().CurrentNumberScheduled, c.Status().NumberReady, c.Status().NumberAvailable));
        Assert.Equal(1, c.Status().NumberUnavailable);
    }

    [Fact]
    public void ObservedGeneration_FollowsEverySpecChange_ButNotMetadata()
    {
        var c = new TestCluster().DaemonSet();
        c.PatchDaemonSet("{metadata: {labels: {team: a}}}");
        Assert.Equal(1, c.Status().ObservedGeneration);
        c.PatchDaemonSet("{spec: {minReadySeconds: 3}}");
        Assert.Equal(2, c.Status().ObservedGeneration);
    }

    [Fact]
    public void StatusEvents_AreWrittenOnlyWhenAFieldChanges()
    {
        var c = new TestCluster().Nodes(2).DaemonSet();
        Assert.Single(c.Emitted<EventEngine.Events.DaemonSetStatusChanged>());
        c.PatchNode("node-0", "{metadata: {labels: {rack: r1}}}");
        Assert.Empty(c.Emitted<EventEngine.Events.DaemonSetStatusChanged>());
        c.ReadyAll();
        Assert.Equal(2, c.Status().NumberReady);
    }
}
