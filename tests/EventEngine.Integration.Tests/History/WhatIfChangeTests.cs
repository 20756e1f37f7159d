using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;

namespace EventEngine.Integration.Tests.History;

/// <summary>
/// What-if with patchDaemonSet, apply and patchNode on a small history: nodes node-0..2 (zone a, a, b) run agent
/// (OnDelete, so a template change replaces nothing by itself); then node-3 (zone b) and node-4 (zone a) join.
/// </summary>
public sealed class WhatIfChangeTests : ApiTest
{
    private long _from;
    private long _node3;
    private long _node4;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Client.PostAsync("/engine/v1/apply", $"[{Node("node-0", "a")},{Node("node-1", "a")},{Node("node-2", "b")}]");
        await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", """
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"default"},
             "spec":{"selector":{"matchLabels":{"app":"agent"}},"updateStrategy":{"type":"OnDelete"},
                     "template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"agent","image":"agent:1"}]}}}}
            """);
        _from = await HeadAsync();
        await Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 10}""");
        await Client.PostAsync("/api/v1/nodes", Node("node-3", "b"));
        _node3 = _from + 1;
        await Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 10}""");
        _node4 = await HeadAsync() + 1;
        await Client.PostAsync("/api/v1/nodes", Node("node-4", "a"));
    }

    [Fact]
    public async Task PatchDaemonSet_NarrowingItsNodeSelector_RemovesThePodOnTheOtherZone_AndSkipsTheNodeThatJoinsThere()
    {
        var result = await ReplayAsync(new JsonObject { ["at"] = _from, ["patchDaemonSet"] = new JsonObject
        {
            ["daemonset"] = "default/agent",
            ["patch"] = JsonNode.Parse("""{"spec":{"template":{"spec":{"nodeSelector":{"zone":"a"}}}}}"""),
        } });
        Assert.Equal([(_from, "default/agent", "node-2", "unchanged", "removed (Misscheduled)"), (_node3, "default/agent", "node-3", "created", "unchanged")],
            Differences(result));
        Assert.Equal("""{"daemonSet":"default/agent","real":{"created":2,"removed":0,"evicted":0},"replay":{"created":1,"removed":1,"evicted":0},"endOnlyReal":["node-2","node-3"],"endOnlyReplay":[]}""",
            result["summary"]!["daemonSets"]!.ToJsonString()[1..^1]);
    }

    [Fact]
    public async Task Apply_ADaemonSetForZoneB_RunsItThereFromThatPoint_AndOnTheZoneBNodeThatJoinsLater()
    {
        var probe = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"probe","namespace":"default"},
             "spec":{"selector":{"matchLabels":{"app":"probe"}},
                     "template":{"metadata":{"labels":{"app":"probe"}},"spec":{"nodeSelector":{"zone":"b"},"containers":[{"name":"probe","image":"probe:1"}]}}}}
            """)!;
        var result = await ReplayAsync(new JsonObject { ["at"] = _from, ["apply"] = new JsonArray(probe) });
        Assert.Equal([(_from, "default/probe", "node-2", "unchanged", "created"), (_node3, "default/probe", "node-3", "unchanged", "created")],
            Differences(result));
        var summary = result["summary"]!["daemonSets"]!.AsArray();
        Assert.Equal(["default/agent", "default/probe"], summary.Select(d => (string)d!["daemonSet"]!));
        Assert.Equal(summary[0]!["real"]!.ToJsonString(), summary[0]!["replay"]!.ToJsonString());
        Assert.Equal("""["node-2","node-3"]""", summary[1]!["endOnlyReplay"]!.ToJsonString());
    }

    [Fact]
    public async Task TheSameReplay_AnswersByteForByte_TheSame_NewObjectsIncluded()
    {
        var probe = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"probe","namespace":"default"},
             "spec":{"selector":{"matchLabels":{"app":"probe"}},
                     "template":{"metadata":{"labels":{"app":"probe"}},"spec":{"containers":[{"name":"probe","image":"probe:1"}]}}}}
            """)!;
        var body = new JsonObject { ["from"] = _from, ["changes"] = new JsonArray(new JsonObject { ["at"] = _from, ["apply"] = new JsonArray(probe) }) }.ToJsonString();
        var (first, once, _) = await Client.PostAsync("/engine/v1/replay", body);
        var (second, twice, _) = await Client.PostAsync("/engine/v1/replay", body);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first, second));
        // the probe's uid names its pods: drawn from the window, not at random, so both answers name the same pods
        Assert.Contains("probe-", once!.ToJsonString());
        Assert.Equal(once.ToJsonString(), twice!.ToJsonString());
    }

    [Fact]
    public async Task PatchNode_AfterAnApply_MovesANodeOutOfTheAppliedDaemonSetsZone()
    {
        var probe = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"probe","namespace":"default"},
             "spec":{"selector":{"matchLabels":{"app":"probe"}},
                     "template":{"metadata":{"labels":{"app":"probe"}},"spec":{"nodeSelector":{"zone":"b"},"containers":[{"name":"probe","image":"probe:1"}]}}}}
            """)!;
        var body = new JsonObject
        {
            ["from"] = _from,
            ["changes"] = new JsonArray(
                new JsonObject { ["at"] = _node3, ["patchNode"] = new JsonObject { ["name"] = "node-3", ["patch"] = JsonNode.Parse("""{"metadata":{"labels":{"zone":"a"}}}""") } },
                new JsonObject { ["at"] = _from, ["apply"] = new JsonArray(probe) }),
        };
        var (status, result, _) = await Client.PostAsync("/engine/v1/replay", body.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, result?.ToJsonString());
        // changes apply in the order of their points, not of the list; node-3 joins in zone b, then is moved to zone a
        Assert.Equal(
            [
                (_from, "default/probe", "node-2", "unchanged", "created"),
                (_node3, "default/probe", "node-3", "unchanged", "created"),
                (_node3, "default/probe", "node-3", "unchanged", "removed (Misscheduled)"),
            ],
            Differences(result!));
        Assert.Equal("""["node-2"]""", result!["summary"]!["daemonSets"]![1]!["endOnlyReplay"]!.ToJsonString());
    }

    [Fact]
    public async Task ChangesNamingAnObjectNotThereAtTheirPoint_Are422_NamingTheField_AndWriteNothing()
    {
        var before = await Client.EventCountAsync();
        var (status, problem, _) = await Client.PostAsync("/engine/v1/replay", new JsonObject
        {
            ["from"] = _from,
            ["changes"] = new JsonArray(
                new JsonObject { ["at"] = _from, ["patchNode"] = new JsonObject { ["name"] = "node-3", ["patch"] = new JsonObject() } },
                new JsonObject { ["at"] = _node3, ["patchNode"] = new JsonObject { ["name"] = "node-3", ["patch"] = JsonNode.Parse("""{"spec":{"unschedulable":true}}""") } },
                new JsonObject { ["patchDaemonSet"] = new JsonObject { ["daemonset"] = "default/nope", ["patch"] = new JsonObject() } }),
        }.ToJsonString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["changes[0].patchNode.name", "changes[2].patchDaemonSet.daemonset"], problem.Fields());
        Assert.Contains($"node node-3 not found at seq {_from}", (string?)problem!["detail"]);
        Assert.Equal(before, await Client.EventCountAsync());

        // a node an earlier change applied is there for a later one
        var (applied, _, _) = await Client.PostAsync("/engine/v1/replay", new JsonObject
        {
            ["from"] = _from,
            ["changes"] = new JsonArray(
                new JsonObject { ["apply"] = new JsonArray(JsonNode.Parse(Node("node-9", "a"))) },
                new JsonObject { ["patchNode"] = new JsonObject { ["name"] = "node-9", ["patch"] = JsonNode.Parse("""{"spec":{"unschedulable":true}}""") } }),
        }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, applied);
    }

    [Fact]
    public async Task AnInvalidObjectInAChange_Is422_NamingItsFieldUnderTheChange_AndWritesNothing()
    {
        var before = await Client.EventCountAsync();
        // agent's template labels no longer match its selector; a node of the apply list has a name Kubernetes refuses
        var agent = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"default"},
             "spec":{"selector":{"matchLabels":{"app":"agent"}},"updateStrategy":{"type":"OnDelete"},
                     "template":{"metadata":{"labels":{"app":"other"}},"spec":{"containers":[{"name":"agent","image":"agent:2"}]}}}}
            """)!;
        var (status, problem, _) = await Client.PostAsync("/engine/v1/replay", new JsonObject
        {
            ["from"] = _from,
            ["changes"] = new JsonArray(
                new JsonObject { ["replaceDaemonSet"] = agent },
                new JsonObject { ["apply"] = new JsonArray(JsonNode.Parse(Node("node-9", "a")), JsonNode.Parse(Http.Node("Bad_Name"))) }),
        }.ToJsonString());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["changes[0].replaceDaemonSet.spec.template.metadata.labels", "changes[1].apply[1].metadata.name"], problem.Fields());
        Assert.Equal(before, await Client.EventCountAsync());
    }

    private static string Node(string name, string zone) => Http.Node(name, $",\"labels\":{{\"zone\":\"{zone}\"}}");

    private async Task<long> HeadAsync() => (long)(await Client.EventsAsync())[^1]["seq"]!;

    private async Task<JsonNode> ReplayAsync(JsonObject change)
    {
        var before = await Client.EventCountAsync();
        var body = new JsonObject { ["from"] = _from, ["changes"] = new JsonArray(change) };
        var (status, result, _) = await Client.PostAsync("/engine/v1/replay", body.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, result?.ToJsonString());
        Assert.Equal(before, await Client.EventCountAsync());
        return result!;
    }

    private static List<(long, string, string, string, string)> Differences(JsonNode result) =>
        result["steps"]!.AsArray().SelectMany(s => s!["differences"]!.AsArray()
            .Select(d => ((long)s["seq"]!, (string)d!["daemonSet"]!, (string)d["node"]!, (string)d["real"]!, (string)d["replay"]!))).ToList();
}
