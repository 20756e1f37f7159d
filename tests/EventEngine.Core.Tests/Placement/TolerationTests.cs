using EventEngine.Model;
using EventEngine.Placement;

namespace EventEngine.Core.Tests.Placement;

/// <summary>The automatic DaemonSet tolerations and their merge rule (section 1.5), and NoExecute eviction timing.</summary>
public sealed class TolerationTests
{
    private static readonly DateTimeOffset T0 = TestCluster.Start;

    [Fact]
    public void AutomaticTolerations_AreAdded_NetworkUnavailableOnlyForHostNetwork()
    {
        var plain = Tolerations.ForDaemonPod([], hostNetwork: false).Select(t => $"{t.Key}:{t.Effect}").ToList();
        var host = Tolerations.ForDaemonPod([], hostNetwork: true).Select(t => $"{t.Key}:{t.Effect}").ToList();
        Assert.Equal(
            [
                "node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute",
                "node.kubernetes.io/disk-pressure:NoSchedule", "node.kubernetes.io/memory-pressure:NoSchedule",
                "node.kubernetes.io/pid-pressure:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule",
            ], plain);
        Assert.Equal(plain.Append("node.kubernetes.io/network-unavailable:NoSchedule"), host);
    }

    [Fact]
    public void UserTolerationEqualToAnAutomaticOne_IsReplaced_DroppingItsSeconds()
    {
        var user = new Toleration { Key = "node.kubernetes.io/not-ready", Operator = "Exists", Effect = "NoExecute", TolerationSeconds = 300 };
        var merged = Tolerations.ForDaemonPod([user], hostNetwork: false);
        var notReady = Assert.Single(merged, t => t.Key == "node.kubernetes.io/not-ready");
        Assert.Null(notReady.TolerationSeconds);
    }

    [Fact]
    public void UserTolerationDifferingInOneField_IsKept_AndTheAutomaticOneAppended()
    {
        var user = new Toleration { Key = "node.kubernetes.io/not-ready", Operator = "Exists", Effect = "NoSchedule" };
        var merged = Tolerations.ForDaemonPod([user], hostNetwork: false);
        Assert.Equal(2, merged.Count(t => t.Key == "node.kubernetes.io/not-ready"));
        Assert.Same(user, merged[0]);
    }

    [Fact]
    public void EvictionDeadline_NoSecondsMeansNever()
    {
        var taint = new Taint { Key = "k", Effect = "NoExecute", TimeAdded = T0 };
        Assert.Null(Tolerations.EvictionDeadline([new Toleration { Key = "k", Operator = "Exists" }], [taint], T0));
    }

    [Fact]
    public void EvictionDeadline_StartsWhenTheTaintWasAdded_SmallestSecondsWins()
    {
        var a = new Taint { Key = "a", Effect = "NoExecute", TimeAdded = T0.AddSeconds(10) };
        var b = new Taint { Key = "b", Effect = "NoExecute", TimeAdded = T0.AddSeconds(20) };
        var tolerations = new[]
        {
            new Toleration { Key = "a", Operator = "Exists", TolerationSeconds = 60 },
            new Toleration { Key = "b", Operator = "Exists", TolerationSeconds = 30 },
        };
        Assert.Equal(T0.AddSeconds(40), Tolerations.EvictionDeadline(tolerations, [a, b], T0));
    }

    [Fact]
    public void EvictionDeadline_AnUntoleratedTaintEvictsAtOnce()
    {
        var taint = new Taint { Key = "k", Effect = "NoExecute", TimeAdded = T0.AddSeconds(5) };
        Assert.Equal(T0, Tolerations.EvictionDeadline([], [taint], T0));
    }
}
