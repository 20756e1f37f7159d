using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.History;

/// <summary>GET /engine/v1/explain through HTTP: the decision rule by rule, the pod there, and what last changed it.</summary>
public sealed class ExplainTests : ApiTest
{
    private const string Explain = "/engine/v1/explain?daemonset=default/agent";

    private async Task SendAsync(HttpMethod method, string path, string body, string type = "application/json", string actor = "tester")
    {
        var (status, answer, _) = await Client.SendAsync(method, path, body, type, new Dictionary<string, string> { ["X-Actor"] = actor });
        Assert.True((int)status < 300, $"{method} {path}: {status} {answer}");
    }

    private Task JoinAsync(string name, string extra = "") => SendAsync(HttpMethod.Post, "/api/v1/nodes", Http.Node(name, extra));
    private Task CreateAgentAsync(string spec = "{}") => SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/daemonsets", Http.Agent(spec));
    private Task PatchNodeAsync(string name, string patch, string actor = "tester") =>
        SendAsync(HttpMethod.Patch, $"/api/v1/nodes/{name}", patch, "application/merge-patch+json", actor);

    private async Task<JsonNode> LastEventAsync(string type) => (await Client.EventsAsync()).Last(e => (string)e["type"]! == type);
    private async Task<long> HeadAsync() => (long)(await Client.EventsAsync())[^1]["seq"]!;

    private static JsonNode Rule(JsonNode explanation, string rule, int index = 0) =>
        explanation["rules"]!.AsArray().Where(r => (string)r!["kind"]! == rule).ElementAt(index)!;

    private static (bool, bool)? Answer(JsonNode? answer) =>
        answer is null ? null : ((bool)answer["shouldRun"]!, (bool)answer["shouldContinueRunning"]!);

    [Fact]
    public async Task NodeSelectorMismatch_IsExplainedByTheSelectorRule_WithTheLabelValues()
    {
        await JoinAsync("node-1", ",\"labels\":{\"disk\":\"hdd\"}");
        await CreateAgentAsync("""{"nodeSelector":{"disk":"ssd"}}""");

        var explanation = await Client.GetJsonAsync(Explain + "&node=node-1");

        Assert.False((bool)explanation["shouldRun"]!);
        Assert.False((bool)explanation["shouldContinueRunning"]!);
        var rule = Rule(explanation, "nodeSelector");
        Assert.False((bool)rule["satisfied"]!);
        Assert.Equal("nodeSelector disk=ssd does not match: node has disk=hdd", (string?)rule["message"]);
        Assert.Equal("no pod should run here: nodeSelector disk=ssd does not match: node has disk=hdd", (string?)explanation["summary"]);
        Assert.False((bool)explanation["running"]!);
        Assert.Empty(explanation["pods"]!.AsArray());
    }

    [Fact]
    public async Task CordonedNode_ForADaemonSetWithoutSelector_ListsEveryRuleSatisfied_CordonIncluded()
    {
        await JoinAsync("node-1", "},\"spec\":{\"unschedulable\":true,\"taints\":[{\"key\":\"node.kubernetes.io/unschedulable\",\"effect\":\"NoSchedule\"}]},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]");
        await CreateAgentAsync();

        var explanation = await Client.GetJsonAsync(Explain + "&node=node-1");

        Assert.Equal((true, true), Answer(explanation));
        var rules = explanation["rules"]!.AsArray();
        Assert.Equal(["nodeName", "nodeSelector", "nodeAffinity", "taint", "unschedulable", "nodeCondition"], rules.Select(r => (string)r!["kind"]!));
        Assert.All(rules, r => Assert.True((bool)r!["satisfied"]!, r!.ToJsonString()));
        Assert.All(rules, r => Assert.False(string.IsNullOrWhiteSpace((string?)r!["message"])));
        Assert.Equal("the template has no nodeSelector: any node", (string?)Rule(explanation, "nodeSelector")["message"]);
        var cordon = Rule(explanation, "unschedulable");
        Assert.True((bool)cordon["unschedulable"]!);
        Assert.Contains("ignore cordon", (string?)cordon["message"]);
        Assert.True((bool)Rule(explanation, "taint")["automatic"]!);
        Assert.Equal(("node.kubernetes.io/unschedulable", "NoSchedule"), ((string?)Rule(explanation, "taint")["toleratedBy"]!["key"], (string?)Rule(explanation, "taint")["effect"]));
        var decisions = explanation["decisions"]!;
        Assert.Equal((true, "every rule is satisfied"), ((bool)decisions["shouldRun"]!["value"]!, (string?)decisions["shouldRun"]!["because"]));
        Assert.Empty(decisions["shouldContinueRunning"]!["decidedBy"]!.AsArray());
    }

