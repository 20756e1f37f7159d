using System.Text.Json.Nodes;
using System.Threading.Channels;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Recording;

/// <summary>
/// DaemonSets and ControllerRevisions come by separate watches, so a new DaemonSet's first revision can arrive before
/// the DaemonSet. A scripted API server on loopback sends the revision, then (once the recorder has heard it) the
/// DaemonSet: the revision waits for its owner and is recorded under the cluster's name, and nothing is refused.
/// </summary>
[Trait("Category", "Recording")]
public sealed class RevisionOrderTests : IAsyncLifetime
{
    private const string Uid = "55555555-0000-0000-0000-000000000001";

    private readonly Channel<JsonObject> _daemonSets = Channel.CreateUnbounded<JsonObject>();
    private readonly Channel<JsonObject> _revisions = Channel.CreateUnbounded<JsonObject>();
    private ScriptedCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ScriptedCluster.StartAsync(
            ScriptedCluster.Fixed("v1", "NodeList", []),
            ScriptedCluster.Streamed("apps/v1", "DaemonSetList", [], _daemonSets.Reader),
            ScriptedCluster.Fixed("v1", "PodList", []),
            ScriptedCluster.Streamed("apps/v1", "ControllerRevisionList", [], _revisions.Reader));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task ARevisionSeenBeforeItsDaemonSet_WaitsForIt_AndIsRecordedUnderTheClustersName()
    {
        await using var recorder = await _cluster.RecorderAsync();
        var record = recorder.Client();
        await Wait.UntilAsync(async () => (bool)(await record.GetJsonAsync("/readyz"))["recorder"]!["live"]!, TimeSpan.FromSeconds(30));

        await _revisions.Writer.WriteAsync(ScriptedCluster.Change("ADDED", Revision()));
        await Wait.UntilAsync(async () => (string?)(await record.GetJsonAsync("/readyz"))["recorder"]!["resourceVersions"]!["controllerrevisions"] == "50",
            TimeSpan.FromSeconds(30));
        Assert.Empty(await record.EventsAsync());

        await _daemonSets.Writer.WriteAsync(ScriptedCluster.Change("ADDED", Agent()));
        await Wait.UntilAsync(async () => (await record.EventsAsync()).Count == 2, TimeSpan.FromSeconds(30));
        Assert.Equal(["daemonset_created.v1", "daemonset_revision_observed.v1"], (await record.EventsAsync()).Select(e => (string?)e["type"]));
        var revision = (await record.GetJsonAsync("/apis/apps/v1/namespaces/default/controllerrevisions"))["items"]!.AsArray().Single()!;
        Assert.Equal(("late-5f7c9d8b6", 1L), ((string?)revision["metadata"]!["name"], (long)revision["revision"]!));
        Assert.Equal(0L, (long)(await record.GetJsonAsync("/readyz"))["recorder"]!["refused"]!);
    }

    private static readonly JsonObject Template = ClusterObjects.Template("late", "late:1");

    private static JsonObject Agent() => ClusterObjects.DaemonSet("late", Uid, Template, resourceVersion: "51");

    private static JsonObject Revision() => ClusterObjects.Revision("late", Uid, "5f7c9d8b6", 1, Template, resourceVersion: "50");
}
