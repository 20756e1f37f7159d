using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;

namespace EventEngine.Integration.Tests.Reliability;

/// <summary>
/// Concurrent clients writing while something goes wrong (a SIGKILL, a database restart): each joins nodes of its own
/// and labels them, remembering every write the server acknowledged (stream and version, from the ETag), and counting
/// every status and every request that got no answer at all.
/// </summary>
public sealed class LoadDriver
{
    public ConcurrentBag<(string Stream, long Version)> Acknowledged { get; } = [];
    public ConcurrentDictionary<int, int> Statuses { get; } = new();
    public int Unanswered => _unanswered;
    public int Successes => Statuses.Where(s => s.Key is >= 200 and < 300).Sum(s => s.Value);

    private int _unanswered;

    /// <summary>Runs <paramref name="clients"/> writers against the given servers (round robin) until stopped.</summary>
    public Task RunAsync(IReadOnlyList<Func<HttpClient>> servers, int clients, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => ClientAsync(servers[i % servers.Count], i, stop), CancellationToken.None)));

    private async Task ClientAsync(Func<HttpClient> server, int client, CancellationToken stop)
    {
        using var http = server();
        http.Timeout = TimeSpan.FromSeconds(10);
        for (var k = 0; !stop.IsCancellationRequested; k++)
        {
            var name = $"load-{client}-{k}";
            if (!await WriteAsync(http, HttpMethod.Post, "/api/v1/nodes", Http.Node(name), "application/json", "node-" + name)) continue;
            await WriteAsync(http, HttpMethod.Patch, $"/api/v1/nodes/{name}", $"{{\"metadata\":{{\"labels\":{{\"round\":\"{k}\"}}}}}}", "application/merge-patch+json", "node-" + name);
        }
    }

    private async Task<bool> WriteAsync(HttpClient http, HttpMethod method, string path, string body, string type, string stream)
    {
        try
        {
            var (status, _, response) = await http.SendAsync(method, path, body, type);
            Statuses.AddOrUpdate((int)status, 1, (_, n) => n + 1);
            if ((int)status is < 200 or >= 300) return false;
            var etag = response.Headers.ETag?.Tag.Trim('"');
            Assert.True(long.TryParse(etag, out var version), $"{method} {path} answered {status} without a version");
            Acknowledged.Add((stream, version));
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            // the server went away mid-request: not acknowledged, so nothing to expect
            Interlocked.Increment(ref _unanswered);
            return false;
        }
    }

    /// <summary>Every acknowledged write is in the log: its stream has an event at that seq (an object's resourceVersion).</summary>
    public async Task AssertAllAcknowledgedAreInTheLogAsync(HttpClient reader)
    {
        var stored = (await reader.EventsAsync()).Select(e => ((string)e["stream"]!, (long)e["seq"]!)).ToHashSet();
        var missing = Acknowledged.Where(a => !stored.Contains(a)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {Acknowledged.Count} acknowledged writes are not in the log: {string.Join(", ", missing.Take(5))}");
    }

    /// <summary>Every page of a list, as the read models hold it.</summary>
    public static async Task<List<string>> ListAsync(HttpClient client, string path)
    {
        var items = new List<string>();
        string? token = null;
        do
        {
            var page = await client.GetJsonAsync(path + "?limit=500" + (token is null ? "" : "&continue=" + Uri.EscapeDataString(token)));
            items.AddRange(page["items"]!.AsArray().Select(i => i!.ToJsonString()));
            token = (string?)page["metadata"]?["continue"];
        } while (token is not null);
        return items;
    }

    /// <summary>The read models equal what a rebuild from the log writes.</summary>
    public static async Task AssertReadModelsEqualARebuildAsync(HttpClient client)
    {
        string[] lists = ["/api/v1/nodes", "/api/v1/pods", "/apis/apps/v1/daemonsets", "/apis/apps/v1/controllerrevisions"];
        var before = new List<List<string>>();
        foreach (var list in lists) before.Add(await ListAsync(client, list));
        var (status, body, _) = await client.PostAsync("/engine/v1/projections/rebuild", "{}");
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        for (var i = 0; i < lists.Length; i++) Assert.Equal(before[i], await ListAsync(client, lists[i]));
    }

    /// <summary>Waits until the DaemonSet runs one Ready pod on every node, and no node has two.</summary>
    public static async Task AssertPodsConvergeAsync(HttpClient client, string daemonSet, TimeSpan timeout)
    {
        JsonNode? status = null;
        await Infrastructure.Wait.UntilAsync(async () =>
        {
            var (ns, name) = (daemonSet.Split('/')[0], daemonSet.Split('/')[1]);
            status = (await client.GetJsonAsync($"/apis/apps/v1/namespaces/{ns}/daemonsets/{name}"))["status"];
            var nodes = (await ListAsync(client, "/api/v1/nodes")).Count;
            return (int?)status?["desiredNumberScheduled"] == nodes && (int?)status?["numberReady"] == nodes
                && (int?)status?["currentNumberScheduled"] == nodes && (int?)status?["numberMisscheduled"] == 0;
        }, timeout);
        var pods = (await ListAsync(client, "/api/v1/pods")).Select(p => JsonNode.Parse(p)!).Where(p => (string?)p["status"]?["phase"] is not ("Failed" or "Succeeded")).ToList();
        var perNode = pods.GroupBy(p => (string?)p["spec"]!["nodeName"]).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(perNode.Count == 0, $"nodes with more than one pod: {string.Join(", ", perNode)}");
    }
}
