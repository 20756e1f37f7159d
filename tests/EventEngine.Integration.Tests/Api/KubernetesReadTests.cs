using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Api;

/// <summary>
/// Lists, watches and tables on the Kubernetes paths through HTTP: resourceVersion as the log's seq, watches that replay
/// from any past resourceVersion, selectors that filter (and a selector the kind cannot take refused), kubectl's Table
/// form, and Events derived from the log.
/// </summary>
public sealed class KubernetesReadTests : ApiTest
{
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Engine:Watch:BookmarkSeconds"] = "0.2" };

    [Fact]
    public async Task WatchFromAPastResourceVersion_ReplaysAddedModifiedAndDeleted_InLogOrder()
    {
        var (_, joined, _) = await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        var from = (string)joined!["metadata"]!["resourceVersion"]!;
        var (_, labeled, _) = await Client.PatchAsync("/api/v1/nodes/n1", """{"metadata":{"labels":{"zone":"a"}}}""", "application/merge-patch+json");
        var (_, second, _) = await Client.PostAsync("/api/v1/nodes", Http.Node("n2"));
        await Client.SendAsync(HttpMethod.Delete, "/api/v1/nodes/n1");

        var lines = await WatchAsync($"/api/v1/nodes?watch=true&resourceVersion={from}&timeoutSeconds=1");
        Assert.Equal(
            [("MODIFIED", "n1", (string?)labeled!["metadata"]!["resourceVersion"]), ("ADDED", "n2", (string?)second!["metadata"]!["resourceVersion"])],
            lines.Take(2).Select(l => ((string?)l["type"], (string?)l["object"]!["metadata"]!["name"], (string?)l["object"]!["metadata"]!["resourceVersion"])));
        Assert.Equal("a", (string?)lines[0]["object"]!["metadata"]!["labels"]!["zone"]);
        var deleted = lines[2];
        Assert.Equal(("DELETED", "n1"), ((string?)deleted["type"], (string?)deleted["object"]!["metadata"]!["name"]));
        var head = (string?)(await Client.GetJsonAsync("/api/v1/nodes"))["metadata"]!["resourceVersion"];
        Assert.Equal(head, (string?)deleted["object"]!["metadata"]!["resourceVersion"]);
        Assert.Equal(3, lines.Count);
    }

    [Fact]
    public async Task WatchWithALabelSelector_SeesAnObjectEnterAndLeaveTheSelection()
    {
        var (_, joined, _) = await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        await Client.PostAsync("/api/v1/nodes", Http.Node("other", ",\"labels\":{\"zone\":\"a\"}"));
        await Client.PatchAsync("/api/v1/nodes/n1", """{"metadata":{"labels":{"zone":"a"}}}""", "application/merge-patch+json");
        await Client.PatchAsync("/api/v1/nodes/n1", """{"metadata":{"labels":{"zone":"b"}}}""", "application/merge-patch+json");

        var lines = await WatchAsync($"/api/v1/nodes?watch=1&labelSelector=zone%3Da&fieldSelector=metadata.name%3Dn1&resourceVersion={joined!["metadata"]!["resourceVersion"]}&timeoutSeconds=1");
        Assert.Equal([("ADDED", "a"), ("DELETED", "a")], lines.Select(l => ((string?)l["type"], (string?)l["object"]!["metadata"]!["labels"]!["zone"])));
    }

