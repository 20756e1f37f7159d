using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;

namespace EventEngine.Harness;

/// <summary>
/// A cluster written through the real server over HTTP: nodes and DaemonSets placed end to end, then churn (labels,
/// taints, nodes leaving and joining, rollouts and rollbacks) until the log is as long as asked; commands timed paced
/// and in a closed loop.
/// </summary>
public sealed class ClusterBench(Server server, int nodes, int daemonSets)
{
    public const string Maintenance = "example.com/maintenance";
    private readonly HttpClient _http = server.Client();
    private readonly Random _random = new(1204);
    private int _joined;

    public static string Node(int i) => $"node-{i:00000}";

    private static string DaemonSet(int d, string image)
    {
        var spec = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "agent", ["image"] = $"registry.example/agent-{d}:{image}" }) };
        // agent-0 keeps off nodes under maintenance: toggling that label moves one of its pods
        if (d == 0)
            spec["affinity"] = JsonNode.Parse("{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\""
                + Maintenance + "\",\"operator\":\"DoesNotExist\"}]}]}}}");
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "DaemonSet",
            ["metadata"] = new JsonObject { ["name"] = $"agent-{d}", ["namespace"] = "kube-system" },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = $"agent-{d}" } },
                ["updateStrategy"] = JsonNode.Parse("{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":\"100%\"}}"),
                ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = $"agent-{d}" } }, ["spec"] = spec },
            },
        }.ToJsonString();
    }

    private static string NodeJson(string name, string? zone = null) => new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Node",
        ["metadata"] = zone is null ? new JsonObject { ["name"] = name } : new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["topology.kubernetes.io/zone"] = zone } },
    }.ToJsonString();

    private static string Labels(string key, JsonNode? value) =>
        new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [key] = value } } }.ToJsonString();

    public async Task<long> HeadAsync()
    {
        var ready = await _http.GetFromJsonAsync<JsonObject>("/readyz");
        return (long)ready!["head"]!;
    }

    /// <summary>How many streams the log holds: every object it ever held (a DaemonSet two).</summary>
    public async Task<long> StreamsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("select count(*) from streams", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>Every node and DaemonSet created, until every pod runs Ready: the time from the first request.</summary>
    public async Task<TimeSpan> PlaceAsync()
    {
        var watch = Stopwatch.StartNew();
        for (var first = 0; first < nodes; first += 5_000)
        {
            var batch = Enumerable.Range(first, Math.Min(5_000, nodes - first)).Select(i => NodeJson(Node(i), $"zone-{i % 3}"));
            await SendAsync(HttpMethod.Post, "/engine/v1/apply", "[" + string.Join(",", batch) + "]");
        }
        _joined = nodes;
        for (var d = 0; d < daemonSets; d++) await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/kube-system/daemonsets", DaemonSet(d, "1"));
        await WaitSettledAsync();
        return watch.Elapsed;
    }

    /// <summary>Until every DaemonSet has every desired pod updated, ready and available.</summary>
    public async Task WaitSettledAsync()
    {
        while (true)
        {
            var list = await _http.GetFromJsonAsync<JsonObject>("/apis/apps/v1/namespaces/kube-system/daemonsets?limit=1000");
            var all = list!["items"]!.AsArray().Select(d => d!["status"]!).ToList();
            if (all.Count == daemonSets && all.All(s => (int?)s["numberReady"] == (int?)s["desiredNumberScheduled"]
                    && (int?)s["updatedNumberScheduled"] == (int?)s["desiredNumberScheduled"] && (int?)s["numberAvailable"] == (int?)s["desiredNumberScheduled"]
                    && (int?)s["desiredNumberScheduled"] > 0)) return;
            await Task.Delay(200);
        }
    }

    /// <summary>Realistic churn until the log holds <paramref name="target"/> events.</summary>
    public async Task ChurnAsync(long target)
    {
        var round = 0;
        while (await HeadAsync() < target)
        {
            round++;
            for (var i = 0; i < 50; i++) await PatchLabelAsync(moving: i % 10 == 0);
            var tainted = Node(_random.Next(nodes));
            await PatchAsync($"/api/v1/nodes/{tainted}", """{"spec":{"taints":[{"key":"maintenance","value":"kernel","effect":"NoExecute"}]}}""");
            await PatchAsync($"/api/v1/nodes/{tainted}", """{"spec":{"taints":null}}""");
            await PatchAsync($"/api/v1/nodes/{Node(_random.Next(nodes))}", """{"spec":{"taints":[{"key":"busy","effect":"NoSchedule"}]}}""");
            var leaving = Node(_random.Next(nodes));
            if ((await _http.DeleteAsync($"/api/v1/nodes/{leaving}")).IsSuccessStatusCode)
                await SendAsync(HttpMethod.Post, "/api/v1/nodes", NodeJson(leaving));
            // every third round rolls back the DaemonSet the round before updated; the others roll one forward
            var ds = 1 + round % (daemonSets - 1);
            if (round % 3 == 0)
                await SendAsync(HttpMethod.Post, $"/apis/apps/v1/namespaces/kube-system/daemonsets/agent-{1 + (round - 1) % (daemonSets - 1)}/rollback", """{"toRevision":0}""");
            else
                await PatchAsync($"/apis/apps/v1/namespaces/kube-system/daemonsets/agent-{ds}",
                    JsonNode.Parse(DaemonSet(ds, round.ToString(System.Globalization.CultureInfo.InvariantCulture)))!["spec"]!.ToJsonString().Insert(0, "{\"spec\":") + "}");
            await WaitSettledAsync();
        }
    }

    /// <summary>A label patch: on a label nobody reads, or (moving) the maintenance label that takes agent-0's pod off or back.</summary>
    public Task<HttpResponseMessage> PatchLabelAsync(bool moving, HttpClient? client = null, Random? random = null)
    {
        random ??= _random;
        var node = Node(random.Next(nodes));
        var patch = moving
            ? Labels(Maintenance, random.Next(2) == 0 ? JsonValue.Create("true") : null)
            : Labels("churn", JsonValue.Create(random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return (client ?? _http).SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/nodes/{node}")
        {
            Content = new StringContent(patch, Encoding.UTF8, "application/merge-patch+json"),
        });
    }

    /// <summary>Label patches from <paramref name="clients"/> clients, paced at <paramref name="rate"/> in all (0: as fast as they go).</summary>
    public async Task<(Samples Latency, double Rate, int Failures)> CommandsAsync(int clients, double rate, double moving, TimeSpan duration)
    {
        var latency = new Samples();
        var failures = 0;
        var done = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            using var http = server.Client();
            var random = new Random(c);
            var interval = rate > 0 ? TimeSpan.FromSeconds(clients / rate) : TimeSpan.Zero;
            var next = watch.Elapsed + TimeSpan.FromMilliseconds(random.Next(0, (int)Math.Max(1, interval.TotalMilliseconds)));
            while (watch.Elapsed < duration)
            {
                if (rate > 0)
                {
                    var wait = next - watch.Elapsed;
                    if (wait > TimeSpan.Zero) await Task.Delay(wait);
                    next += interval;
                }
                var started = watch.Elapsed;
                using var response = await PatchLabelAsync(random.NextDouble() < moving, http, random);
                latency.Add(watch.Elapsed - started);
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failures);
                Interlocked.Increment(ref done);
            }
        })));
        return (latency, done / watch.Elapsed.TotalSeconds, failures);
    }

    private Task PatchAsync(string path, string patch) =>
        SendAsync(HttpMethod.Patch, path, patch, "application/merge-patch+json");

    private async Task SendAsync(HttpMethod method, string path, string body, string type = "application/json")
    {
        using var response = await _http.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, type) });
        if (!response.IsSuccessStatusCode && (int)response.StatusCode != 409)
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
