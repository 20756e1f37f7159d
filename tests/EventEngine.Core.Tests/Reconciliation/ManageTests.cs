using EventEngine.Events;
using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Core.Tests.Reconciliation;

/// <summary>manage and podsShouldBeOnNode (sections 3.1 to 3.3, pitfalls 3, 4, 7, 8, 9).</summary>
public sealed class ManageTests
{
    [Fact]
    public void NewDaemonSet_PlacesOnePodOnEveryNode_WithHashGenerationAndTolerations()
    {
        var c = new TestCluster().Nodes(3).DaemonSet("{tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]}");
        var pods = c.LivePods();
        Assert.Equal(["node-0", "node-1", "node-2"], pods.Select(p => p.TargetNode));
        var pod = pods[0];
        Assert.StartsWith("foo-", pod.Name);
        Assert.Equal(c.Ds().CurrentHash, pod.Labels[WellKnown.RevisionHashLabel]);
        Assert.Equal("1", pod.Labels[WellKnown.TemplateGenerationLabel]);
        Assert.Equal("foo", pod.Labels["app"]);
        Assert.Contains(pod.Tolerations, t => t.Key == "dedicated");
        Assert.Contains(pod.Tolerations, t => t.Key == "node.kubernetes.io/not-ready" && t.Effect == "NoExecute");
        Assert.All(c.EmittedOf<PodCreated>(), e => Assert.Equal(PodReasons.MissingPod, e.ReasonCode));
    }

    [Fact]
    public void NoExecuteTaint_EvictsIntolerantPod_PointingAtTheTaintEvent()
    {
        var c = new TestCluster().Nodes(2).DaemonSet();
        c.PatchNode("node-1", "{spec: {taints: [{key: dedicated, value: user1, effect: NoExecute}]}}");
        var taintEvent = Assert.Single(c.LastStep, e => e.Event.Event is NodeTaintsChanged);
        var deleted = Assert.Single(c.EmittedOf<PodDeleted>());
        Assert.Equal(PodReasons.NoExecuteTaint, deleted.ReasonCode);
        Assert.Equal("taint dedicated=user1:NoExecute is not tolerated", deleted.ReasonMessage);
        Assert.Equal(taintEvent.Event.Id, deleted.Event.CausationId);
        Assert.Equal(["node-0"], c.LivePods().Select(p => p.TargetNode));
        Assert.Equal(1, c.Status().DesiredNumberScheduled);
    }

    [Fact]
    public void NoScheduleTaint_KeepsTheExistingPod_AndCountsItMisscheduled()
    {
        var c = new TestCluster().Nodes(2).DaemonSet();
        c.PatchNode("node-1", "{spec: {taints: [{key: dedicated, value: user1, effect: NoSchedule}]}}");
        Assert.Empty(c.Emitted<PodDeleted>());
        Assert.Equal(2, c.LivePods().Count);
        Assert.Equal((1, 1, 1), (c.Status().DesiredNumberScheduled, c.Status().CurrentNumberScheduled, c.Status().NumberMisscheduled));
    }

    [Fact]
    public void PreferNoScheduleTaint_ChangesNothing()
    {
        var c = new TestCluster().Nodes(1).DaemonSet();
        c.PatchNode("node-0", "{spec: {taints: [{key: a, effect: PreferNoSchedule}]}}");
        Assert.Empty(c.Emitted<PodDeleted>());
        Assert.Equal(1, c.Status().DesiredNumberScheduled);
    }

    [Fact]
    public void LabelChangeLeavingTheSelector_DeletesThePodAtOnce_SayingWhy()
    {
        var c = new TestCluster().Node("node-0", "{color: blue}").DaemonSet("{nodeSelector: {color: blue}}");
        c.PatchNode("node-0", "{metadata: {labels: {color: green}}}");
        var deleted = Assert.Single(c.EmittedOf<PodDeleted>());
        Assert.Equal(PodReasons.Misscheduled, deleted.ReasonCode);
        Assert.Equal("nodeSelector color=blue does not match: node has color=green", deleted.ReasonMessage);
        Assert.Equal(c.LastStep[0].Event.Id, deleted.Event.CausationId);
    }

