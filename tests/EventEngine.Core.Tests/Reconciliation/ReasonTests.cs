using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Reconciliation;

namespace EventEngine.Core.Tests.Reconciliation;

/// <summary>
/// Every reason the controller records for a pod it deletes, creates, orphans or relabels: the reason code, a message
/// that names the rule, and as causation the event that really caused the action.
/// </summary>
public sealed class ReasonTests
{
    /// <summary>The one event of the command's own events of type T (not the controller's answer).</summary>
    private static Guid CommandEvent<T>(TestCluster c) where T : IEvent =>
        Assert.Single(c.LastStep, e => e.Event.Event is T && e.ReasonCode is null).Event.Id;

    private static Emitted Single<T>(TestCluster c, string reason) where T : IEvent =>
        Assert.Single(c.LastStep, e => e.Event.Event is T && e.ReasonCode == reason);

    private static void AssertReason(Emitted action, string reason, Guid cause, params string[] named)
    {
        Assert.Equal(reason, action.ReasonCode);
        Assert.False(string.IsNullOrWhiteSpace(action.ReasonMessage));
        foreach (var word in named) Assert.Contains(word, action.ReasonMessage);
        Assert.Equal(cause, action.Event.CausationId);
    }

    [Fact]
    public void Misscheduled_BySelector_IsCausedByTheLabelChange()
    {
        var c = new TestCluster().Node("n1", "{disk: ssd}").DaemonSet("{nodeSelector: {disk: ssd}}");
        c.PatchNode("n1", "{metadata: {labels: {disk: hdd}}}");
        AssertReason(Single<PodDeleted>(c, PodReasons.Misscheduled), PodReasons.Misscheduled, CommandEvent<NodeLabelsChanged>(c),
            "nodeSelector disk=ssd does not match: node has disk=hdd");
    }

    [Fact]
    public void Misscheduled_BySelector_IsCausedByTheTemplateChange_WhenTheDaemonSetMoved()
    {
        var c = new TestCluster().Node("n1", "{disk: ssd}").DaemonSet();
        c.PatchDaemonSet("{spec: {template: {spec: {nodeSelector: {disk: nvme}}}}}");
        AssertReason(Single<PodDeleted>(c, PodReasons.Misscheduled), PodReasons.Misscheduled, CommandEvent<DaemonSetUpdated>(c),
            "nodeSelector disk=nvme");
    }

    [Fact]
    public void Misscheduled_ByAffinity_NamesTheTermAndTheRequirement()
    {
        var c = new TestCluster().Node("n1", "{zone: a}").DaemonSet(
            "{affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]}}}}");
        c.PatchNode("n1", "{metadata: {labels: {zone: b}}}");
        AssertReason(Single<PodDeleted>(c, PodReasons.Misscheduled), PodReasons.Misscheduled, CommandEvent<NodeLabelsChanged>(c),
            "required node affinity term 0", "zone In [a] is not satisfied (zone=b)");
    }

    /// <summary>The bug: one patch removing the label and adding a NoSchedule taint was recorded as a NoExecute eviction with an empty message.</summary>
    [Fact]
    public void Regression_SelectorLostWithANoScheduleTaintInOnePatch_WasRecordedAsANoExecuteEviction()
    {
        var c = new TestCluster().Node("n1", "{disk: ssd}").DaemonSet("{nodeSelector: {disk: ssd}}");
        c.PatchNode("n1", "{metadata: {labels: {disk: null}}, spec: {taints: [{key: maintenance, effect: NoSchedule}]}}");
        Assert.Contains(c.LastStep, e => e.Event.Event is NodeTaintsChanged);
        var deleted = Assert.Single(c.EmittedOf<PodDeleted>());
        AssertReason(deleted, PodReasons.Misscheduled, CommandEvent<NodeLabelsChanged>(c),
            "nodeSelector disk=ssd does not match: node has no label disk");
        Assert.DoesNotContain("NoExecute", deleted.ReasonMessage);
    }

    [Fact]
    public void Misscheduled_ByANoScheduleTaintTheNewRevisionDoesNotTolerate_TheRollingUpdateRemovesTheOldPod_AndStartsNone()
    {
        var c = new TestCluster().Node("n1", taints: "[{key: gpu, effect: NoSchedule}]").Node("n2")
            .DaemonSet("{tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]}",
                "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 2}}}").ReadyAll();
        c.PatchDaemonSet("{spec: {template: {spec: {tolerations: null}}}}");
        var update = CommandEvent<DaemonSetUpdated>(c);
        var deleted = Assert.Single(c.EmittedOf<PodDeleted>(), e => ((PodDeleted)e.Event.Event).Node == "n1");
        AssertReason(deleted, PodReasons.Misscheduled, update, "taint gpu:NoSchedule is not tolerated", "starts none");
        Assert.DoesNotContain(c.Emitted<PodCreated>(), p => p.Node == "n1");
        AssertReason(Assert.Single(c.EmittedOf<PodDeleted>(), e => ((PodDeleted)e.Event.Event).Node == "n2"), PodReasons.RollingUpdate, update, "maxUnavailable");
    }

