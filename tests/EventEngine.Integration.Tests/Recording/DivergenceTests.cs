using System.Text.Json.Nodes;
using System.Threading.Channels;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Recording;

/// <summary>
/// The audit of a recorded cluster whose DaemonSet controller breaks the rules: a scripted API server on loopback
/// shows nodes n1 and n2 (disk=ssd) and n3 (disk=hdd), a DaemonSet selecting disk=ssd, and its pods on n1 and n3 only;
/// later a pod appears on n2 and the one on n3 goes. The recorder (Observe mode) records it, and
/// GET /engine/v1/divergences names each divergence with the seqs it began and ended at and the command that began it.
/// </summary>
[Trait("Category", "Recording")]
public sealed class DivergenceTests : IAsyncLifetime
{
    private const string Uid = "22222222-0000-0000-0000-000000000001";

    private readonly Channel<JsonObject> _podEvents = Channel.CreateUnbounded<JsonObject>();
    private ScriptedCluster _cluster = null!;
    private ServerProcess _recorder = null!;
    private HttpClient _record = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ScriptedCluster.StartAsync(
            ScriptedCluster.Fixed("v1", "NodeList", [Node("n1", "ssd"), Node("n2", "ssd"), Node("n3", "hdd")]),
            ScriptedCluster.Fixed("apps/v1", "DaemonSetList", [Agent()]),
            ScriptedCluster.Streamed("v1", "PodList", [Pod("agent-n1", "n1"), Pod("agent-n3", "n3")], _podEvents.Reader));
        _recorder = await _cluster.RecorderAsync();
        _record = _recorder.Client();
    }

    public async Task DisposeAsync()
    {
        await _recorder.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task EachDivergenceIsListed_WithWhereItBeganAndEnded_AndTheCommandThatBeganIt()
    {
        // nodes (seqs 1-3), the DaemonSet (4), the pods on n1 and n3 (5-6) are listed at start
        await EventsAsync(6);
        var open = await _record.GetJsonAsync("/engine/v1/divergences");
        // n1 lacked its pod from the DaemonSet's arrival until the pods were listed; n2 still lacks one, n3 has one it must not
        Assert.Equal([("n1", "missing", 4L, (long?)6L), ("n2", "missing", 4L, null), ("n3", "misscheduled", 6L, null)],
            Rows(open).Select(r => (r.Node, r.Kind, r.Since, r.Until)));
        // explain says the same of each node, with why
        async Task<List<string>> Explained(string node) => (await _record.GetJsonAsync($"/engine/v1/explain?daemonset=default/agent&node={node}"))["divergences"]!
            .AsArray().Select(d => $"{d!["kind"]}: {d["reason"]}").ToList();
        Assert.Empty(await Explained("n1"));
        Assert.Equal(["missing: a pod should run here and none is live"], await Explained("n2"));
        Assert.StartsWith("misscheduled: agent-n3 may not continue here: nodeSelector disk=ssd does not match", Assert.Single(await Explained("n3")));

        await _podEvents.Writer.WriteAsync(ScriptedCluster.Change("ADDED", Pod("agent-n2", "n2")));
        await EventsAsync(7);
        await _podEvents.Writer.WriteAsync(ScriptedCluster.Change("DELETED", Pod("agent-n3", "n3")));
        await EventsAsync(8);

        var report = await _record.GetJsonAsync("/engine/v1/divergences");
        Assert.Equal(
        [
            ("agent", "n1", "missing", 4L, (long?)6L),
            ("agent", "n2", "missing", 4L, 7L),
            ("agent", "n3", "misscheduled", 6L, 8L),
        ], Rows(report).Select(r => (r.DaemonSet, r.Node, r.Kind, r.Since, r.Until)));
        var items = report["items"]!.AsArray();
        Assert.Equal(("daemonset_created.v1", "cluster"), ((string?)items[0]!["cause"]!["type"], (string?)items[0]!["cause"]!["actor"]));
        Assert.Equal(5L, (long)items[2]!["cause"]!["seq"]!);
        Assert.StartsWith("agent-n3 may not continue here: nodeSelector disk=ssd does not match", (string?)items[2]!["reason"]);
        Assert.All(items, i => Assert.True((double)i!["seconds"]! >= 0));
        Assert.True((double)items[1]!["seconds"]! > (double)items[0]!["seconds"]!);

        // filters, and what a rule-following cluster's short reaction time looks like: gone above a threshold
        Assert.Equal([("n2", "missing")], Rows(await _record.GetJsonAsync("/engine/v1/divergences?node=n2")).Select(r => (r.Node, r.Kind)));
        var later = await _record.GetJsonAsync("/engine/v1/divergences?from=7");
        Assert.Equal([("n3", "misscheduled", 7L, (long?)8L)], Rows(later).Select(r => (r.Node, r.Kind, r.Since, r.Until)));
        Assert.True((bool)later["items"]![0]!["startedBefore"]!);
        Assert.Null(later["items"]![0]!["cause"]);
        Assert.Empty(Rows(await _record.GetJsonAsync("/engine/v1/divergences?from=8")));
        var (status, problem, _) = await _record.SendAsync(HttpMethod.Get, "/engine/v1/divergences?from=8&to=3");
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["to"], problem.Fields());
        foreach (var seconds in new[] { "-1", "NaN", "Infinity" })
        {
            (status, problem, _) = await _record.SendAsync(HttpMethod.Get, "/engine/v1/divergences?minSeconds=" + seconds);
            Assert.Equal((System.Net.HttpStatusCode.UnprocessableEntity, "minSeconds"), (status, problem.Fields().Single()));
        }
    }

    private sealed record Row(string DaemonSet, string Node, string Kind, long Since, long? Until);

    private static List<Row> Rows(JsonNode report) => report["items"]!.AsArray().Select(i => new Row(
        ((string)i!["daemonSet"]!).Split('/')[1], (string)i["node"]!, (string)i["kind"]!, (long)i["since"]!["seq"]!, (long?)i["until"]?["seq"])).ToList();

    /// <summary>
    /// Until the recorder's live engine has folded <paramref name="count"/> events: the report reads up to its head, which
    /// moves just after the commit that the log already shows.
    /// </summary>
    private Task EventsAsync(int count) =>
        Wait.UntilAsync(async () => (long)(await _record.GetJsonAsync("/engine/v1/divergences"))["to"]!["seq"]! >= count, TimeSpan.FromSeconds(30));

    private static JsonObject Node(string name, string disk) => ClusterObjects.Node(name, labels: new JsonObject { ["disk"] = disk });

    private static JsonObject Agent() =>
        ClusterObjects.DaemonSet("agent", Uid, ClusterObjects.Template("agent", "agent:1", nodeSelector: new JsonObject { ["disk"] = "ssd" }));

    /// <summary>The cluster's pods carry no revision hash here: what is judged is where they run.</summary>
    private static JsonObject Pod(string name, string node) => ClusterObjects.Pod(name, node, "agent", Uid, hash: null, resourceVersion: "3");
}