    [Fact]
    public void ConditionsAndCordon_DoNotMovePods()
    {
        var c = new TestCluster().Nodes(1).DaemonSet();
        c.PatchNode("node-0", "{spec: {unschedulable: true}, status: {conditions: [{type: Ready, status: 'False'}]}}");
        Assert.Equal([typeof(NodeCordoned), typeof(NodeConditionChanged)], c.LastStep.Select(e => e.Event.Event.GetType()));
        Assert.Single(c.LivePods());
    }

    [Fact]
    public void Duplicates_KeepTheScheduledPodFirst_ThenTheOldest_ThenByName()
    {
        var c = new TestCluster().Nodes(1).DaemonSet(spec: "{updateStrategy: {type: OnDelete}}");
        var uid = c.Ds().Uid;
        c.Apply(string.Join("\n---\n",
            Observed("pinned-oldest", uid, "2025-12-31T22:00:00Z", nodeName: null),
            Observed("b-same-time", uid, "2025-12-31T23:00:00Z"),
            Observed("a-same-time", uid, "2025-12-31T23:00:00Z")));
        var live = c.LivePods().Select(p => p.Name).ToList();
        Assert.Equal(["a-same-time"], live);
        Assert.Equal(3, c.Emitted<PodDeleted>().Count(e => e.Reason == PodReasons.Duplicate));
    }

    [Fact]
    public void SucceededPod_IsReplaced_WithoutBackoff()
    {
        var c = new TestCluster().Nodes(1).DaemonSet();
        for (var i = 0; i < 3; i++)
        {
            c.Report(c.PodOn("node-0").Name, "Succeeded", false);
            Assert.Single(c.Emitted<PodDeleted>(), e => e.Reason == PodReasons.Succeeded);
            Assert.Single(c.Emitted<PodCreated>());
        }
    }

    [Fact]
    public void FailedPod_Replaced_ThenSecondFailureWaitsForBackoff_AndSaysWhenToWake()
    {
        var c = new TestCluster().Nodes(1).DaemonSet();
        c.Report(c.PodOn("node-0").Name, "Failed", false);
        Assert.Single(c.Emitted<PodCreated>());
        c.Report(c.PodOn("node-0").Name, "Failed", false);
        Assert.Empty(c.Emitted<PodDeleted>());
        var plan = c.Reconcile();
        Assert.Equal(c.Now.AddSeconds(1), plan.WakeAt);
        Assert.Contains(plan.Warnings, w => w.Contains("backoff"));
        Assert.Equal(1, c.Status().CurrentNumberScheduled);
    }

    [Theory]
    [InlineData(null, 0, 1)]
    [InlineData(1, 0.5, 2)]
    [InlineData(2, 1, 4)]
    [InlineData(512, 10, 900)]
    [InlineData(900, 100, 900)]
    [InlineData(900, 1801, 1)]
    public void FailedPodBackoff_Doubles_UpToFifteenMinutes_AndStartsOverWhenIdle(int? currentSeconds, double secondsLater, int nextSeconds)
    {
        var t0 = TestCluster.Start;
        var current = currentSeconds is { } s ? new FailedPodBackoff(TimeSpan.FromSeconds(s), t0) : null;
        var next = FailedPodBackoff.Next(current, t0.AddSeconds(secondsLater));
        Assert.Equal(TimeSpan.FromSeconds(nextSeconds), next.Delay);
    }