    [Fact]
    public void NoExecuteTaint_EvictsAtOnce_CausedByTheTaint()
    {
        var c = new TestCluster().Nodes(1).DaemonSet();
        c.PatchNode("node-0", "{spec: {taints: [{key: dedicated, value: gpu, effect: NoExecute}]}}");
        AssertReason(Single<PodDeleted>(c, PodReasons.NoExecuteTaint), PodReasons.NoExecuteTaint, CommandEvent<NodeTaintsChanged>(c),
            "taint dedicated=gpu:NoExecute is not tolerated");
    }

    [Fact]
    public void TolerationExpired_EvictsWhenTheSecondsRunOut_CausedByTheTaint()
    {
        var c = new TestCluster().Nodes(1).DaemonSet("{tolerations: [{key: drain, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]}");
        c.PatchNode("node-0", "{spec: {taints: [{key: drain, effect: NoExecute}]}}");
        var taint = CommandEvent<NodeTaintsChanged>(c);
        c.PatchNode("node-0", "{metadata: {labels: {unrelated: x}}}");
        Assert.Empty(c.Emitted<PodDeleted>());
        c.Advance(31);
        AssertReason(Single<PodDeleted>(c, PodReasons.TolerationExpired), PodReasons.TolerationExpired, taint,
            "toleration of NoExecute taint drain:NoExecute expired");
    }

    [Fact]
    public void NodeRemoved_CausedByTheRemoval()
    {
        var c = new TestCluster().Nodes(2).DaemonSet();
        c.Run(NodeDecisions.Remove(c.State, "node-1"));
        AssertReason(Single<PodDeleted>(c, PodReasons.NodeRemoved), PodReasons.NodeRemoved, CommandEvent<NodeRemoved>(c), "node node-1 does not exist");
    }

