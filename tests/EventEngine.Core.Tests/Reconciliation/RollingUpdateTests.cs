using EventEngine.Events;
using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Core.Tests.Reconciliation;

/// <summary>RollingUpdate budgets, surge, minReadySeconds and OnDelete (section 5, pitfalls 10 and 11).</summary>
public sealed class RollingUpdateTests
{
    [Theory]
    [InlineData("50%", 2, 1)]
    [InlineData("50%", 3, 2)]
    [InlineData("100%", 2, 2)]
    [InlineData("10%", 5, 1)]
    [InlineData("1%", 1, 1)]
    [InlineData("0%", 7, 0)]
    [InlineData("25%", 0, 0)]
    public void PercentBudgets_RoundUpAgainstDesiredNodes(string percent, int desired, int expected) =>
        Assert.Equal(expected, IntOrString.FromString(percent).Scaled(desired));

    [Fact]
    public void IntegerBudgets_AreTakenAsGiven() => Assert.Equal(3, IntOrString.FromInt(3).Scaled(100));

    [Fact]
    public void MaxUnavailable_ReplacesThatManyReadyPods_InNaturalNodeOrder_CausedByTheUpdate()
    {
        var c = new TestCluster().Nodes(12).DaemonSet(spec: "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 2}}}").ReadyAll();
        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: img:2}]}}}}");
        var update = c.LastStep[0].Event.Id;
        var deleted = c.EmittedOf<PodDeleted>();
        Assert.Equal(["node-0", "node-1"], deleted.Select(e => ((PodDeleted)e.Event.Event).Node));
        Assert.All(deleted, e => Assert.Equal((PodReasons.RollingUpdate, update), (e.ReasonCode!, e.Event.CausationId!.Value)));
        Assert.All(c.EmittedOf<PodCreated>(), e => Assert.Equal(update, e.Event.CausationId));
        Assert.Equal(2, c.Status().UpdatedNumberScheduled);
    }

    [Fact]
    public void NodeThatShouldNotRunThePod_AndHasNone_DoesNotUseTheBudget()
    {
        // node-0 comes first in name order; before it was skipped it counted as unavailable and stalled the update
        var c = new TestCluster().Node("node-0", taints: "[{key: dedicated, value: db, effect: NoSchedule}]").Node("node-1").Node("node-2")
            .DaemonSet(spec: "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}}").ReadyAll();
        Assert.Equal(2, c.Status().DesiredNumberScheduled);
        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: img:2}]}}}}");
        Assert.Equal(["node-1"], c.Emitted<PodDeleted>().Select(e => e.Node!));
    }

    [Fact]
    public void ASyncWhoseManageActs_DoesNoRollingUpdate_TheNextSyncDoes()
    {
        var c = new TestCluster().Nodes(3).DaemonSet(spec: "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 4}}}").ReadyAll();
        c.Unsettled(s => Decisions.ApplyDecisions.Apply(s, [TestCluster.Yaml("{apiVersion: v1, kind: Node, metadata: {name: node-3}}")], c.Now, c.NewId))
            .Unsettled(s => Decisions.DaemonSetDecisions.Patch(s, "default/foo", TestCluster.Yaml("{spec: {template: {spec: {containers: [{name: c, image: img:2}]}}}}")));

        // section 2: manage creates the missing pod; the three old pods wait for the next sync
        var first = c.Reconcile();
        var create = Assert.IsType<EventEngine.Reconciliation.CreatePod>(Assert.Single(first.Actions));
        Assert.Equal("node-3", create.Node);

        c.Advance(0);
        Assert.Equal(["node-0", "node-1", "node-2"], c.Emitted<PodDeleted>().Select(e => e.Node!).Order(NaturalOrder.Instance));
        Assert.All(c.EmittedOf<PodDeleted>(), e => Assert.Equal(PodReasons.RollingUpdate, e.ReasonCode));
    }

    [Fact]
    public void TerminatingPod_CountsAsUnavailable_AndUsesTheBudget()
    {
        var c = new TestCluster().Nodes(3).DaemonSet(spec: "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}}").ReadyAll();
        var leaving = c.PodOn("node-0");
        var pod = Views.Pod(leaving) is var view ? view with { Metadata = view.Metadata! with { DeletionTimestamp = c.Now } } : null!;
        c.Run(Decisions.PodDecisions.Register(c.State, pod, c.Now));
        Assert.True(c.State.Pods[leaving.Key].IsTerminating);

        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: img:2}]}}}}");

        // pitfall 9: node-0 is unavailable while its pod terminates, so the budget of 1 is spent: nothing moves
        Assert.Empty(c.Emitted<PodDeleted>());
        Assert.Empty(c.Emitted<PodCreated>());
        // status, though, still counts the terminating pod as it counts any pod that is not terminal (section 4)
        Assert.Equal(3, c.Status().NumberAvailable);
    }

    [Fact]
    public void OldPodsAlreadyUnavailable_AreReplacedOutsideTheBudget()
    {
        var c = new TestCluster().Nodes(5).DaemonSet(spec: "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}}");
        foreach (var node in new[] { "node-0", "node-1", "node-2" }) c.Report(c.PodOn(node).Name, "Running", true);
        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: img:2}]}}}}");
        Assert.Equal(["node-3", "node-4"], c.Emitted<PodDeleted>().Select(e => e.Node!).Order());
        Assert.Equal(2, c.Emitted<PodCreated>().Count);
    }

    [Fact]
    public void ZeroBudgets_StoredAnyway_AreForcedToOneUnavailable()
    {
        var c = new TestCluster().Nodes(3).DaemonSet(spec: "{updateStrategy: {type: OnDelete}}").ReadyAll();
        // The API refuses 0/0; a log written by another tool could still hold it: the controller must progress.
        var ds = c.Ds();
        var zero = ds.Object with
        {
            Spec = ds.Spec with
            {
                Template = PodTemplate.From(TestCluster.Yaml("{metadata: {labels: {app: foo}}, spec: {containers: [{name: c, image: img:9}]}}")),
                UpdateStrategy = new DaemonSetUpdateStrategy
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new RollingUpdateDaemonSet { MaxUnavailable = IntOrString.FromInt(0), MaxSurge = IntOrString.FromInt(0) },
                },
            },
        };
        var revision = Revisions.RevisionHistory.ForTemplate(c.State, ds, zero.Spec!.Template!);
        c.Run(Decisions.Decided.Of(new DaemonSetUpdated(ds.Key, zero, ds.Generation + 1, ds.TemplateGeneration + 1, revision)));
        Assert.Single(c.Emitted<PodDeleted>());
    }

    [Fact]
    public void MinReadySeconds_AvailabilityIsStrict_AndTheWakeUpIsKnown()
    {
        var c = new TestCluster().Nodes(2).DaemonSet(spec: "{minReadySeconds: 10, updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}}").ReadyAll();
        c.Advance(11);
        Assert.Equal(2, c.Status().NumberAvailable);
        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: img:2}]}}}}");
        Assert.Single(c.Emitted<PodDeleted>());
        c.ReadyAll();
        var readyAt = c.Now;
        Assert.Equal(readyAt.AddSeconds(10), c.Reconcile().WakeAt);
        c.Advance(10);
        Assert.Empty(c.Emitted<PodDeleted>());
        Assert.Equal(1, c.Status().NumberAvailable);
        c.Advance(0.001);
        Assert.Single(c.Emitted<PodDeleted>());
    }

    [Fact]
    public void OnDelete_ATemplateChangeReplacesNothing_ADeletedPodComesBackNew()
    {
        var c = new TestCluster().Nodes(2).DaemonSet(spec: "{updateStrategy: {type: OnDelete}}").ReadyAll();
        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: img:2}]}}}}");
        Assert.Empty(c.Emitted<PodDeleted>());
        Assert.Equal(0, c.Status().UpdatedNumberScheduled);
        c.Run(Decisions.PodDecisions.Delete(c.State, "default", c.PodOn("node-0").Name));
        Assert.Equal(c.Ds().CurrentHash, c.PodOn("node-0").Hash);
        Assert.Equal(1, c.Status().UpdatedNumberScheduled);
    }

    [Fact]
    public void Surge_StartsNewPodsNextToOldOnes_AndRemovesEachOldPodOnceItsSuccessorIsAvailable()
    {
        var c = new TestCluster().Nodes(3).DaemonSet(spec: "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}}").ReadyAll();
        c.Advance(1);
        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: img:2}]}}}}");
        Assert.Single(c.Emitted<PodCreated>(), e => e.Node == "node-0");
        Assert.Empty(c.Emitted<PodDeleted>());
        Assert.Equal(3, c.Status().NumberAvailable);
        c.Report(c.LivePods().Single(p => p.Hash == c.Ds().CurrentHash).Name, "Running", true);
        Assert.Single(c.Emitted<PodDeleted>(), e => e.Node == "node-0");
        Assert.Single(c.Emitted<PodCreated>(), e => e.Node == "node-1");
    }

    [Fact]
    public void Surge_PodsOnNodesLeavingTheDaemonSet_GoOnlyAsFarAsAvailabilityAllows()
    {
        const string taint = "[{key: dedicated, effect: NoSchedule}]";
        var c = new TestCluster().Node("node-0", taints: taint).Node("node-1", taints: taint)
            .DaemonSet("{tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]}",
                "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}}")
            .ReadyAll();
        c.Node("node-2");
        c.ReadyAll();
        // The new template no longer tolerates the taint: node-0 and node-1 leave (their pods may stay), node-2 stays.
        c.PatchDaemonSet("{spec: {template: {spec: {tolerations: null}}}}");
        Assert.Equal(1, c.Status().DesiredNumberScheduled);
        Assert.Equal(3, c.LivePods().Count(p => p.Hash != c.Ds().CurrentHash) + c.Emitted<PodDeleted>().Count);
        // available (3 old pods) - desired (1): two pods on leaving nodes could go, but node-2 first surges.
        Assert.Single(c.Emitted<PodCreated>(), e => e.Node == "node-2");
        Assert.Equal(["node-0", "node-1"], c.Emitted<PodDeleted>().Select(e => e.Node!).Order(NaturalOrder.Instance));
        c.ReadyAll();
        Assert.Single(c.Emitted<PodDeleted>(), e => e.Node == "node-2");
        Assert.Equal(["node-2"], c.LivePods().Select(p => p.TargetNode));
    }

    [Fact]
    public void Rollback_PodsAlreadyOnTheRestoredRevisionAreNotRestarted()
    {
        var c = new TestCluster().Nodes(3).DaemonSet(spec: "{updateStrategy: {type: OnDelete}}").ReadyAll();
        var original = c.Ds().CurrentHash;
        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: img:2}]}}}}");
        c.Run(Decisions.PodDecisions.Delete(c.State, "default", c.PodOn("node-0").Name));
        c.PatchDaemonSet("{spec: {updateStrategy: {type: RollingUpdate}}}");
        c.Run(Decisions.DaemonSetDecisions.Rollback(c.State, "default/foo", 1));
        Assert.Equal(original, c.Ds().CurrentHash);
        var deleted = Assert.Single(c.Emitted<PodDeleted>());
        Assert.Equal("node-0", deleted.Node);
        Assert.Equal(DaemonSetRolledBackCause(c), c.EmittedOf<PodDeleted>()[0].Event.CausationId);
    }

    private static Guid DaemonSetRolledBackCause(TestCluster c) => c.LastStep.Single(e => e.Event.Event is DaemonSetRolledBack).Event.Id;
}
