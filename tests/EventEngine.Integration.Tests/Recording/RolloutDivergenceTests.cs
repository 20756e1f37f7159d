using System.Text.Json.Nodes;
using System.Threading.Channels;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Recording;

/// <summary>
/// A recorded rollout that breaks its budget: a scripted API server on loopback shows three nodes and a DaemonSet
/// (RollingUpdate, maxUnavailable 1) whose ready pods run revision 1. The DaemonSet moves to revision 2 and the
/// cluster's controller deletes two old pods before either replacement is ready, where Kubernetes' rollingUpdate
/// deletes one. GET /engine/v1/divergences lists the second deletion as maxUnavailableExceeded, until a new pod is
/// available again, beside the nodes missing their pod.
/// </summary>
[Trait("Category", "Recording")]
public sealed class RolloutDivergenceTests : IAsyncLifetime
{
    private const string Uid = "44444444-0000-0000-0000-000000000001";

    private readonly Channel<JsonObject> _daemonSets = Channel.CreateUnbounded<JsonObject>();
    private readonly Channel<JsonObject> _revisions = Channel.CreateUnbounded<JsonObject>();
    private readonly Channel<JsonObject> _pods = Channel.CreateUnbounded<JsonObject>();
    private ScriptedCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ScriptedCluster.StartAsync(
            ScriptedCluster.Fixed("v1", "NodeList", [Node("n1"), Node("n2"), Node("n3")]),
            ScriptedCluster.Streamed("apps/v1", "DaemonSetList", [Agent("agent:1")], _daemonSets.Reader),
            ScriptedCluster.Streamed("v1", "PodList", [Pod("old-1", "n1", "h1"), Pod("old-2", "n2", "h1"), Pod("old-3", "n3", "h1")], _pods.Reader),
            ScriptedCluster.Streamed("apps/v1", "ControllerRevisionList", [Revision("h1", 1, "agent:1")], _revisions.Reader));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task TwoOldPodsDeletedAtOnce_WithMaxUnavailableOne_IsADivergenceUntilANewPodIsAvailable()
    {
        await using var recorder = await _cluster.RecorderAsync();
        var record = recorder.Client();
        var seq = 0L;
        async Task<long> Send(Channel<JsonObject> channel, string type, JsonObject obj)
        {
            await channel.Writer.WriteAsync(ScriptedCluster.Change(type, obj));
            await Wait.UntilAsync(async () => (await record.EventsAsync()).Count > seq, TimeSpan.FromSeconds(30));
            return seq = (await record.EventsAsync()).Count;
        }
        // 3 nodes, the DaemonSet, its revision (renamed to the cluster's), 3 pods
        await Wait.UntilAsync(async () => (await record.EventsAsync()).Count == 8, TimeSpan.FromSeconds(30));
        seq = 8;

        await Send(_daemonSets, "MODIFIED", Agent("agent:2"));
        await Send(_revisions, "ADDED", Revision("h2", 2, "agent:2"));
        Assert.Equal("h2", (string?)(await record.GetJsonAsync("/engine/v1/placement?daemonset=default/agent"))["currentRevision"]!["hash"]);
        var first = await Send(_pods, "DELETED", Pod("old-1", "n1", "h1"));
        var second = await Send(_pods, "DELETED", Pod("old-2", "n2", "h1"));
        var back = await Send(_pods, "ADDED", Pod("new-1", "n1", "h2"));
        var both = await Send(_pods, "ADDED", Pod("new-2", "n2", "h2"));

        // from seq 8, after the start's listing (the DaemonSet listed before its pods: missing for that moment)
        var report = await record.GetJsonAsync("/engine/v1/divergences?from=8");
        Assert.Equal(
        [
            ("n1", "missing", first, (long?)back),
            ("n2", "maxUnavailableExceeded", second, (long?)back),
            ("n2", "missing", second, (long?)both),
        ], report["items"]!.AsArray().Select(i => ((string?)i!["node"], (string?)i["kind"], (long)i["since"]!["seq"]!, (long?)i["until"]?["seq"])));
        var over = report["items"]!.AsArray().Single(i => (string?)i!["kind"] == "maxUnavailableExceeded")!;
        Assert.Equal("old-2 (an old pod, available) was deleted while 1 of 3 nodes had no available pod: maxUnavailable allows 1", (string?)over["reason"]);
        Assert.Equal(("pod_deleted.v1", "cluster"), ((string?)over["cause"]!["type"], (string?)over["cause"]!["actor"]));
        Assert.Single((await record.GetJsonAsync("/engine/v1/divergences?node=n2&from=" + (second - 1)))["items"]!.AsArray(),
            i => (string?)i!["kind"] == "maxUnavailableExceeded");

        // the timeline tells the same: the deletion that broke the budget began it, the first new pod ended it
        var timeline = await record.GetJsonAsync("/engine/v1/timeline?divergences=true&from=9");
        List<string> Marks(long at, string how) => timeline["items"]!.AsArray().Single(i => (long)i!["seq"]! == at)!["divergences"]?[how]?.AsArray()
            .Select(d => $"{d!["node"]} {d["kind"]}").ToList() ?? [];
        Assert.Equal(["n2 maxUnavailableExceeded", "n2 missing"], Marks(second, "began"));
        Assert.Equal(["n1 missing", "n2 maxUnavailableExceeded"], Marks(back, "ended"));
        Assert.Equal(["n2 missing"], Marks(both, "ended"));
        Assert.Equal(3, timeline["divergences"]!.AsArray().Count);
    }

    private static JsonObject Node(string name) => ClusterObjects.Node(name);

    private static JsonObject Agent(string image) => ClusterObjects.DaemonSet("agent", Uid, ClusterObjects.Template("agent", image));

    private static JsonObject Revision(string hash, long number, string image) =>
        ClusterObjects.Revision("agent", Uid, hash, number, ClusterObjects.Template("agent", image));

    private static JsonObject Pod(string name, string node, string hash) => ClusterObjects.Pod(name, node, "agent", Uid, hash);
}
