using EventEngine.Events;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;

namespace EventEngine.Core.Tests.Runtime;

/// <summary>
/// The live engine's stream positions: a deleted object's stream is kept until its deletion commits, then let go; a
/// name that comes back first is kept; a stream another object writes is never let go.
/// </summary>
public sealed class StreamsTests
{
    private static readonly string Removed = EventTypes.NameOf(typeof(NodeRemoved));
    private static readonly string DaemonSetDeletedType = EventTypes.NameOf(typeof(DaemonSetDeleted));

    private static StoredEvent E(long seq, string stream, long version, string type = "node_labels_changed.v1") =>
        new(seq, Guid.NewGuid(), stream, version, type, "{}", new EventMetadata("c", null, "a", null), DateTimeOffset.UnixEpoch);

    [Fact]
    public void ADeletedObjectsStream_IsKeptUntilItsDeletionCommits_ThenLetGo()
    {
        var streams = Streams.Empty.With([E(1, "node-a", 1), E(2, "node-b", 1), E(3, "node-a", 2, Removed)], ClusterState.Empty);

        // decided on, not committed: the version is still there to continue; the object is gone, so no resourceVersion
        Assert.True(streams.Knows("node-a"));
        Assert.Equal(2, streams.Version("node-a"));
        Assert.Equal(0, streams.Seq("node-a"));
        Assert.True(streams.Forget(2, ClusterState.Empty).Knows("node-a"));

        var committed = streams.Forget(3, ClusterState.Empty);
        Assert.False(committed.Knows("node-a"));
        Assert.Equal(0, committed.Version("node-a"));
        Assert.Equal((1, 2L), (committed.Count, committed.Seq("node-b")));
    }

    [Fact]
    public void ANameThatComesBackBeforeTheCommit_IsKept()
    {
        var streams = Streams.Empty.With([E(1, "node-a", 1), E(2, "node-a", 2, Removed), E(3, "node-a", 3, "node_joined.v1")], ClusterState.Empty).Forget(3, ClusterState.Empty);
        Assert.Equal((3L, 3L), (streams.Version("node-a"), streams.Seq("node-a")));
    }

    [Fact]
    public void ADaemonSetsDeletion_EndsBothItsStreams()
    {
        var streams = Streams.Empty.With([E(1, "daemonset-default.foo", 1), E(2, "daemonset-status-default.foo", 1), E(3, "daemonset-default.foo", 2, DaemonSetDeletedType)], ClusterState.Empty);
        Assert.Equal(0, streams.Forget(3, ClusterState.Empty).Count);
    }

    [Fact]
    public void AStreamAnotherObjectWrites_IsNotLetGo()
    {
        // status-default/foo's own stream is daemonset-status-default.foo, the name of default/foo's status stream
        var ds = TestCluster.Yaml(TestCluster.DaemonSetYaml());
        ds["metadata"]!["namespace"] = "status-default";
        var state = new TestCluster().Apply(ds.ToJsonString()).State;
        Assert.True(state.DaemonSets.ContainsKey("status-default/foo"));

        var decided = Streams.Empty
            .With([E(1, "daemonset-default.foo", 1), E(2, "daemonset-status-default.foo", 1), E(3, "daemonset-default.foo", 2, DaemonSetDeletedType)], state);
        // decided, not yet committed: status-default/foo's resourceVersion is still its stream's seq
        Assert.Equal(2, decided.Seq("daemonset-status-default.foo"));
        var streams = decided.Forget(3, state);
        Assert.False(streams.Knows("daemonset-default.foo"));
        Assert.Equal((1L, 2L), (streams.Version("daemonset-status-default.foo"), streams.Seq("daemonset-status-default.foo")));
    }

    [Fact]
    public void APositionLookedUp_ContinuesItsVersion_AndGivesNoResourceVersion()
    {
        var streams = Streams.Empty.Known([("node-a", 7, 40)]);
        Assert.Equal((true, 7L, 0L), (streams.Knows("node-a"), streams.Version("node-a"), streams.Seq("node-a")));
        // read back at start-up, a live object's position is whole
        Assert.Equal(40, Streams.From([("node-a", 7, 40)]).Seq("node-a"));
    }

    [Theory]
    [InlineData("node-a.b", 'n', "a.b")]
    [InlineData("pod-kube-system.agent-x.y", 'p', "kube-system/agent-x.y")]
    [InlineData("daemonset-default.foo", 'd', "default/foo")]
    public void EachStreamNamesItsObject(string stream, char kind, string key)
    {
        Assert.Equal([(kind, key)], Subjects.ObjectsOf(stream));
        var back = kind switch { 'n' => Subjects.NodeStream(key), 'p' => Subjects.PodStream(key), _ => Subjects.DaemonSetStream(key) };
        Assert.Equal(stream, back);
    }

    [Fact]
    public void AStatusStreamMayNameTwoDaemonSets() =>
        Assert.Equal([('d', "status-default/foo"), ('d', "default/foo")], Subjects.ObjectsOf("daemonset-status-default.foo"));
}