    [Fact]
    public void TerminatingPod_BlocksItsReplacement_WithoutSurge_UntilItIsGone()
    {
        var c = new TestCluster().Node("node-0", "{pool: a}").Node("node-1")
            .DaemonSet("{nodeSelector: {pool: a}}", "{updateStrategy: {type: OnDelete}}");
        c.Apply(Observed("old", c.Ds().Uid, "2025-12-31T23:00:00Z", node: "node-1", deletion: "2025-12-31T23:59:00Z"));
        c.PatchNode("node-1", "{metadata: {labels: {pool: a}}}");
        Assert.Empty(c.Emitted<PodCreated>());
        Assert.Equal((2, 2), (c.Status().DesiredNumberScheduled, c.Status().CurrentNumberScheduled));
        c.Run(Decisions.PodDecisions.Delete(c.State, "default", "old"));
        Assert.Single(c.Emitted<PodCreated>(), p => p.Node == "node-1");
    }

    [Fact]
    public void PodOnARemovedNode_IsDeleted_PointingAtTheRemoval()
    {
        var c = new TestCluster().Nodes(2).DaemonSet();
        c.Run(Decisions.NodeDecisions.Remove(c.State, "node-1"));
        var removal = c.LastStep[0].Event.Id;
        var deleted = Assert.Single(c.EmittedOf<PodDeleted>());
        Assert.Equal(PodReasons.NodeRemoved, deleted.ReasonCode);
        Assert.Equal(removal, deleted.Event.CausationId);
        Assert.Equal(1, c.Status().DesiredNumberScheduled);
    }

    [Fact]
    public void UnscheduledPodPinnedToAMissingNode_IsDeleted()
    {
        var c = new TestCluster().Nodes(1).DaemonSet(spec: "{updateStrategy: {type: OnDelete}}");
        c.Apply(Observed("ghost", c.Ds().Uid, "2025-12-31T23:00:00Z", nodeName: null, node: "node-9"));
        Assert.Contains(c.Emitted<PodDeleted>(), e => e.Pod == "ghost" && e.Reason == PodReasons.NodeRemoved);
    }

    [Fact]
    public void PodsWhoseOwnerNeverExisted_AreCollected()
    {
        var c = new TestCluster().Nodes(1);
        c.Apply(Observed("stray", "00000000-0000-0000-0000-00000000abcd", "2025-12-31T23:00:00Z"));
        Assert.Contains(c.Emitted<PodDeleted>(), e => e.Pod == "stray" && e.Reason == PodReasons.OwnerNotFound);
    }

    [Fact]
    public void BackgroundDelete_DeletesPodsAndRevisions_PointingAtTheDeletion()
    {
        var c = new TestCluster().Nodes(2).DaemonSet();
        c.Run(Decisions.DaemonSetDecisions.Delete(c.State, "default/foo", "Background"));
        var deletion = c.LastStep[0].Event.Id;
        Assert.All(c.EmittedOf<PodDeleted>(), e => Assert.Equal((PodReasons.DaemonSetDeleted, deletion), (e.ReasonCode!, e.Event.CausationId!.Value)));
        Assert.Equal(2, c.Emitted<PodDeleted>().Count);
        Assert.Empty(c.State.Pods);
        Assert.Empty(c.State.Revisions);
    }

    [Fact]
    public void OrphanDelete_LeavesPodsRunningWithoutOwner_AndRevisionsOrphaned()
    {
        var c = new TestCluster().Nodes(2).DaemonSet();
        c.Run(Decisions.DaemonSetDecisions.Delete(c.State, "default/foo", "Orphan"));
        Assert.Equal(2, c.Emitted<PodOrphaned>().Count);
        Assert.All(c.State.Pods.Values, p => Assert.Null(p.Controller));
        Assert.All(c.State.Revisions.Values, r => Assert.Null(r.OwnerUid));
    }

    [Fact]
    public void Orphan_MatchingTheSelector_IsAdopted_NotRecreated()
    {
        var c = new TestCluster().Nodes(1);
        c.Apply(Observed("lonely", owner: null, created: "2025-12-31T23:00:00Z"));
        c.DaemonSet(spec: "{updateStrategy: {type: OnDelete}}");
        Assert.Single(c.Emitted<PodAdopted>());
        Assert.Empty(c.Emitted<PodCreated>());
        Assert.Equal("lonely", c.PodOn("node-0").Name);
    }

