using System.Net;
using EventEngine.Integration.Tests.Engine;

namespace EventEngine.Integration.Tests.History;

/// <summary>
/// The maxUnavailable rule on a rollout the engine runs, with time standing still (the manual clock): the controller's
/// deletion is within the budget, an old pod deleted by hand at the same time is over it.
/// </summary>
public sealed class DivergenceBudgetTests : ApiTest
{
    private const string Pods = "/api/v1/namespaces/default/pods";

    [Fact]
    public async Task AnOldPodDeletedByHand_WhileTheRolloutHasANodeWithoutAnAvailablePod_IsOverTheBudget_AtTheSameTime()
    {
        await Client.PostAsync("/engine/v1/apply", $"[{Http.Node("n1")},{Http.Node("n2")},{Http.Node("n3")}]");
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent())).Status);
        foreach (var pod in await PodsAsync())
            await Client.PutAsync($"{Pods}/{pod["name"]}/status", """{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""");
        var start = await Client.EventCountAsync();

        // a new template: the controller (maxUnavailable 1) deletes one old pod, and nothing is ready before the next
        await Client.PatchAsync("/apis/apps/v1/namespaces/default/daemonsets/agent",
            """{"spec":{"template":{"spec":{"containers":[{"name":"agent","image":"agent:2"}]}}}}""");
        var old = (await PodsAsync()).Where(p => p["ready"] == "True" && p["image"] == "agent:1").ToList();
        Assert.Equal(2, old.Count);
        // an old pod still available, deleted by hand at the same time: a second node without an available pod
        Assert.Equal(HttpStatusCode.OK, (await Client.DeleteJsonAsync($"{Pods}/{old[0]["name"]}")).Status);

        var report = await Client.GetJsonAsync($"/engine/v1/divergences?from={start}");
        var over = Assert.Single(report["items"]!.AsArray(), i => (string?)i!["kind"] == "maxUnavailableExceeded")!;
        Assert.Equal((old[0]["node"], "pod_deleted.v1", "anonymous"), ((string?)over["node"], (string?)over["cause"]!["type"], (string?)over["cause"]!["actor"]));
        Assert.Equal($"{old[0]["name"]} (an old pod, available) was deleted while 1 of 3 nodes had no available pod: maxUnavailable allows 1", (string?)over["reason"]);
    }

    private async Task<List<Dictionary<string, string?>>> PodsAsync() =>
        (await Client.GetJsonAsync(Pods))["items"]!.AsArray().Select(p => new Dictionary<string, string?>
        {
            ["name"] = (string?)p!["metadata"]!["name"],
            ["node"] = (string?)p["spec"]!["nodeName"],
            ["image"] = (string?)p["spec"]!["containers"]![0]!["image"],
            ["ready"] = (string?)p["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c!["type"] == "Ready")?["status"],
        }).ToList();
}
