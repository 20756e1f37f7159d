using EventEngine.Events;
using EventEngine.Reconciliation;

namespace EventEngine.Core.Tests.Reconciliation;

/// <summary>What a command's events put in the reconcile's scope.</summary>
public sealed class ReconcileScopeTests
{
    [Fact]
    public void ADaemonSetsOwnPods_TouchTheirNodesForItAlone()
    {
        var scope = ReconcileScope.Of(
        [
            new PodDeleted("kube-system/a", "kube-system", "a-1", "n1", PodReasons.RollingUpdate),
            new PodStatusObserved("kube-system/a", "kube-system", "a-2", "n2", "Running", true, null),
        ]);

        Assert.True(scope.Pods);
        Assert.Empty(scope.Nodes);
        Assert.Equal(["n1", "n2"], scope.NodesOf("kube-system/a").Order());
        Assert.Empty(scope.NodesOf("kube-system/b"));
        Assert.Equal(["n1", "n2"], scope.AllNodes.Order());
        // every DaemonSet still syncs (claims, rolling update, status); only manage is limited to its nodes
        Assert.True(scope.Syncs("kube-system/b"));
    }

    [Fact]
    public void PodsThatCanChangeOwner_AndNodeEvents_TouchTheNodeForEveryDaemonSet()
    {
        var scope = ReconcileScope.Of(
        [
            new PodLabelsChanged("kube-system/a", "kube-system", "a-1", "n1", new Dictionary<string, string>()),
            new PodDeleted(null, "kube-system", "orphan", "n2", PodReasons.OwnerNotFound),
            new NodeLabelsChanged("n3", new Dictionary<string, string>()),
        ]);

        Assert.Equal(["n1", "n2", "n3"], scope.NodesOf("kube-system/b").Order());
        Assert.Empty(scope.PodNodes);
    }

    [Fact]
    public void AUnion_KeepsEachDaemonSetsNodes()
    {
        var first = ReconcileScope.Of([new PodDeleted("kube-system/a", "kube-system", "a-1", "n1", PodReasons.RollingUpdate)]);
        var second = ReconcileScope.Of(
        [
            new PodDeleted("kube-system/a", "kube-system", "a-2", "n2", PodReasons.RollingUpdate),
            new PodDeleted("kube-system/b", "kube-system", "b-1", "n3", PodReasons.RollingUpdate),
        ]);

        var union = first.Union(second);

        Assert.Equal(["n1", "n2"], union.NodesOf("kube-system/a").Order());
        Assert.Equal(["n3"], union.NodesOf("kube-system/b"));
        Assert.False(union.IsEmpty);
    }
}