    [Fact]
    public async Task EachAnswer_NamesTheRulesThatDecidedIt()
    {
        await JoinAsync("node-1");
        await CreateAgentAsync();
        await PatchNodeAsync("node-1", """{"spec":{"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]}}""");

        var decisions = (await Client.GetJsonAsync(Explain + "&node=node-1"))["decisions"]!;

        var shouldRun = decisions["shouldRun"]!;
        Assert.False((bool)shouldRun["value"]!);
        var decidedBy = Assert.Single(shouldRun["decidedBy"]!.AsArray())!;
        Assert.Equal(("taint", "NoSchedule", false), ((string?)decidedBy["kind"], (string?)decidedBy["effect"], (bool)decidedBy["satisfied"]!));
        Assert.Equal("taint dedicated=gpu:NoSchedule is not tolerated", (string?)shouldRun["because"]);
        Assert.True((bool)decisions["shouldContinueRunning"]!["value"]!);
        Assert.Equal("node name and node selection hold and every NoExecute taint is tolerated", (string?)decisions["shouldContinueRunning"]!["because"]);
    }

    [Fact]
    public async Task UntoleratedNoExecuteTaint_IsNamed_AndNoPodMayRunOrStay()
    {
        await JoinAsync("node-1");
        await CreateAgentAsync();
        await PatchNodeAsync("node-1", """{"spec":{"taints":[{"key":"dedicated","value":"gpu","effect":"NoExecute"}]}}""");

        var explanation = await Client.GetJsonAsync(Explain + "&node=node-1");

        Assert.Equal((false, false), Answer(explanation));
        var rule = Rule(explanation, "taint");
        Assert.False((bool)rule["satisfied"]!);
        Assert.Equal("taint dedicated=gpu:NoExecute is not tolerated", (string?)rule["message"]);
        Assert.False((bool)explanation["running"]!);
    }

    [Fact]
    public async Task AutomaticToleration_IsReportedAsAutomatic_AndTheRunningPodIsShownWithItsRevision()
    {
        await JoinAsync("node-1", "},\"spec\":{\"taints\":[{\"key\":\"node.kubernetes.io/unschedulable\",\"effect\":\"NoSchedule\"}]");
        await CreateAgentAsync();
        var pod = (await Client.GetJsonAsync("/api/v1/pods?daemonset=default/agent"))["items"]![0]!;
        var revision = (await Client.GetJsonAsync("/apis/apps/v1/namespaces/default/daemonsets/agent/revisions"))["items"]![0]!;

        var explanation = await Client.GetJsonAsync(Explain + "&node=node-1");

        Assert.Equal((true, true), Answer(explanation));
        var rule = Rule(explanation, "taint");
        Assert.True((bool)rule["satisfied"]!);
        Assert.Equal("taint node.kubernetes.io/unschedulable:NoSchedule is tolerated by the automatic DaemonSet toleration "
            + "node.kubernetes.io/unschedulable:NoSchedule", (string?)rule["message"]);
        Assert.Equal("a pod should run here: every rule is satisfied", (string?)explanation["summary"]);
        Assert.True((bool)explanation["running"]!);
        var shown = explanation["pods"]!.AsArray().Single()!;
        Assert.Equal((string?)pod["metadata"]!["name"], (string?)shown["name"]);
        Assert.Equal(("Pending", false, false), ((string?)shown["phase"], (bool)shown["ready"]!, (bool)shown["terminating"]!));
        Assert.Equal(1, (long)shown["revision"]!);
        Assert.Equal((string?)revision["hash"], (string?)shown["hash"]);
        Assert.True((bool)shown["current"]!);
    }

