using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.History;

/// <summary>Placement history by revision across rollouts, rollbacks, node removals and deletes, interval by interval; paged.</summary>
public sealed class PlacementHistoryTests
{
    private const string Ds = "/apis/apps/v1/namespaces/default/daemonsets/agent";

    private static string Manifest(string image) => """
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "default"},
         "spec": {"selector": {"matchLabels": {"app": "agent"}},
                  "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 3}},
                  "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "a", "image": "IMAGE"}]}}}}
        """.Replace("IMAGE", image);

    [Fact]
    public async Task Intervals_FollowRolloutRollbackAndNodeRemoval_Exactly()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, kubelet: true);
        var c = api.Client;
        await c.PostAsync("/engine/v1/apply", $"[{Http.Node("node-0")},{Http.Node("node-1")},{Http.Node("node-2")}]");
        await c.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Manifest("agent:v1"));       // t0: revision 1 everywhere
        await c.PostAsync("/engine/v1/clock", """{"advanceSeconds": 58}""");                          // ready at t2
        await c.PatchAsync(Ds, """{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"agent:v2"}]}}}}"""); // t58: revision 2
        await c.PostAsync("/engine/v1/clock", """{"advanceSeconds": 62}""");                          // t120
        var (status, _, _) = await c.PostAsync(Ds + "/rollback", """{"toRevision": 1}""");            // t120: revision 1 comes back as 3
        Assert.Equal(HttpStatusCode.OK, status);
        await c.PostAsync("/engine/v1/clock", """{"advanceSeconds": 60}""");                          // t180
        await c.DeleteJsonAsync("/api/v1/nodes/node-2");                                               // t180: node-2 leaves

        var revisions = (await c.GetJsonAsync(Ds + "/revisions"))["items"]!.AsArray();
        Assert.Equal([2L, 3L], revisions.Select(r => (long)r!["revision"]!));

        var restored = await c.GetJsonAsync("/engine/v1/daemonsets/default/agent/revisions/3/placements");
        Assert.Equal(
            [
                ("node-0", T(0), T(58), "rolled forward"), ("node-1", T(0), T(58), "rolled forward"), ("node-2", T(0), T(58), "rolled forward"),
                ("node-0", T(120), null, null), ("node-1", T(120), null, null), ("node-2", T(120), T(180), "node removed"),
            ],
            Intervals(restored));
        Assert.Equal("""{"nodesReached":3,"first":"2026-01-01T00:00:00Z","last":null,"current":2}""", restored["summary"]!.ToJsonString());

        var replaced = await c.GetJsonAsync("/engine/v1/daemonsets/default/agent/revisions/2/placements");
        Assert.Equal(
            [("node-0", T(58), T(120), "rolled back"), ("node-1", T(58), T(120), "rolled back"), ("node-2", T(58), T(120), "rolled back")],
            Intervals(replaced));
        Assert.Equal("""{"nodesReached":3,"first":"2026-01-01T00:00:58Z","last":"2026-01-01T00:02:00Z","current":0}""", replaced["summary"]!.ToJsonString());
        Assert.Equal(replaced["summary"]!.ToJsonString(), revisions[0]!["summary"]!.ToJsonString());
        Assert.Equal(restored["summary"]!.ToJsonString(), revisions[1]!["summary"]!.ToJsonString());

        Assert.Equal(HttpStatusCode.NotFound, (await c.SendAsync(HttpMethod.Get, "/engine/v1/daemonsets/default/agent/revisions/1/placements")).Status);
    }

    [Fact]
    public async Task DeletedDaemonSet_KeepsItsHistory_AndOneRecreatedUnderItsName_DoesNotInheritIt()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, kubelet: true);
        var c = api.Client;
        await c.PostAsync("/engine/v1/apply", $"[{Http.Node("node-0")},{Http.Node("node-1")},{Http.Node("node-2")}]");
        await c.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Manifest("agent:v1"));       // t0: revision 1
        await c.PostAsync("/engine/v1/clock", """{"advanceSeconds": 58}""");
        await c.PatchAsync(Ds, """{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"agent:v2"}]}}}}"""); // t58: revision 2
        await c.PostAsync("/engine/v1/clock", """{"advanceSeconds": 62}""");
        var oldUid = (string)(await c.GetJsonAsync(Ds))["metadata"]!["uid"]!;
        Assert.Equal(HttpStatusCode.OK, (await c.DeleteJsonAsync(Ds + "?propagationPolicy=Background")).Status); // t120

        // the DaemonSet is gone, its history is not
        var gone = await c.GetJsonAsync("/engine/v1/daemonsets/default/agent/revisions/2/placements");
        Assert.Equal(
            [("node-0", T(58), T(120), "daemonset deleted"), ("node-1", T(58), T(120), "daemonset deleted"), ("node-2", T(58), T(120), "daemonset deleted")],
            Intervals(gone));
        Assert.Equal((oldUid, T(120), false), ((string)gone["uid"]!, (string?)gone["deletedAt"], (bool)gone["current"]!));
        Assert.Equal("""{"nodesReached":3,"first":"2026-01-01T00:00:58Z","last":"2026-01-01T00:02:00Z","current":0}""", gone["summary"]!.ToJsonString());
        var first = await c.GetJsonAsync("/engine/v1/daemonsets/default/agent/revisions/1/placements");
        Assert.Equal(
            [("node-0", T(0), T(58), "rolled forward"), ("node-1", T(0), T(58), "rolled forward"), ("node-2", T(0), T(58), "rolled forward")],
            Intervals(first));
        Assert.Equal(HttpStatusCode.NotFound, (await c.SendAsync(HttpMethod.Get, "/engine/v1/daemonsets/default/agent/revisions/3/placements")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await c.SendAsync(HttpMethod.Get, "/engine/v1/daemonsets/default/other/revisions/1/placements")).Status);

        // recreated with the template it had when deleted: the same hash, a new uid, a history of its own
        await c.PostAsync("/engine/v1/clock", """{"advanceSeconds": 60}""");
        await c.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Manifest("agent:v2"));       // t180: revision 1 again
        var newUid = (string)(await c.GetJsonAsync(Ds))["metadata"]!["uid"]!;
        Assert.NotEqual(oldUid, newUid);
        var pods = (await c.GetJsonAsync("/api/v1/pods?daemonset=default/agent"))["items"]!.AsArray()
            .Select(p => (string)p!["metadata"]!["name"]!).Order(StringComparer.Ordinal).ToList();
        var recreated = await c.GetJsonAsync("/engine/v1/daemonsets/default/agent/revisions/1/placements");
        Assert.Equal((string)gone["hash"]!, (string)recreated["hash"]!);
        Assert.Equal((newUid, null, true), ((string)recreated["uid"]!, (string?)recreated["deletedAt"], (bool)recreated["current"]!));
        Assert.Equal([("node-0", T(180), null, null), ("node-1", T(180), null, null), ("node-2", T(180), null, null)], Intervals(recreated));
        Assert.Equal(pods, recreated["items"]!.AsArray().Select(i => (string)i!["pod"]!).Order(StringComparer.Ordinal));
        Assert.Equal("""{"nodesReached":3,"first":"2026-01-01T00:03:00Z","last":null,"current":3}""", recreated["summary"]!.ToJsonString());
        var revisions = (await c.GetJsonAsync(Ds + "/revisions"))["items"]!.AsArray();
        Assert.Equal([1L], revisions.Select(r => (long)r!["revision"]!));
        Assert.Equal(recreated["summary"]!.ToJsonString(), revisions[0]!["summary"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, (await c.SendAsync(HttpMethod.Get, "/engine/v1/daemonsets/default/agent/revisions/2/placements")).Status);
    }

    [Fact]
    public async Task RevisionPlacements_ArePaged_WithTheSummaryOfThemAll()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, kubelet: true);
        var c = api.Client;
        await c.PostAsync("/engine/v1/apply", "[" + string.Join(",", Enumerable.Range(0, 5).Select(i => Http.Node($"node-{i}"))) + "]");
        await c.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Manifest("agent:v1"));
        await c.PostAsync("/engine/v1/clock", """{"advanceSeconds": 10}""");
        await c.DeleteJsonAsync("/api/v1/nodes/node-4");
        const string Path = "/engine/v1/daemonsets/default/agent/revisions/1/placements";
        var all = await c.GetJsonAsync(Path);
        Assert.Equal(5, all["items"]!.AsArray().Count);
        Assert.Null(all["continue"]);

        var pages = new List<JsonNode>();
        string? token = null;
        do
        {
            var page = await c.GetJsonAsync(Path + "?limit=2" + (token is null ? "" : "&continue=" + Uri.EscapeDataString(token)));
            pages.Add(page);
            token = (string?)page["continue"];
        }
        while (token is not null);
        Assert.Equal([2, 2, 1], pages.Select(p => p["items"]!.AsArray().Count));
        Assert.Equal(all["items"]!.ToJsonString(), new JsonArray(pages.SelectMany(p => p["items"]!.AsArray()).Select(i => i!.DeepClone()).ToArray()).ToJsonString());
        Assert.All(pages, p => Assert.Equal("""{"nodesReached":5,"first":"2026-01-01T00:00:00Z","last":null,"current":4}""", p["summary"]!.ToJsonString()));

        var (status, problem, _) = await c.SendAsync(HttpMethod.Get, Path + "?continue=not-a-token");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["continue"], problem.Fields());
    }

    [Fact]
    public async Task RevisionsList_IsPaged()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, kubelet: true);
        var c = api.Client;
        await c.PostAsync("/engine/v1/apply", Http.Node("node-0"));
        await c.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Manifest("agent:v1"));
        foreach (var image in new[] { "agent:v2", "agent:v3" })
        {
            await c.PostAsync("/engine/v1/clock", """{"advanceSeconds": 10}""");
            await c.PatchAsync(Ds, """{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"IMAGE"}]}}}}""".Replace("IMAGE", image));
        }
        var all = await c.GetJsonAsync(Ds + "/revisions");
        Assert.Equal([1L, 2L, 3L], all["items"]!.AsArray().Select(r => (long)r!["revision"]!));
        Assert.Equal(("apps/v1", "ControllerRevisionList"), ((string)all["apiVersion"]!, (string)all["kind"]!));

        var first = await c.GetJsonAsync(Ds + "/revisions?limit=2");
        Assert.Equal([1L, 2L], first["items"]!.AsArray().Select(r => (long)r!["revision"]!));
        var token = (string)first["continue"]!;
        Assert.Equal(token, (string?)first["metadata"]!["continue"]);
        var second = await c.GetJsonAsync(Ds + "/revisions?limit=2&continue=" + Uri.EscapeDataString(token));
        Assert.Equal([3L], second["items"]!.AsArray().Select(r => (long)r!["revision"]!));
        Assert.Null(second["continue"]);
        Assert.Equal(all["items"]!.ToJsonString(),
            new JsonArray(first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(i => i!.DeepClone()).ToArray()).ToJsonString());

        var (status, problem, _) = await c.SendAsync(HttpMethod.Get, Ds + "/revisions?continue=not-a-token");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["continue"], problem.Fields());
        Assert.Equal(HttpStatusCode.NotFound, (await c.SendAsync(HttpMethod.Get, "/apis/apps/v1/namespaces/default/daemonsets/nope/revisions?limit=1")).Status);
    }

    [Fact]
    public async Task PodRelabelledByRevisionDedup_MovesFromOneRevisionsHistoryToTheOther()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        var c = api.Client;
        static string Agent(string name, string image) => Manifest(image).Replace("\"name\": \"agent\", \"namespace\"", $"\"name\": \"{name}\", \"namespace\"")
            .Replace("\"type\": \"RollingUpdate\", \"rollingUpdate\": {\"maxUnavailable\": 3}", "\"type\": \"OnDelete\"");
        await c.PostAsync("/api/v1/nodes", Http.Node("node-0"));
        // a keeps its agent:v1 pod through an OnDelete update; b shares the agent:v2 template; both are orphan-deleted
        await c.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Agent("a", "agent:v1"));
        await c.PutAsync("/apis/apps/v1/namespaces/default/daemonsets/a", Agent("a", "agent:v2"));
        await c.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Agent("b", "agent:v2"));
        await c.PostAsync("/engine/v1/clock", """{"advanceSeconds": 10}""");
        await c.DeleteJsonAsync("/apis/apps/v1/namespaces/default/daemonsets/a?propagationPolicy=Orphan");
        await c.DeleteJsonAsync("/apis/apps/v1/namespaces/default/daemonsets/b?propagationPolicy=Orphan");
        await c.PostAsync("/engine/v1/clock", """{"advanceSeconds": 10}""");
        var (created, body, _) = await c.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Agent("z", "agent:v2"));
        Assert.True(created == HttpStatusCode.Created, body?.ToJsonString());

        var revisions = (await c.GetJsonAsync("/apis/apps/v1/namespaces/default/daemonsets/z/revisions"))["items"]!.AsArray();
        Assert.Equal([1L, 2L], revisions.Select(r => (long)r!["revision"]!));
        // revision 1 (agent:v1): a's old pod, adopted at t20 and relabelled to revision 2's hash at once
        var first = await c.GetJsonAsync("/engine/v1/daemonsets/default/z/revisions/1/placements");
        Assert.Equal([("node-0", T(20), T(20), "relabelled")], Intervals(first));
        var second = (await c.GetJsonAsync("/engine/v1/daemonsets/default/z/revisions/2/placements"))["items"]!.AsArray();
        Assert.Contains(second, i => (string?)i!["ended"] is null && (string)i["from"]! == T(20));

        var live = await db.ScalarAsync<string>("select string_agg(concat_ws('|', pod, hash, from_seq, to_seq, end_reason), ',' order by pod, from_seq) from proj_placements");
        await c.PostAsync("/engine/v1/projections/rebuild", "{}");
        Assert.Equal(live, await db.ScalarAsync<string>("select string_agg(concat_ws('|', pod, hash, from_seq, to_seq, end_reason), ',' order by pod, from_seq) from proj_placements"));
    }

    private static string T(int seconds) => $"2026-01-01T00:{seconds / 60:00}:{seconds % 60:00}Z";

    private static List<(string, string, string?, string?)> Intervals(JsonNode placements) =>
        placements["items"]!.AsArray()
            .Select(i => ((string)i!["node"]!, (string)i["from"]!, (string?)i["to"], (string?)i["ended"]))
            .OrderBy(i => i.Item2, StringComparer.Ordinal).ThenBy(i => i.Item1, StringComparer.Ordinal).ToList();
}