    [Fact]
    public void TerminatingOrphan_IsNotAdopted()
    {
        var c = new TestCluster().Nodes(1);
        c.Apply(Observed("leaving", owner: null, created: "2025-12-31T23:00:00Z", deletion: "2025-12-31T23:59:00Z"));
        c.DaemonSet();
        Assert.Empty(c.Emitted<PodAdopted>());
        Assert.Null(c.State.Pods["default/leaving"].Controller);
    }

    [Fact]
    public void PodOfAnotherController_IsNeverAdoptedNorCounted()
    {
        var c = new TestCluster().Nodes(1);
        c.Apply(Observed("rs-pod", owner: null, created: "2025-12-31T23:00:00Z", ownerKind: "ReplicaSet"));
        c.DaemonSet();
        Assert.Empty(c.Emitted<PodAdopted>());
        Assert.Single(c.Emitted<PodCreated>());
    }

    [Fact]
    public void OverlappingDaemonSets_EachKeepsItsOwnPods_AndNeverCountsTheOthers()
    {
        static string Agent(string name) =>
            $"{{apiVersion: apps/v1, kind: DaemonSet, metadata: {{name: {name}, namespace: default}}, spec: {{selector: {{matchLabels: {{app: agent}}}}, " +
            "template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: c, image: img:1}]}}}}";
        var c = new TestCluster().Nodes(2).Apply(Agent("a")).Apply(Agent("b"));
        Assert.Empty(c.Emitted<PodAdopted>());
        Assert.Equal(2, c.Emitted<PodCreated>().Count);
        Assert.All(new[] { "a", "b" }, ds => Assert.Equal((2, 2, 0), (c.Status(ds).DesiredNumberScheduled, c.Status(ds).CurrentNumberScheduled, c.Status(ds).NumberMisscheduled)));

        // a pod of a deleted: a replaces it; b, whose selector matches it as well, is untouched
        c.Run(Decisions.PodDecisions.Delete(c.State, "default", c.PodOn("node-0", "a").Name));
        Assert.Equal([("default/a", "node-0")], c.Emitted<PodCreated>().Select(e => (e.DaemonSet, e.Node)));
        Assert.Single(c.LivePods("b"), p => p.TargetNode == "node-0");
        Assert.DoesNotContain(c.LastStep, e => e.Event.Event is PodDeleted { DaemonSet: "default/b" });
    }

    [Fact]
    public void AdoptedPod_OfAnotherTemplate_WithTheSameTemplateGeneration_IsNotRestarted()
    {
        // the old e2e case: a pod left by a DaemonSet with another template but pod-template-generation 1
        var c = new TestCluster().Nodes(1);
        var pod = Observed("left", owner: null, created: "2025-12-31T23:00:00Z")
            .Replace("labels: {app: foo}", "labels: {app: foo, pod-template-generation: '1', controller-revision-hash: elsewhere}");
        c.Apply(pod);
        c.DaemonSet(spec: "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}}");
        Assert.Single(c.Emitted<PodAdopted>());
        Assert.Empty(c.Emitted<PodDeleted>());
        Assert.Equal(1, c.Status().UpdatedNumberScheduled);
        Assert.Equal("left", c.PodOn("node-0").Name);
    }

    [Fact]
    public void PodWhoseLabelsLeaveTheSelector_IsReleased_AndReplaced()
    {
        var c = new TestCluster().Nodes(1).DaemonSet(spec: "{updateStrategy: {type: OnDelete}}");
        var uid = c.Ds().Uid;
        c.Apply(Observed("drifter", uid, "2025-12-31T23:00:00Z", node: "node-0"));
        c.Apply(Observed("drifter", uid, "2025-12-31T23:00:00Z", node: "node-0", app: "other"));
        Assert.Single(c.Emitted<PodOrphaned>(), e => e.Reason == PodReasons.SelectorMismatch);
        Assert.NotEqual("drifter", c.PodOn("node-0").Name);
    }

