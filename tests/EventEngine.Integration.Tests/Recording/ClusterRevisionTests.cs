using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Recording;

/// <summary>
/// A recorded cluster's revisions, named as Kubernetes names them: its DaemonSet controller hashes a template its own
/// way, so its ControllerRevisions and the controller-revision-hash of its pods are not the names the engine would
/// give. A scripted API server on loopback shows a DaemonSet at revision 2 with its two ControllerRevisions and its
/// pods, then a rollout to revision 3 (the DaemonSet changes, a revision appears and the oldest is pruned, each pod is
/// replaced by one of the new hash). The record holds the cluster's revisions and counts its pods as up to date.
/// </summary>
[Trait("Category", "Recording")]
public sealed class ClusterRevisionTests : IAsyncLifetime
{
    private const string Uid = "33333333-0000-0000-0000-000000000001";

    private ScriptedCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ScriptedCluster.StartAsync(
            ScriptedCluster.Fixed("v1", "NodeList", [Node("n1"), Node("n2")]),
            ScriptedCluster.Then("apps/v1", "DaemonSetList", [Agent("agent:2", "1")], ScriptedCluster.Change("MODIFIED", Agent("agent:3", "11"))),
            ScriptedCluster.Then("v1", "PodList", [Pod("agent-a", "n1", "6b8f94d7c", "3"), Pod("agent-b", "n2", "6b8f94d7c", "4")],
                ScriptedCluster.Change("DELETED", Pod("agent-a", "n1", "6b8f94d7c", "14")), ScriptedCluster.Change("ADDED", Pod("agent-c", "n1", "7f6d5c4b8", "15")),
                ScriptedCluster.Change("DELETED", Pod("agent-b", "n2", "6b8f94d7c", "16")), ScriptedCluster.Change("ADDED", Pod("agent-d", "n2", "7f6d5c4b8", "17"))),
            ScriptedCluster.Then("apps/v1", "ControllerRevisionList", [Revision("58c9d7b6f", 1, "agent:1", "5"), Revision("6b8f94d7c", 2, "agent:2", "6")],
                ScriptedCluster.Change("ADDED", Revision("7f6d5c4b8", 3, "agent:3", "12")), ScriptedCluster.Change("DELETED", Revision("58c9d7b6f", 1, "agent:1", "13"))));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task TheClustersRevisionsAndHashesAreRecorded_ThroughARollout_AndItsPodsAreUpToDate()
    {
        await using var recorder = await _cluster.RecorderAsync();
        var record = recorder.Client();
        await Wait.UntilAsync(async () => Names(await Revisions(record)).SequenceEqual([("agent-6b8f94d7c", 2L), ("agent-7f6d5c4b8", 3L)])
            && (await record.GetJsonAsync("/api/v1/namespaces/default/pods"))["items"]!.AsArray().Select(p => (string?)p!["metadata"]!["name"]).Order()
                .SequenceEqual(["agent-c", "agent-d"]), TimeSpan.FromSeconds(30));

        // the revision the engine made of the listed template took the cluster's name; the older one was added as listed
        var events = await record.EventsAsync();
        var created = events.Single(e => (string?)e["type"] == "daemonset_created.v1");
        var observed = events.Where(e => (string?)e["type"] == "daemonset_revision_observed.v1").Select(e => e["data"]!).ToList();
        Assert.Contains(observed, o => (string?)o!["name"] == "agent-6b8f94d7c" && (long)o["number"]! == 2
            && (string?)o["replaces"] == (string?)created["data"]!["revision"]!["name"]);
        Assert.Contains(observed, o => (string?)o!["name"] == "agent-58c9d7b6f" && (long)o["number"]! == 1 && o["replaces"] is null);
        Assert.Contains(observed, o => (string?)o!["name"] == "agent-7f6d5c4b8" && (long)o["number"]! == 3);
        Assert.Contains(events, e => (string?)e["type"] == "daemonset_revisions_pruned.v1" && (long)e["data"]!["revisions"]![0]! == 1);
        Assert.DoesNotContain(events, e => (string?)e["type"] == "daemonset_revision_observed.v1" && ((string)e["metadata"]!["actor"]!) != "cluster");

        var revisions = await Revisions(record);
        Assert.All(revisions, r => Assert.Equal(((string)r!["metadata"]!["name"]!)["agent-".Length..], (string?)r["metadata"]!["labels"]!["controller-revision-hash"]));
        Assert.Equal("agent:3", (string?)revisions.Single(r => (long)r!["revision"]! == 3)!["data"]!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);

        // the cluster's pods carry its hash: the record counts them as the current revision's, so nothing is outdated
        var placement = await record.GetJsonAsync("/engine/v1/placement?daemonset=default/agent");
        var summary = placement["summary"]!;
        Assert.Equal((2, 2, 0, 0, 0), ((int)summary["desired"]!, (int)summary["actual"]!, (int)summary["missing"]!, (int)summary["misscheduled"]!, (int)summary["outdated"]!));
        Assert.All(placement["nodes"]!.AsArray(), n => Assert.Empty(n!["differences"]!.AsArray()));
        var byRevision = await record.GetJsonAsync("/engine/v1/daemonsets/default/agent/revisions/3/placements");
        Assert.Equal(["agent-c", "agent-d"], byRevision["items"]!.AsArray().Select(p => (string?)p!["pod"]).Order());
        Assert.All((await record.GetJsonAsync("/engine/v1/divergences"))["items"]!.AsArray(), d => Assert.NotNull(d!["until"]));
    }

    private static async Task<List<JsonNode?>> Revisions(HttpClient record) =>
        (await record.GetJsonAsync("/apis/apps/v1/namespaces/default/controllerrevisions"))["items"]!.AsArray().ToList();

    private static IEnumerable<(string?, long)> Names(List<JsonNode?> revisions) =>
        revisions.Select(r => ((string?)r!["metadata"]!["name"], (long)r["revision"]!)).OrderBy(r => r.Item2);

    private static JsonObject Node(string name) => ClusterObjects.Node(name);

    /// <summary>The template as the API server stores and shows it, defaults included.</summary>
    private static JsonObject Template(string image) => ClusterObjects.Template("agent", image, defaulted: true);

    private static JsonObject Agent(string image, string resourceVersion) =>
        ClusterObjects.DaemonSet("agent", Uid, Template(image), resourceVersion, revisionHistoryLimit: 1);

    private static JsonObject Revision(string hash, long number, string image, string resourceVersion) =>
        ClusterObjects.Revision("agent", Uid, hash, number, Template(image), resourceVersion);

    private static JsonObject Pod(string name, string node, string hash, string resourceVersion) =>
        ClusterObjects.Pod(name, node, "agent", Uid, hash, resourceVersion);
}
