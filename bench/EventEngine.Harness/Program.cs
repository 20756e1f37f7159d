using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EventEngine.Api.Hosting;
using EventEngine.Harness;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// dotnet run -c Release --project bench/EventEngine.Harness -- [quick|full|place] [--out results.json] [--nodes N] [--events N] [--keep DIR]
// quick: 1,000 nodes x 20 DaemonSets, a 100,000-event log, under 5 minutes; full: 5,000 nodes x 20, 1,000,000 events;
// place: only the end-to-end placement of full (5,000 nodes x 20), with the CPU time the server and PostgreSQL spent;
// store: only the store's single and bulk appends against raw Npgsql, as in full (about a minute).
// --nodes and --events change the mode's cluster and log size; --keep DIR keeps the PostgreSQL data folder (database
// "bench") in DIR instead of a temporary folder, to profile the server on that log afterwards.
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
// the mode is the first argument that is neither an option nor an option's value
var mode = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal))).FirstOrDefault() ?? "quick";
var output = Option("--out") ?? Path.Combine("bench", "results", $"{mode}.json");
var (nodes, events, singles, bulk, samples, seconds) = mode switch
{
    "full" => (5_000, 1_000_000L, 3_000, 200_000, 50, 30),
    "quick" => (1_000, 100_000L, 1_000, 50_000, 20, 15),
    "place" => (5_000, 0L, 0, 0, 0, 0),
    "store" => (0, 0L, 3_000, 200_000, 0, 0),
    _ => throw new ArgumentException($"mode is quick, full, place or store, not {mode}"),
};
if (Option("--nodes") is { } nodesOption) nodes = int.Parse(nodesOption, CultureInfo.InvariantCulture);
if (Option("--events") is { } eventsOption) events = long.Parse(eventsOption, CultureInfo.InvariantCulture);
var keep = Option("--keep") is { } kept ? Path.GetFullPath(kept) : null;
const int daemonSets = 20;
var total = Stopwatch.StartNew();
var rows = new List<Row>();
void Say(string text) => Console.WriteLine($"[{total.Elapsed:mm\\:ss}] {text}");