    [Fact]
    public void TerminalPodsWithDeletionTimestamp_AreInvisible()
    {
        var c = new TestCluster().Nodes(1).DaemonSet(spec: "{updateStrategy: {type: OnDelete}}");
        var uid = c.Ds().Uid;
        c.Apply(Observed("gone", uid, "2025-12-31T23:00:00Z", deletion: "2025-12-31T23:59:00Z", phase: "Failed"));
        Assert.Empty(c.Emitted<PodDeleted>());
        Assert.Equal(1, c.Status().CurrentNumberScheduled);
        Assert.DoesNotContain("default/gone", c.Ds().SlotOf("node-0").Pods);
    }

    [Fact]
    public void PodInAnotherNamespace_NamingTheDaemonSetAsOwner_IsNeitherCountedNorAdopted()
    {
        var c = new TestCluster().Nodes(1).DaemonSet(spec: "{updateStrategy: {type: OnDelete}}");
        var own = c.PodOn("node-0").Name;
        c.Apply(Observed("stranger", c.Ds().Uid, "2025-12-31T23:00:00Z", ns: "elsewhere"));
        Assert.DoesNotContain(c.LastStep, e => e.Event.Event is PodDeleted or PodAdopted or PodCreated);
        Assert.Equal(own, c.PodOn("node-0").Name);
        Assert.DoesNotContain("elsewhere/stranger", c.Ds().SlotOf("node-0").Pods);
        Assert.Equal(1, c.Status().CurrentNumberScheduled);
    }

    [Fact]
    public void ReappliedPod_ThatStaysReady_KeepsTheTimeItBecameReady()
    {
        var c = new TestCluster().Nodes(1).DaemonSet(spec: "{updateStrategy: {type: OnDelete}}");
        var uid = c.Ds().Uid;
        c.Apply(Observed("steady", uid, "2025-12-31T23:00:00Z", phase: "Pending", ready: true));
        var since = c.State.Pods["default/steady"].ReadySince;
        Assert.Equal(TestCluster.Start, since);
        c.Advance(30);
        c.Apply(Observed("steady", uid, "2025-12-31T23:00:00Z", phase: "Running", ready: true));
        Assert.Single(c.Emitted<PodStatusObserved>());
        Assert.Equal(since, c.State.Pods["default/steady"].ReadySince);
    }

    internal static string Observed(
        string name, string? owner, string created, string? nodeName = "node-0", string node = "node-0",
        string? deletion = null, string phase = "Running", string app = "foo", string ownerKind = "DaemonSet",
        string ns = "default", bool ready = false)
    {
        var ownerRefs = owner is null && ownerKind == "DaemonSet" ? "[]"
            : $"[{{apiVersion: apps/v1, kind: {ownerKind}, name: foo, uid: '{owner ?? "11111111-2222-3333-4444-555555555555"}', controller: true}}]";
        var spec = nodeName is null
            ? $"{{containers: [{{name: c, image: img:1}}], affinity: {{nodeAffinity: {{requiredDuringSchedulingIgnoredDuringExecution: {{nodeSelectorTerms: [{{matchFields: [{{key: metadata.name, operator: In, values: [{node}]}}]}}]}}}}}}}}"
            : $"{{nodeName: {node}, containers: [{{name: c, image: img:1}}]}}";
        var deletionField = deletion is null ? "" : $", deletionTimestamp: '{deletion}'";
        var conditions = ready ? ", conditions: [{type: Ready, status: 'True'}]" : "";
        return $"{{apiVersion: v1, kind: Pod, metadata: {{name: {name}, namespace: {ns}, labels: {{app: {app}}}, ownerReferences: {ownerRefs}, creationTimestamp: '{created}'{deletionField}}}, spec: {spec}, status: {{phase: {phase}{conditions}}}}}";
    }
}