    [Fact]
    public async Task WatchWithoutAResourceVersion_ListsWhatExistsFirst_AndBookmarksCarryTheHead()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent());
        var head = (string?)(await Client.GetJsonAsync("/apis/apps/v1/daemonsets"))["metadata"]!["resourceVersion"];

        // bookmarks every 0.2 s: three seconds leave room for several even on a loaded machine (one second once had none)
        var lines = await WatchAsync("/apis/apps/v1/namespaces/default/daemonsets?watch=true&allowWatchBookmarks=true&timeoutSeconds=3");
        Assert.Equal(("ADDED", "agent"), ((string?)lines[0]["type"], (string?)lines[0]["object"]!["metadata"]!["name"]));
        var bookmarks = lines.Skip(1).ToList();
        Assert.NotEmpty(bookmarks);
        Assert.All(bookmarks, b => Assert.Equal(("BOOKMARK", "DaemonSet", head), ((string?)b["type"], (string?)b["object"]!["kind"], (string?)b["object"]!["metadata"]!["resourceVersion"])));
    }

    [Fact]
    public async Task WatchOfPodsAndRevisions_FollowsTheController()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        var (_, created, _) = await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent());
        await Client.PatchAsync("/apis/apps/v1/namespaces/default/daemonsets/agent",
            """{"spec":{"template":{"spec":{"containers":[{"name":"agent","image":"agent:2"}]}}}}""", "application/strategic-merge-patch+json");

        var pods = await WatchAsync("/api/v1/namespaces/default/pods?watch=true&resourceVersion=1&timeoutSeconds=1");
        var images = pods.Where(l => (string?)l["type"] == "ADDED").Select(l => (string?)l["object"]!["spec"]!["containers"]![0]!["image"]).ToList();
        Assert.Equal(["agent:1", "agent:2"], images);
        Assert.Contains(pods, l => (string?)l["type"] == "DELETED" && (string?)l["object"]!["spec"]!["containers"]![0]!["image"] == "agent:1");
        Assert.All(pods, l => Assert.Equal((string?)created!["metadata"]!["uid"], (string?)l["object"]!["metadata"]!["ownerReferences"]![0]!["uid"]));

        var revisions = await WatchAsync("/apis/apps/v1/namespaces/default/controllerrevisions?watch=true&resourceVersion=1&timeoutSeconds=1");
        Assert.Equal([("ADDED", 1L), ("ADDED", 2L)], revisions.Select(l => ((string?)l["type"], (long)l["object"]!["revision"]!)));
    }

    [Fact]
    public async Task Selectors_FilterListsAndFillPages_AndListsCarryTheHeadAsResourceVersion()
    {
        foreach (var i in Enumerable.Range(1, 6))
            await Client.PostAsync("/api/v1/nodes", Http.Node($"n{i}", i % 2 == 0 ? ",\"labels\":{\"even\":\"yes\"}" : ""));
        var first = await Client.GetJsonAsync("/api/v1/nodes?labelSelector=even%3Dyes&limit=2");
        Assert.Equal(["n2", "n4"], Names(first));
        Assert.Equal("6", (string?)first["metadata"]!["resourceVersion"]);
        var rest = await Client.GetJsonAsync($"/api/v1/nodes?labelSelector=even%3Dyes&limit=2&continue={first["metadata"]!["continue"]}");
        Assert.Equal(["n6"], Names(rest));
        Assert.Null(rest["metadata"]!["continue"]);
        Assert.Equal(["n1", "n3", "n5"], Names(await Client.GetJsonAsync("/api/v1/nodes?labelSelector=!even")));
        Assert.Equal(["n3"], Names(await Client.GetJsonAsync("/api/v1/nodes?fieldSelector=metadata.name%3Dn3")));
        Assert.Equal(["n1", "n2", "n4", "n5", "n6"], Names(await Client.GetJsonAsync("/api/v1/nodes?fieldSelector=metadata.name!%3Dn3")));
    }

    [Fact]
    public async Task ASelectorTheKindCannotTake_IsA400Status_OnListAndWatch()
    {
        foreach (var path in new[]
                 {
                     "/api/v1/pods?fieldSelector=spec.color%3Dblue",
                     "/api/v1/pods?watch=true&fieldSelector=spec.color%3Dblue",
                     "/api/v1/nodes?labelSelector=zone%20in%20(a",
                     "/apis/apps/v1/daemonsets?fieldSelector=spec.nodeName%3Dn1",
                     "/api/v1/events?fieldSelector=involvedObject.color%3Dred",
                 })
        {
            var (status, body, response) = await Client.SendAsync(HttpMethod.Get, path);
            Assert.True(status == HttpStatusCode.BadRequest, $"{path}: {status}");
            response.AssertStatus(body, 400);
            Assert.Equal("BadRequest", (string?)body!["reason"]);
        }
        foreach (var (path, field) in new[] { ("/api/v1/nodes?watch=maybe", "watch"), ("/api/v1/nodes?watch=true&resourceVersion=abc", "resourceVersion"), ("/api/v1/nodes?watch=true&timeoutSeconds=-1", "timeoutSeconds") })
        {
            var (status, body, _) = await Client.SendAsync(HttpMethod.Get, path);
            Assert.True(status == HttpStatusCode.BadRequest, $"{path}: {status}");
            Assert.Equal([field], body.Fields());
        }
    }

    [Fact]
    public async Task TableForm_HasKubectlsColumns_ForEveryKind()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent());
        var expected = new Dictionary<string, string[]>
        {
            ["/api/v1/nodes"] = ["Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"],
            ["/api/v1/pods"] = ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"],
            ["/apis/apps/v1/daemonsets"] = ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers", "Images", "Selector"],
            ["/apis/apps/v1/controllerrevisions"] = ["Name", "Controller", "Revision", "Age"],
            ["/api/v1/events"] = ["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"],
            ["/api/v1/namespaces"] = ["Name", "Status", "Age"],
        };
        foreach (var (path, columns) in expected)
        {
            var (status, table, _) = await Client.SendAsync(HttpMethod.Get, path, headers: new Dictionary<string, string> { ["Accept"] = TableAccept });
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(("meta.k8s.io/v1", "Table"), ((string?)table!["apiVersion"], (string?)table["kind"]));
            Assert.Equal(columns, table["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]));
            var list = await Client.GetJsonAsync(path);
            Assert.Equal(Names(list), table["rows"]!.AsArray().Select(r => (string?)r!["object"]!["metadata"]!["name"]));
            Assert.All(table["rows"]!.AsArray(), r => Assert.Equal(columns.Length, r!["cells"]!.AsArray().Count));
        }
        var ds = (await Client.SendAsync(HttpMethod.Get, "/apis/apps/v1/namespaces/default/daemonsets/agent",
            headers: new Dictionary<string, string> { ["Accept"] = TableAccept })).Body!;
        Assert.Equal(["agent", 1, 1, 0, 1, 0, "<none>"], ds["rows"]![0]!["cells"]!.AsArray().Take(7).Select(c => c!.GetValueKind() == System.Text.Json.JsonValueKind.Number ? (object)(int)c : (string)c!));
    }

    [Fact]
    public async Task Events_AreDerivedFromTheLog_AndSelectedByTheirInvolvedObject()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        await Client.PostAsync("/api/v1/nodes", Http.Node("n2"));
        var (_, created, _) = await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent());
        var uid = (string?)created!["metadata"]!["uid"];
        var first = (await Client.GetJsonAsync("/api/v1/namespaces/default/pods"))["items"]![0]!;
        var (pod, node) = ((string)first["metadata"]!["name"]!, (string)first["spec"]!["nodeName"]!);
        await Client.PutAsync($"/api/v1/namespaces/default/pods/{pod}/status", """{"status":{"phase":"Failed"}}""");

        var events = (await Client.GetJsonAsync($"/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DDaemonSet,involvedObject.uid%3D{uid}"))["items"]!.AsArray();
        var said = events.Select(e => ((string?)e!["type"], (string?)e["reason"], (string?)e["message"])).ToList();
        Assert.Equal(3, said.Count(s => s.Item2 == "SuccessfulCreate"));
        Assert.Contains(("Warning", "FailedDaemonPod", $"Found failed daemon pod default/{pod} on node {node}, will try to kill it"), said);
        Assert.Contains(("Normal", "SuccessfulDelete", $"Deleted pod: {pod}"), said);
        Assert.All(events, e => Assert.Equal(("daemonset-controller", "agent"), ((string?)e!["source"]!["component"], (string?)e["involvedObject"]!["name"])));

        var registered = (await Client.GetJsonAsync("/api/v1/events?fieldSelector=reason%3DRegisteredNode"))["items"]!.AsArray();
        Assert.Equal(["n1", "n2"], registered.Select(e => (string?)e!["involvedObject"]!["name"]));
        var name = (string)events[0]!["metadata"]!["name"]!;
        Assert.Equal(name, (string?)(await Client.GetJsonAsync($"/api/v1/namespaces/default/events/{name}"))["metadata"]!["name"]);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/events/agent.000000000000ff00")).Status);
        Assert.Equal(["default", "kube-system"], Names(await Client.GetJsonAsync("/api/v1/namespaces")));
    }

    /// <summary>A watch that ends by itself (timeoutSeconds): its lines.</summary>
    private async Task<List<JsonNode>> WatchAsync(string path)
    {
        using var response = await Client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
    }

    private static List<string?> Names(JsonNode list) => list["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]).ToList();
}