var folder = keep ?? Path.Combine(Path.GetTempPath(), $"eventengine-harness-{Guid.NewGuid():N}");
Say($"{mode}: {nodes:N0} nodes x {daemonSets} DaemonSets, a {events:N0}-event log; PostgreSQL (fsync on) in {folder}");
await using var postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = folder, Durable = true }, NullLogger.Instance);
try
{
    string On(string database) => new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = database }.ConnectionString;
    if (mode != "place")
    {
        Say("store: single and bulk appends against raw Npgsql");
        rows.AddRange(await StoreBench.RunAsync(On("postgres"), singles, bulk));
    }

    if (mode != "store")
    {
        await using (var admin = new NpgsqlConnection(On("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("create database bench; ", admin);
            await create.ExecuteNonQueryAsync();
            await using var empty = new NpgsqlCommand("create database empty_baseline", admin);
            await empty.ExecuteNonQueryAsync();
        }
        var (emptyServer, emptyStart) = await Server.StartAsync(On("empty_baseline"));
        await emptyServer.DisposeAsync();
        var connection = On("bench");
        var settings = new Dictionary<string, string> { ["Engine:SimulatedKubelet:ReadyAfterSeconds"] = "1" };
        var (server, _) = await Server.StartAsync(connection, settings);
        var idleEmpty = server.ResidentBytes;
        var cluster = new ClusterBench(server, nodes, daemonSets);

        Say($"placing {nodes * daemonSets:N0} pods end to end");
        var (serverCpu, postgresCpu) = (Cpu.Seconds(server.Pid), Cpu.PostgresSeconds());
        var placed = await cluster.PlaceAsync();
        var placedEvents = await cluster.HeadAsync();
        (serverCpu, postgresCpu) = (Cpu.Seconds(server.Pid) - serverCpu, Cpu.PostgresSeconds() - postgresCpu);
        rows.Add(new("placement", $"{nodes * daemonSets:N0} pods placed end to end", placed.TotalSeconds, "s", $"-", 0, 0, "< 20 s (100,000 pods)"));
        Say($"placed in {placed.TotalSeconds:0.0} s ({placedEvents:N0} events); CPU: server {serverCpu:0.0} s, PostgreSQL {postgresCpu:0.0} s");
        if (mode == "place")
        {
            rows.Add(new("placement", "server CPU while placing", serverCpu, "s", "time placing", placed.TotalSeconds, serverCpu / placed.TotalSeconds, ""));
            rows.Add(new("placement", "PostgreSQL CPU while placing", postgresCpu, "s", "time placing", placed.TotalSeconds, postgresCpu / placed.TotalSeconds, ""));
            await server.DisposeAsync();
        }
        else
        {
            Say($"commands: 8 clients, paced 200/s with 10% moving a pod, then closed loop");
            var (paced, pacedRate, pacedFailures) = await cluster.CommandsAsync(8, 200, 0.1, TimeSpan.FromSeconds(seconds));
            var (closed, closedRate, closedFailures) = await cluster.CommandsAsync(8, 0, 0.1, TimeSpan.FromSeconds(seconds));
            rows.Add(new("commands", "label PATCH p99, 8 clients paced 200/s, 10% moving a pod", paced.Percentile(99), "ms", "p50 of the same run", paced.Percentile(50), paced.Percentile(99) / paced.Percentile(50), "p99 < 50 ms at 200/s"));
            rows.Add(new("commands", "achieved rate, paced", pacedRate, "commands/s", "asked for", 200, pacedRate / 200, $"failures {pacedFailures}"));
            rows.Add(new("commands", "closed loop, 8 clients", closedRate, "commands/s", "paced rate", pacedRate, closedRate / pacedRate, ">= 500/s"));
            await cluster.WaitSettledAsync();

            Say($"churn until the log holds {events:N0} events");
            await cluster.ChurnAsync(events);
            var head = await cluster.HeadAsync();
            // steady: the server hands memory back between bursts (MemoryTrim); read after its trim, or after 40 s without one
            var trimmedIdle = await Memory.AfterTrimAsync(server, await Memory.TrimsAsync(server));
            var idleLoaded = server.ResidentBytes;
            Say($"idle: {Memory.Mib(idleLoaded):0} MiB resident ({(trimmedIdle ? "after a trim" : "no trim in 40 s")})");
            Say($"log head {head:N0}");
            var streamsKept = await Memory.StreamsKeptAsync(server);
            var streamsInLog = await cluster.StreamsAsync(connection);
            Say($"stream positions kept in memory: {streamsKept:N0} of the log's {streamsInLog:N0} streams");

            Say("time travel");
            rows.AddRange(await HistoryBench.TimeTravelAsync(server, head, nodes, samples));
            Say("what-if");
            rows.Add(await HistoryBench.WhatIfAsync(server, connection, head, 10_000));
            Say("rebuild");
            var trimsBeforeRebuild = await Memory.TrimsAsync(server);
            var (rebuild, rebuildPeak) = await HistoryBench.RebuildAsync(server, connection, head);
            rows.Add(rebuild);
            var trimmedAfterReads = await Memory.AfterTrimAsync(server, trimsBeforeRebuild);
            var afterReads = server.ResidentBytes;
            Say($"after the reads: {Memory.Mib(afterReads):0} MiB resident ({(trimmedAfterReads ? "after a trim" : "no trim in 40 s")})");
            rows.Add(new("memory", "server resident, idle with the cluster", Memory.Mib(idleLoaded), "MiB", "server on an empty log", Memory.Mib(idleEmpty), (double)idleLoaded / idleEmpty, "< 500 MB steady"));
            rows.Add(new("memory", "after time travel, what-if and rebuild", Memory.Mib(afterReads), "MiB", "idle with the cluster", Memory.Mib(idleLoaded), (double)afterReads / idleLoaded, "no growth from reads"));
            rows.Add(new("memory", "stream positions kept in memory (after the churn)", streamsKept, "streams", "streams in the log", streamsInLog, (double)streamsKept / streamsInLog, "the cluster's, not the log's"));
            rows.Add(new("memory", "peak during the rebuild", Memory.Mib(rebuildPeak), "MiB", "idle with the cluster", Memory.Mib(idleLoaded), (double)rebuildPeak / idleLoaded, "bounded"));

            // what the first reads left may be warm-up (code compiled, pools filled, the rebuilt tables' statements prepared):
            // the same reads again show whether reads themselves make the server grow
            Say("time travel and what-if again");
            var trimsBeforeAgain = await Memory.TrimsAsync(server);
            await HistoryBench.TimeTravelAsync(server, head, nodes, samples);
            await HistoryBench.WhatIfAsync(server, connection, head, 10_000);
            var trimmedAgain = await Memory.AfterTrimAsync(server, trimsBeforeAgain);
            var again = server.ResidentBytes;
            Say($"after the same reads again: {Memory.Mib(again):0} MiB resident ({(trimmedAgain ? "after a trim" : "no trim in 40 s")})");
            rows.Add(new("memory", "after the same time travel and what-if again", Memory.Mib(again), "MiB", "after the first reads", Memory.Mib(afterReads), (double)again / afterReads, "no growth from reads"));
            await server.DisposeAsync();

            Say("start-up on the whole log");
            var (restarted, started) = await Server.StartAsync(connection, settings);
            rows.Add(new("start-up", $"start-up on a {head:N0}-event log", started.TotalSeconds, "s", "start-up on an empty log", emptyStart.TotalSeconds, started / emptyStart, ""));
            await restarted.DisposeAsync();
        }
    }
}
finally
{
    await postgres.DisposeAsync();
    if (keep is null)
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    else
        Say($"kept the PostgreSQL data folder {folder} (database bench)");
}

Console.WriteLine();
Console.WriteLine($"{"what",-62} {"figure",14} {"baseline",-44} {"value",12} {"ratio",8}  goal");
foreach (var r in rows)
    Console.WriteLine($"{r.What,-62} {r.Value.ToString("0.###", CultureInfo.InvariantCulture) + " " + r.Unit,14} {r.Baseline,-44} {r.BaselineValue.ToString("0.###", CultureInfo.InvariantCulture),12} {r.Ratio.ToString("0.00", CultureInfo.InvariantCulture),8}  {r.Goal}");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new { mode, nodes, daemonSets, events, seconds = total.Elapsed.TotalSeconds, rows }, new JsonSerializerOptions { WriteIndented = true }));
Say($"written to {output}");