    [Fact]
    public async Task EachRequiredAffinityTerm_IsARule_AndOneMatchingTermIsEnough()
    {
        await JoinAsync("node-1", ",\"labels\":{\"zone\":\"b\"}");
        await CreateAgentAsync("""
            {"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
              {"matchExpressions":[{"key":"zone","operator":"In","values":["a"]}]},
              {"matchExpressions":[{"key":"zone","operator":"In","values":["b","c"]}]}]}}}}
            """);

        var explanation = await Client.GetJsonAsync(Explain + "&node=node-1");

        Assert.Equal((true, true), Answer(explanation));
        Assert.False((bool)Rule(explanation, "nodeAffinity", 0)["satisfied"]!);
        Assert.StartsWith("required node affinity term 0: ", (string?)Rule(explanation, "nodeAffinity", 0)["message"]);
        Assert.True((bool)Rule(explanation, "nodeAffinity", 1)["satisfied"]!);
        Assert.StartsWith("required node affinity term 1 (", (string?)Rule(explanation, "nodeAffinity", 1)["message"]);
    }

    [Fact]
    public async Task AtBeforeATaint_GivesTheOldAnswer_AndNowTheTaintIsTheLastChange()
    {
        await JoinAsync("node-1");
        await CreateAgentAsync();
        var created = await LastEventAsync("daemonset_created.v1");
        var beforeTaint = await HeadAsync();
        await PatchNodeAsync("node-1", """{"spec":{"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]}}""", actor: "alice");
        var taint = await LastEventAsync("node_taints_changed.v1");

        var then = await Client.GetJsonAsync(Explain + $"&node=node-1&at={beforeTaint}");
        Assert.Equal((true, true), Answer(then));
        Assert.Equal(beforeTaint, (long)then["at"]!["seq"]!);
        Assert.Equal((long)created["seq"]!, (long)then["lastChange"]!["seq"]!);
        Assert.Equal("daemonset_created.v1", (string?)then["lastChange"]!["type"]);
        Assert.Null(then["lastChange"]!["before"]);
        Assert.True(then["lastChange"]!.AsObject().ContainsKey("before"));
        Assert.Equal((true, true), Answer(then["lastChange"]!["after"]));

        var now = await Client.GetJsonAsync(Explain + "&node=node-1");
        Assert.Equal((false, true), Answer(now));
        Assert.Equal("no new pod should be created here, but a running one may stay: taint dedicated=gpu:NoSchedule is not tolerated",
            (string?)now["summary"]);
        Assert.True((bool)now["running"]!);
        var change = now["lastChange"]!;
        Assert.Equal(((long)taint["seq"]!, (string?)taint["id"]), ((long)change["seq"]!, (string?)change["id"]));
        Assert.Equal(("node_taints_changed.v1", "node-node-1", "alice"), ((string?)change["type"], (string?)change["stream"], (string?)change["actor"]));
        Assert.Equal((string?)taint["recordedAt"], (string?)change["recordedAt"]);
        Assert.Equal((true, true), Answer(change["before"]));
        Assert.Equal((false, true), Answer(change["after"]));
    }

    [Fact]
    public async Task LastChange_IsTheLabelPatchThatFlippedTheAnswer_NotALaterLabelChangeThatDidNot()
    {
        await JoinAsync("node-1");
        await CreateAgentAsync("""{"nodeSelector":{"role":"logging"}}""");
        await PatchNodeAsync("node-1", """{"metadata":{"labels":{"role":"logging"}}}""", actor: "alice");
        var flip = await LastEventAsync("node_labels_changed.v1");
        await PatchNodeAsync("node-1", """{"metadata":{"labels":{"team":"observability"}}}""", actor: "bob");
        Assert.NotEqual((long)flip["seq"]!, (long)(await LastEventAsync("node_labels_changed.v1"))["seq"]!);

        var change = (await Client.GetJsonAsync(Explain + "&node=node-1"))["lastChange"]!;

        Assert.Equal((long)flip["seq"]!, (long)change["seq"]!);
        Assert.Equal(("node_labels_changed.v1", "alice"), ((string?)change["type"], (string?)change["actor"]));
        Assert.Equal((false, false), Answer(change["before"]));
        Assert.Equal((true, true), Answer(change["after"]));
    }

