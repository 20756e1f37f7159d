using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.History;

/// <summary>GET /engine/v1/placement through HTTP: desired versus actual per node, the differences and their reasons.</summary>
public sealed class PlacementViewTests : ApiTest
{
    private const string Placement = "/engine/v1/placement?daemonset=default/agent";

    private async Task SendAsync(HttpMethod method, string path, string body, string type = "application/json")
    {
        var (status, answer, _) = await Client.SendAsync(method, path, body, type);
        Assert.True((int)status < 300, $"{method} {path}: {status} {answer}");
    }

    private Task JoinAsync(string name, string extra = "") => SendAsync(HttpMethod.Post, "/api/v1/nodes", Http.Node(name, extra));
    private Task CreateAgentAsync(string spec = "{}") => SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/daemonsets", Http.Agent(spec));

    private async Task<Dictionary<string, string>> PodsByNodeAsync() =>
        (await Client.GetJsonAsync("/api/v1/pods?daemonset=default/agent"))["items"]!.AsArray()
            .ToDictionary(p => (string)p!["spec"]!["nodeName"]!, p => (string)p!["metadata"]!["name"]!);

    private async Task ReadyAsync(string pod) => await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/default/pods/{pod}/status",
        """{"apiVersion":"v1","kind":"Pod","status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""");

    private static JsonNode NodeOf(JsonNode view, string node) => view["nodes"]!.AsArray().Single(n => (string)n!["node"]! == node)!;

    private static List<string> Kinds(JsonNode node) => node["differences"]!.AsArray().Select(d => (string)d!["kind"]!).ToList();

    private static (int, int, int, int, int, int) Summary(JsonNode view)
    {
        var s = view["summary"]!;
        return ((int)s["desired"]!, (int)s["actual"]!, (int)s["missing"]!, (int)s["misscheduled"]!, (int)s["outdated"]!, (int)s["notReady"]!);
    }

    [Fact]
    public async Task RolloutInProgress_ListsOutdatedNodesWithRevisionNumbers_AndTheNewPodNotReady()
    {
        foreach (var n in new[] { "node-1", "node-2", "node-3" }) await JoinAsync(n);
        await CreateAgentAsync();
        foreach (var pod in (await PodsByNodeAsync()).Values) await ReadyAsync(pod);
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/daemonsets/agent",
            """{"spec":{"template":{"spec":{"containers":[{"name":"agent","image":"agent:2"}]}}}}""", "application/merge-patch+json");

        var view = await Client.GetJsonAsync(Placement);

        Assert.Equal(2, (long)view["currentRevision"]!["revision"]!);
        Assert.Equal((3, 3, 0, 0, 2, 1), Summary(view));
        var updated = view["nodes"]!.AsArray().Single(n => Kinds(n!).Contains("notReady"))!;
        Assert.Equal(["notReady"], Kinds(updated));
        Assert.Equal(2, (long)updated["pods"]![0]!["revision"]!);
        Assert.True((bool)updated["pods"]![0]!["current"]!);
        var outdated = view["nodes"]!.AsArray().Where(n => Kinds(n!).Contains("outdated")).ToList();
        Assert.Equal(2, outdated.Count);
        foreach (var node in outdated)
        {
            var difference = node!["differences"]!.AsArray().Single()!;
            var pod = (string)node["pods"]![0]!["name"]!;
            Assert.Equal((pod, 1L, 2L), ((string?)difference["pod"], (long)difference["revision"]!, (long)difference["currentRevision"]!));
            Assert.Equal($"{pod} runs revision 1; the current revision is 2", (string?)difference["reason"]);
            Assert.False((bool)node["pods"]![0]!["current"]!);
        }
    }

    [Fact]
    public async Task NoScheduleTaint_ListsTheNodeAsMisscheduled_WithTheUntoleratedTaintAsReason()
    {
        await JoinAsync("node-1");
        await JoinAsync("node-2");
        await CreateAgentAsync();
        foreach (var pod in (await PodsByNodeAsync()).Values) await ReadyAsync(pod);
        await SendAsync(HttpMethod.Patch, "/api/v1/nodes/node-2",
            """{"spec":{"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]}}""", "application/merge-patch+json");
        var pods = await PodsByNodeAsync();

        var view = await Client.GetJsonAsync(Placement);

        Assert.Equal((1, 2, 0, 1, 0, 0), Summary(view));
        Assert.Empty(Kinds(NodeOf(view, "node-1")));
        var tainted = NodeOf(view, "node-2");
        Assert.Equal((false, true), ((bool)tainted["desired"]!, (bool)tainted["shouldContinueRunning"]!));
        Assert.Equal(pods["node-2"], (string?)tainted["pods"]![0]!["name"]);
        var difference = tainted["differences"]!.AsArray().Single()!;
        Assert.Equal(("misscheduled", pods["node-2"]), ((string?)difference["kind"], (string?)difference["pod"]));
        Assert.Equal("no pod should be created here (taint dedicated=gpu:NoSchedule is not tolerated); a running pod may stay",
            (string?)difference["reason"]);
    }

    [Fact]
    public async Task ANodeThatJustJoined_IsMissing_ThenItsPendingPodIsNotReady()
    {
        await JoinAsync("node-1");
        await CreateAgentAsync();
        await ReadyAsync((await PodsByNodeAsync())["node-1"]);
        await JoinAsync("node-2");
        var joined = (await Client.EventsAsync()).Single(e => (string)e["type"]! == "node_joined.v1" && (string)e["data"]!["node"]! == "node-2");

        var then = await Client.GetJsonAsync(Placement + $"&at={joined["seq"]}");
        Assert.Equal((2, 1, 1, 0, 0, 0), Summary(then));
        var missing = NodeOf(then, "node-2");
        Assert.Equal((true, 0), ((bool)missing["desired"]!, missing["pods"]!.AsArray().Count));
        Assert.Equal("a pod should run here and there is none", (string?)missing["differences"]![0]!["reason"]);
        Assert.Equal(["missing"], Kinds(missing));

        var now = await Client.GetJsonAsync(Placement);
        Assert.Equal((2, 2, 0, 0, 0, 1), Summary(now));
        var pending = NodeOf(now, "node-2");
        Assert.Equal(["notReady"], Kinds(pending));
        Assert.Equal($"{(await PodsByNodeAsync())["node-2"]} is Pending and not Ready", (string?)pending["differences"]![0]!["reason"]);
    }

    [Fact]
    public async Task NodesWhereItNeitherShouldRunNorRuns_AreLeftOut_UnlessAll_InNaturalNameOrder()
    {
        await JoinAsync("node-10", ",\"labels\":{\"role\":\"logging\"}");
        await JoinAsync("node-9");
        await JoinAsync("node-2", ",\"labels\":{\"role\":\"logging\"}");
        await CreateAgentAsync("""{"nodeSelector":{"role":"logging"}}""");

        var view = await Client.GetJsonAsync(Placement);
        Assert.Equal(["node-2", "node-10"], view["nodes"]!.AsArray().Select(n => (string)n!["node"]!));

        var all = await Client.GetJsonAsync(Placement + "&all=true");
        Assert.Equal(["node-2", "node-9", "node-10"], all["nodes"]!.AsArray().Select(n => (string)n!["node"]!));
        var unselected = NodeOf(all, "node-9");
        Assert.Equal((false, false), ((bool)unselected["desired"]!, (bool)unselected["shouldContinueRunning"]!));
        Assert.Empty(Kinds(unselected));
        Assert.Equal(Summary(view), Summary(all));
    }

    [Fact]
    public async Task AtAnRfc3339Time_ShowsPlacementAsItWasThen()
    {
        await JoinAsync("node-1");
        await CreateAgentAsync();
        var last = (await Client.EventsAsync())[^1];
        await SendAsync(HttpMethod.Post, "/engine/v1/clock", """{"advanceSeconds": 60}""");
        await SendAsync(HttpMethod.Patch, "/api/v1/nodes/node-1",
            """{"spec":{"taints":[{"key":"dedicated","effect":"NoExecute"}]}}""", "application/merge-patch+json");
        var halfway = DateTimeOffset.Parse((string)last["recordedAt"]!, CultureInfo.InvariantCulture).AddSeconds(30);

        var then = await Client.GetJsonAsync(Placement + "&at=" + Uri.EscapeDataString(halfway.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture)));
        var now = await Client.GetJsonAsync(Placement);

        Assert.Equal(((long)last["seq"]!, (string?)last["recordedAt"]), ((long)then["at"]!["seq"]!, (string?)then["at"]!["time"]));
        Assert.Equal((1, 1, 0, 0, 0, 1), Summary(then));
        Assert.Equal((0, 0, 0, 0, 0, 0), Summary(now));
        Assert.Empty(now["nodes"]!.AsArray());
    }

    [Fact]
    public async Task UnknownDaemonSet_Is404_AlsoBeforeItWasCreated_AndBadParameters_Are400Or422()
    {
        await JoinAsync("node-1");
        var before = (long)(await Client.EventsAsync())[^1]["seq"]!;
        await CreateAgentAsync();

        await AssertProblemAsync("/engine/v1/placement?daemonset=default/other", HttpStatusCode.NotFound, "daemonset");
        await AssertProblemAsync(Placement + $"&at={before}", HttpStatusCode.NotFound, "daemonset");
        await AssertProblemAsync(Placement + "&at=2024-13-45", HttpStatusCode.BadRequest, "at");
        await AssertProblemAsync("/engine/v1/placement", HttpStatusCode.UnprocessableEntity, "daemonset");
    }

    private async Task AssertProblemAsync(string path, HttpStatusCode expected, string field)
    {
        var (status, body, response) = await Client.SendAsync(HttpMethod.Get, path);
        Assert.Equal(expected, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([field], body.Fields());
    }
}