    [Fact]
    public void RollingUpdate_CausedByTheTemplateChange()
    {
        var c = new TestCluster().Nodes(2).DaemonSet(spec: "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}}").ReadyAll();
        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: 'img:2'}]}}}}");
        AssertReason(Single<PodDeleted>(c, PodReasons.RollingUpdate), PodReasons.RollingUpdate, CommandEvent<DaemonSetUpdated>(c),
            "replaced by revision", "maxUnavailable 1");
    }

    [Fact]
    public void Surge_CreatesBesideTheOldPod_ThenDeletesIt_BothCausedByTheTemplateChange()
    {
        var c = new TestCluster().Nodes(1).DaemonSet(spec: "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}}").ReadyAll();
        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: 'img:2'}]}}}}");
        var update = CommandEvent<DaemonSetUpdated>(c);
        AssertReason(Single<PodCreated>(c, PodReasons.Surge), PodReasons.Surge, update, "maxSurge 1");
        c.ReadyAll();
        var replaced = Assert.Single(c.EmittedOf<PodDeleted>());
        AssertReason(replaced, PodReasons.RollingUpdate, update, "is available");
    }

    [Fact]
    public void Failed_CausedByTheStatusReport()
    {
        var c = new TestCluster().Nodes(1).DaemonSet();
        c.Report(c.PodOn("node-0").Name, "Failed", false);
        AssertReason(Single<PodDeleted>(c, PodReasons.Failed), PodReasons.Failed, CommandEvent<PodStatusObserved>(c), "pod failed on node node-0");
    }

    [Fact]
    public void Succeeded_CausedByTheStatusReport()
    {
        var c = new TestCluster().Nodes(1).DaemonSet();
        c.Report(c.PodOn("node-0").Name, "Succeeded", false);
        AssertReason(Single<PodDeleted>(c, PodReasons.Succeeded), PodReasons.Succeeded, CommandEvent<PodStatusObserved>(c), "succeeded");
    }

    [Fact]
    public void Duplicate_CausedByTheRegistrationOfTheSecondPod()
    {
        var c = new TestCluster().Nodes(1).DaemonSet(spec: "{updateStrategy: {type: OnDelete}}");
        var first = c.PodOn("node-0").Name;
        c.Apply(ManageTests.Observed("zz-second", c.Ds().Uid, "2026-01-01T00:00:00Z"));
        AssertReason(Single<PodDeleted>(c, PodReasons.Duplicate), PodReasons.Duplicate, CommandEvent<PodRegistered>(c), $"already runs {first}");
    }

    [Fact]
    public void DaemonSetDeleted_CausedByTheDeletion()
    {
        var c = new TestCluster().Nodes(1).DaemonSet();
        c.Run(DaemonSetDecisions.Delete(c.State, "default/foo", "Background"));
        AssertReason(Single<PodDeleted>(c, PodReasons.DaemonSetDeleted), PodReasons.DaemonSetDeleted, CommandEvent<DaemonSetDeleted>(c), "DaemonSet was deleted");
    }

    [Fact]
    public void OwnerNotFound_CausedByTheRegistrationThatNamedIt()
    {
        var c = new TestCluster().Nodes(1);
        c.Apply(ManageTests.Observed("stray", "00000000-0000-0000-0000-00000000abcd", "2025-12-31T23:00:00Z"));
        AssertReason(Single<PodDeleted>(c, PodReasons.OwnerNotFound), PodReasons.OwnerNotFound, CommandEvent<PodRegistered>(c),
            "owner DaemonSet foo (uid 00000000-0000-0000-0000-00000000abcd) does not exist");
    }

    [Fact]
    public void SelectorMismatch_ReleasesThePod_CausedByItsLabelChange()
    {
        var c = new TestCluster().Nodes(1).DaemonSet(spec: "{updateStrategy: {type: OnDelete}}");
        var uid = c.Ds().Uid;
        c.Apply(ManageTests.Observed("drifter", uid, "2025-12-31T23:00:00Z"));
        c.Apply(ManageTests.Observed("drifter", uid, "2025-12-31T23:00:00Z", app: "other", phase: "Pending"));
        Assert.Contains(c.LastStep, e => e.Event.Event is PodStatusObserved);
        AssertReason(Single<PodOrphaned>(c, PodReasons.SelectorMismatch), PodReasons.SelectorMismatch, CommandEvent<PodLabelsChanged>(c), "selector app=foo");
    }

    [Fact]
    public void RevisionDeduplicated_CausedByTheDaemonSetThatAdoptedTheDuplicates()
    {
        var c = new TestCluster().Nodes(1).Apply(TestCluster.OnDeleteAgent("a", "img:1")).Apply(TestCluster.OnDeleteAgent("a", "img:2")).Apply(TestCluster.OnDeleteAgent("b", "img:2"));
        c.Run(DaemonSetDecisions.Delete(c.State, "default/a", "Orphan")).Run(DaemonSetDecisions.Delete(c.State, "default/b", "Orphan"));
        c.Apply(TestCluster.OnDeleteAgent("z", "img:2"));
        AssertReason(Single<PodLabelsChanged>(c, PodReasons.RevisionDeduplicated), PodReasons.RevisionDeduplicated, CommandEvent<DaemonSetCreated>(c),
            "is kept for the current template");
    }

    [Fact]
    public void Adopted_CausedByTheDaemonSetWhoseSelectorMatches()
    {
        var c = new TestCluster().Nodes(1);
        c.Apply(ManageTests.Observed("lonely", owner: null, created: "2025-12-31T23:00:00Z"));
        c.DaemonSet(spec: "{updateStrategy: {type: OnDelete}}");
        AssertReason(Single<PodAdopted>(c, PodReasons.Adopted), PodReasons.Adopted, CommandEvent<DaemonSetCreated>(c), "matches selector app=foo");
    }

    [Fact]
    public void MissingPod_OnANewDaemonSet_CausedByItsCreation()
    {
        var c = new TestCluster().Nodes(1).DaemonSet();
        AssertReason(Single<PodCreated>(c, PodReasons.MissingPod), PodReasons.MissingPod, CommandEvent<DaemonSetCreated>(c), "node node-0 should run a pod");
    }

    [Fact]
    public void MissingPod_OnANodeThatJoins_CausedByTheJoin()
    {
        var c = new TestCluster().Nodes(1).DaemonSet().Node("late");
        AssertReason(Single<PodCreated>(c, PodReasons.MissingPod), PodReasons.MissingPod, CommandEvent<NodeJoined>(c), "node late should run a pod");
    }

    [Fact]
    public void MissingPod_AfterAUserDeletesThePod_CausedByTheDeletion()
    {
        var c = new TestCluster().Nodes(1).DaemonSet();
        c.Run(PodDecisions.Delete(c.State, "default", c.PodOn("node-0").Name));
        AssertReason(Single<PodCreated>(c, PodReasons.MissingPod), PodReasons.MissingPod, CommandEvent<PodDeleted>(c), "node node-0 should run a pod");
    }

    [Fact]
    public void MissingPod_WhenAnUntoleratedTaintGoes_CausedByTheUntaint()
    {
        var c = new TestCluster().Nodes(1).DaemonSet();
        c.PatchNode("node-0", "{spec: {taints: [{key: dedicated, effect: NoExecute}]}}");
        c.PatchNode("node-0", "{spec: {taints: null}}");
        AssertReason(Single<PodCreated>(c, PodReasons.MissingPod), PodReasons.MissingPod, CommandEvent<NodeTaintsChanged>(c), "node node-0 should run a pod");
    }

    [Fact]
    public void MissingPod_AfterAFailedPodIsDeleted_IsCreatedOnTheNextSync_CausedByTheFailure()
    {
        var c = new TestCluster().Nodes(1).DaemonSet();
        c.Report(c.PodOn("node-0").Name, "Failed", false);
        AssertReason(Single<PodCreated>(c, PodReasons.MissingPod), PodReasons.MissingPod, Single<PodDeleted>(c, PodReasons.Failed).Event.CausationId!.Value,
            "node node-0 should run a pod");
    }
}