    [Fact]
    public async Task ANodeThatLeftAndRejoined_HasItsRejoinAsTheLastChange_FromNoAnswerAtAll()
    {
        await JoinAsync("node-1");
        await CreateAgentAsync();
        await SendAsync(HttpMethod.Delete, "/api/v1/nodes/node-1", "");
        await JoinAsync("node-1");
        var rejoined = await LastEventAsync("node_joined.v1");

        var change = (await Client.GetJsonAsync(Explain + "&node=node-1"))["lastChange"]!;

        Assert.Equal(((long)rejoined["seq"]!, "node_joined.v1"), ((long)change["seq"]!, (string?)change["type"]));
        Assert.Null(change["before"]);
        Assert.Equal((true, true), Answer(change["after"]));
    }

    [Fact]
    public async Task AtAnRfc3339Time_AnswersForTheLastEventRecordedByThen()
    {
        await JoinAsync("node-1");
        await CreateAgentAsync();
        var last = (await Client.EventsAsync())[^1];
        await SendAsync(HttpMethod.Post, "/engine/v1/clock", """{"advanceSeconds": 60}""");
        await PatchNodeAsync("node-1", """{"spec":{"taints":[{"key":"dedicated","effect":"NoExecute"}]}}""");
        var halfway = DateTimeOffset.Parse((string)last["recordedAt"]!, System.Globalization.CultureInfo.InvariantCulture).AddSeconds(30);

        var then = await Client.GetJsonAsync(Explain + $"&node=node-1&at={Uri.EscapeDataString(halfway.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture))}");

        Assert.Equal(((long)last["seq"]!, (string?)last["recordedAt"]), ((long)then["at"]!["seq"]!, (string?)then["at"]!["time"]));
        Assert.Equal((true, true), Answer(then));
        Assert.Equal((false, false), Answer(await Client.GetJsonAsync(Explain + "&node=node-1")));
    }

    [Fact]
    public async Task UnknownDaemonSetOrNode_Is404_NamingIt()
    {
        await JoinAsync("node-1");
        var nodeJoined = await HeadAsync();
        await CreateAgentAsync();

        await AssertProblemAsync(Explain + "&node=node-9", HttpStatusCode.NotFound, "node");
        await AssertProblemAsync("/engine/v1/explain?daemonset=default/other&node=node-1", HttpStatusCode.NotFound, "daemonset");
        var (_, body) = await AssertProblemAsync(Explain + $"&node=node-1&at={nodeJoined}", HttpStatusCode.NotFound, "daemonset");
        Assert.Equal($"daemonset default/agent does not exist at seq {nodeJoined}", (string?)body["detail"]);
    }

    [Fact]
    public async Task MalformedAt_Is400_AndMissingOrMalformedParameters_Are422_NamingThem()
    {
        await AssertProblemAsync(Explain + "&node=node-1&at=yesterday", HttpStatusCode.BadRequest, "at");
        await AssertProblemAsync(Explain, HttpStatusCode.UnprocessableEntity, "node");
        await AssertProblemAsync("/engine/v1/explain?node=node-1", HttpStatusCode.UnprocessableEntity, "daemonset");
        await AssertProblemAsync("/engine/v1/explain?daemonset=agent&node=node-1", HttpStatusCode.UnprocessableEntity, "daemonset");
    }

    private async Task<(HttpStatusCode, JsonNode)> AssertProblemAsync(string path, HttpStatusCode expected, string field)
    {
        var (status, body, response) = await Client.SendAsync(HttpMethod.Get, path);
        Assert.Equal(expected, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([field], body.Fields());
        return (status, body!);
    }
}
