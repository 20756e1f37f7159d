using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.History;

/// <summary>Placement history by revision across a rollout, a rollback and a node removal, interval by interval.</summary>
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

    private static string T(int seconds) => $"2026-01-01T00:{seconds / 60:00}:{seconds % 60:00}Z";

    private static List<(string, string, string?, string?)> Intervals(JsonNode placements) =>
        placements["items"]!.AsArray()
            .Select(i => ((string)i!["node"]!, (string)i["from"]!, (string?)i["to"], (string?)i["ended"]))
            .OrderBy(i => i.Item2, StringComparer.Ordinal).ThenBy(i => i.Item1, StringComparer.Ordinal).ToList();
}
