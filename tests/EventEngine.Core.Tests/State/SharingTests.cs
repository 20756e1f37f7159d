using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Core.Tests.State;

/// <summary>
/// A state read back from stored versions shares what its pods have in common (as the fold's own state does) and is
/// the same state: the start-up read keeps one label map, one toleration list and one owner per DaemonSet revision.
/// </summary>
public sealed class SharingTests
{
    [Fact]
    public void PodsReadBack_ShareLabelsTolerationsOwnersAndNodeNames_AndMakeTheSameState()
    {
        var c = new TestCluster().Nodes(8)
            .DaemonSet(podSpec: "{tolerations: [{key: gpu, operator: Exists}]}").DaemonSet(name: "bar").ReadyAll();
        var objects = ReadBack(c.State);
        var shared = Sharing.Objects(objects).ToList();

        Assert.Equal(Json.Serialize(StateDocument.From(ObjectHistory.StateOf(objects))), Json.Serialize(StateDocument.From(ObjectHistory.StateOf(shared))));
        var pods = shared.Select(o => o.Value).OfType<PodState>().ToList();
        var foo = pods.Where(p => p.Controller?.Name == "foo").ToList();
        var bar = pods.Where(p => p.Controller?.Name == "bar").ToList();
        Assert.Equal(8, foo.Count);
        Assert.All(foo, p => Assert.Same(foo[0].Labels, p.Labels));
        Assert.All(foo, p => Assert.Same(foo[0].Controller, p.Controller));
        Assert.All(foo, p => Assert.True(p.Tolerations == foo[0].Tolerations, "one toleration list for the DaemonSet's pods"));
        Assert.NotSame(foo[0].Labels, bar[0].Labels);
        Assert.NotSame(foo[0].Controller, bar[0].Controller);
        // a pod names its node with the node's own string
        var nodes = shared.Select(o => o.Value).OfType<NodeState>().ToDictionary(n => n.Name);
        Assert.All(pods, p => Assert.Same(nodes[p.TargetNode!].Name, p.TargetNode));

        // read back without sharing, nothing is shared: the test above would fail without it
        var copies = objects.Select(o => o.Value).OfType<PodState>().Where(p => p.Controller?.Name == "foo").ToList();
        Assert.NotSame(copies[0].Labels, copies[1].Labels);
    }

    /// <summary>Every object of the state as the history stores it, and read back as the history reads it.</summary>
    private static List<(char Kind, string Key, object Value)> ReadBack(ClusterState s) =>
        ObjectHistory.All(s).Select(change => ObjectHistory.VersionOf(change, s, s))
            .Select(v => (v.Kind, v.Key, ObjectHistory.Read(v.Kind, v.Body()))).ToList();
}
