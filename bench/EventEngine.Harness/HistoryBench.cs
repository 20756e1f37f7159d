using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;

namespace EventEngine.Harness;

/// <summary>Reads of the past (time travel per query shape, what-if, rebuild) beside raw reads of the same log.</summary>
public static class HistoryBench
{
    public static async Task<List<Row>> TimeTravelAsync(Server server, long head, int nodes, int samples)
    {
        using var http = server.Client();
        var random = new Random(42);
        var live = new Samples();
        for (var i = 0; i < samples; i++)
        {
            var node = ClusterBench.Node(random.Next(nodes));
            live.Add(await Samples.TimeAsync(async () => (await http.GetAsync($"/api/v1/nodes/{node}")).EnsureSuccessStatusCode()));
        }
        var shapes = new (string Name, Func<long, string> Path)[]
        {
            ("one DaemonSet (it and a page of its pods, 100)", seq => $"/engine/v1/state?at={seq}&daemonset=kube-system/agent-3&limit=100"),
            ("one node (it and its pods)", seq => $"/engine/v1/state?at={seq}&node={ClusterBench.Node(random.Next(nodes))}"),
            ("a page of objects (state, 100)", seq => $"/engine/v1/state?at={seq}&limit=100"),
            ("a page of pods (state, kind=pods, 500)", seq => $"/engine/v1/state?at={seq}&kind=pods&limit=500"),
            ("explain, one DaemonSet on one node", seq => $"/engine/v1/explain?daemonset=kube-system/agent-3&node={ClusterBench.Node(random.Next(nodes))}&at={seq}"),
            ("one DaemonSet's placement on every node", seq => $"/engine/v1/placement?daemonset=kube-system/agent-3&at={seq}"),
            ("a timeline page (200 events)", seq => $"/engine/v1/timeline?from={seq}&limit=200&includeStatus=true"),
        };
        var rows = new List<Row>();
        foreach (var (name, path) in shapes)
        {
            var latency = new Samples();
            for (var i = 0; i < samples; i++)
            {
                // any seq of the log, after the DaemonSets exist
                var seq = head / 2 + (long)(random.NextDouble() * (head / 2));
                latency.Add(await Samples.TimeAsync(async () =>
                {
                    using var response = await http.GetAsync(path(seq));
                    if (!response.IsSuccessStatusCode && (int)response.StatusCode != 404)
                        throw new InvalidOperationException($"{path(seq)}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    await response.Content.ReadAsByteArrayAsync();
                }));
            }
            rows.Add(new("time travel", $"{name} p50", latency.Percentile(50), "ms", "live GET of one node p50", live.Percentile(50), latency.Percentile(50) / live.Percentile(50), name.Contains("every node") || name.Contains("timeline") ? "(no goal set)" : "p50 < 100 ms"));
            rows.Add(new("time travel", $"{name} p99", latency.Percentile(99), "ms", "live GET of one node p99", live.Percentile(99), latency.Percentile(99) / live.Percentile(99), ""));
        }
        return rows;
    }

    public static async Task<Row> WhatIfAsync(Server server, string connection, long head, int events)
    {
        var from = head - events;
        var raw = await Samples.TimeAsync(async () => await RawReadAsync(connection, from, head));
        using var http = server.Client();
        var body = new JsonObject
        {
            ["from"] = from,
            ["to"] = head,
            ["changes"] = new JsonArray(new JsonObject
            {
                ["at"] = from,
                ["patchDaemonSet"] = new JsonObject
                {
                    ["daemonset"] = "kube-system/agent-2",
                    ["patch"] = JsonNode.Parse("{\"spec\":{\"template\":{\"spec\":{\"tolerations\":[{\"key\":\"maintenance\",\"operator\":\"Exists\",\"effect\":\"NoExecute\"}]}}}}"),
                },
            }),
        }.ToJsonString();
        var watch = Stopwatch.StartNew();
        using var response = await http.PostAsync("/engine/v1/replay", new StringContent(body, Encoding.UTF8, "application/json"));
        var answer = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"replay: {(int)response.StatusCode} {answer}");
        var took = watch.Elapsed;
        return new("what-if", $"what-if over {events:N0} events", took.TotalSeconds, "s", $"raw read of those {events:N0} events", raw.TotalSeconds, took / raw, "< 2 s");
    }

    public static async Task<(Row Row, long PeakRss)> RebuildAsync(Server server, string connection, long head)
    {
        var raw = await Samples.TimeAsync(async () => await RawReadAsync(connection, 0, head));
        using var http = server.Client();
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.ResidentBytes);
                await Task.Delay(100);
            }
        });
        var watch = Stopwatch.StartNew();
        using var response = await http.PostAsync("/engine/v1/projections/rebuild", new StringContent("{}", Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"rebuild: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var took = watch.Elapsed;
        await sampling.CancelAsync();
        await sampler;
        var rate = head / took.TotalSeconds;
        var rawRate = head / raw.TotalSeconds;
        return (new("rebuild", "rebuild of every read model", rate, "events/s", "raw sequential read of the log", rawRate, rate / rawRate, ">= 0.5x, memory bounded"), peak);
    }

    /// <summary>Every event in (from, to], read in order with Npgsql, each row's columns read out.</summary>
    private static async Task<long> RawReadAsync(string connection, long from, long to)
    {
        await using var source = NpgsqlDataSource.Create(connection);
        await using var command = source.CreateCommand("select seq, id, stream, version, type, data::text, metadata::text, recorded_at from events where seq > $1 and seq <= $2 order by seq");
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        await using var reader = await command.ExecuteReaderAsync();
        long bytes = 0;
        while (await reader.ReadAsync())
        {
            _ = reader.GetInt64(0);
            _ = reader.GetGuid(1);
            bytes += reader.GetString(2).Length + reader.GetString(4).Length + reader.GetString(5).Length + reader.GetString(6).Length;
            _ = reader.GetInt64(3);
            _ = reader.GetFieldValue<DateTimeOffset>(7);
        }
        return bytes;
    }
}
