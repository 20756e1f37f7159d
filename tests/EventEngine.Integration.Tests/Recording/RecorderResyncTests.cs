using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EventEngine.Integration.Tests.Recording;

/// <summary>
/// The recorder against an API server that expires its watch: a scripted server on loopback answers the recorder's
/// first node watch with the 410 Gone an API server sends for a resourceVersion it no longer has, and changes its nodes
/// meanwhile. The recorder lists again and appends exactly the differences, marked as a resync.
/// </summary>
[Trait("Category", "Recording")]
public sealed class RecorderResyncTests : IAsyncLifetime
{
    private ScriptedCluster _cluster = null!;
    private int _nodeLists;
    private int _nodeWatches;

    public async Task InitializeAsync()
    {
        _cluster = await ScriptedCluster.StartAsync(NodesAsync,
            ScriptedCluster.Fixed("apps/v1", "DaemonSetList", []), ScriptedCluster.Fixed("v1", "PodList", []));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task AWatchAnswered410_IsRelisted_AndOnlyTheDifferencesAreAppended_MarkedAsAResync()
    {
        await using var recorder = await _cluster.RecorderAsync();
        var record = recorder.Client();
        await Wait.UntilAsync(async () => (await record.GetJsonAsync("/api/v1/nodes"))["items"]!.AsArray().Count == 2, TimeSpan.FromSeconds(30));

        var nodes = (await record.GetJsonAsync("/api/v1/nodes"))["items"]!.AsArray();
        Assert.Equal([("node-a", "2"), ("node-b", "1")], nodes.Select(n => ((string?)n!["metadata"]!["name"], (string?)n["metadata"]!["labels"]!["v"])));
        var events = (await record.EventsAsync()).Where(e => ((string?)e["type"])!.StartsWith("node_", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            ("node_joined.v1", "node-a", "resync:nodes:100:"),
            ("node_labels_changed.v1", "node-a", "resync:nodes:200:"),
            ("node_joined.v1", "node-b", "resync:nodes:200:"),
        ], events.Select(e => ((string?)e["type"], (string?)e["data"]!["node"], ((string)e["metadata"]!["correlationId"]!)[..17])));
        Assert.All(events, e => Assert.Equal("cluster", (string?)e["metadata"]!["actor"]));
        Assert.Equal(["100", "200", "200"], events.Select(e => (string?)e["metadata"]!["source"]!["resourceVersion"]));
        Assert.Equal(2, Volatile.Read(ref _nodeLists));

        var ready = await record.GetJsonAsync("/readyz");
        Assert.Equal("200", (string?)ready["recorder"]!["resourceVersions"]!["nodes"]);
        await Wait.UntilAsync(async () => (bool)(await record.GetJsonAsync("/readyz"))["recorder"]!["live"]!, TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// The first list holds node-a at v=1 (resourceVersion 100); the first watch from it is answered 410 Gone, as if the
    /// server had compacted past it while node-a changed and node-b joined; the next list shows them (200), and the
    /// next watch stays open and quiet.
    /// </summary>
    private async Task NodesAsync(HttpContext http)
    {
        if (ScriptedCluster.IsWatch(http))
        {
            if (Interlocked.Increment(ref _nodeWatches) > 1)
            {
                await ScriptedCluster.QuietAsync(http);
                return;
            }
            await ScriptedCluster.OpenWatchAsync(http);
            await http.Response.WriteAsync("""
                {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 100 (150)","reason":"Expired","code":410}}

                """);
            return;
        }
        var first = Interlocked.Increment(ref _nodeLists) == 1;
        var items = first
            ? new JsonArray(Node("node-a", "1", "11111111-0000-0000-0000-00000000000a"))
            : new JsonArray(Node("node-a", "2", "11111111-0000-0000-0000-00000000000a"), Node("node-b", "1", "11111111-0000-0000-0000-00000000000b"));
        await ScriptedCluster.ListAsync(http, "v1", "NodeList", items, first ? "100" : "200");
    }

    private static JsonObject Node(string name, string version, string uid) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = uid, ["resourceVersion"] = "1", ["labels"] = new JsonObject { ["v"] = version } },
        ["spec"] = new JsonObject(),
        ["status"] = new JsonObject(),
    };
}
