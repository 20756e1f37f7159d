using EventEngine.Replay;

namespace EventEngine.Core.Tests.Replays;

public sealed class AsIfAlwaysTests
{
    [Fact]
    public void RunningPods_TakeTheNewTemplate_WithoutARollout()
    {
        var c = new TestCluster().Nodes(3).DaemonSet(spec: "{updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}}").ReadyAll();
        var decided = EventEngine.Decisions.DaemonSetDecisions.Patch(c.State, "default/foo", TestCluster.Yaml("{spec: {template: {spec: {tolerations: [{key: k, operator: Exists}]}}}}"));
        var folded = EventEngine.State.Fold.EvolveAll(c.State, decided.Events.Select(e => new EventEngine.Events.Recorded(c.NewId(), c.Now, e)));
        var rewritten = WhatIf.AsIfAlways(folded, "default/foo");
        Assert.Equal(0, rewritten.DaemonSets["default/foo"].Counts.OldNodes);
        Assert.All(rewritten.Pods.Values, p => Assert.Contains(p.Tolerations, t => t.Key == "k"));
        Assert.True(EventEngine.Reconciliation.Reconciler.Reconcile(rewritten, c.Now, EventEngine.Reconciliation.ReconcileScope.All).IsEmpty);
        Assert.Empty(EventEngine.State.Fold.CheckIndexes(rewritten));
    }
}
