using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace EventEngine.Cli;

/// <summary>Which part of the cluster to read at a point of the log.</summary>
public sealed record StateQuery(string? At, string? Kind, string? Node, string? DaemonSet);

public static partial class Commands
{
    private static readonly (string Field, string Kind)[] StateKinds = [("nodes", "node"), ("daemonSets", "daemonset"), ("pods", "pod")];

    /// <summary>GET /engine/v1/state, every page: the nodes, DaemonSets and pods at a point, as tables.</summary>
    public static async Task<int> StateAsync(Server server, StateQuery q, string output, CancellationToken ct)
    {
        using var _ = server;
        var state = await StateAtAsync(server, q, ct);
        if (Structured(state, output)) return 0;
        Console.WriteLine($"at seq {state["at"]!["seq"]} ({state["at"]!["time"] ?? "-"}), fingerprint {state["fingerprint"]}");
        var nodes = state["nodes"]!.AsArray();
        if (nodes.Count > 0)
        {
            Console.WriteLine();
            Columns(["NODE", "SCHEDULING", "LABELS", "TAINTS"], nodes.Select(n => new[]
            {
                Text(n!["metadata"]!["name"]), (bool?)n["spec"]?["unschedulable"] == true ? "disabled" : "enabled",
                Pairs(n["metadata"]!["labels"]), string.Join(",", (n["spec"]?["taints"] as JsonArray ?? []).Select(t => $"{t!["key"]}={t["value"]}:{t["effect"]}")) is { Length: > 0 } taints ? taints : "<none>",
            }).ToList());
        }
        var daemonSets = state["daemonSets"]!.AsArray();
        if (daemonSets.Count > 0)
        {
            Console.WriteLine();
            Columns(["DAEMONSET", "REVISION", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE"], daemonSets.Select(d => new[]
            {
                $"{d!["metadata"]!["namespace"]}/{d["metadata"]!["name"]}", Text(d["currentRevision"]?["revision"]),
                Text(d["status"]?["desiredNumberScheduled"]), Text(d["status"]?["currentNumberScheduled"]), Text(d["status"]?["numberReady"]),
                Text(d["status"]?["updatedNumberScheduled"]), Text(d["status"]?["numberAvailable"]),
            }).ToList());
        }
        var pods = state["pods"]!.AsArray();
        if (pods.Count > 0)
        {
            Console.WriteLine();
            Columns(["POD", "NODE", "PHASE", "READY", "REVISION HASH"], pods.Select(p => new[]
            {
                $"{p!["metadata"]!["namespace"]}/{p["metadata"]!["name"]}", Text(p["spec"]?["nodeName"]), Text(p["status"]?["phase"]),
                (p["status"]?["conditions"] as JsonArray ?? []).Any(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True") ? "true" : "false",
                Text(p["metadata"]!["labels"]?["controller-revision-hash"]),
            }).ToList());
        }
        return 0;
    }

    /// <summary>
    /// What changed between two points of the log: objects that appeared, went, or changed, with each changed field
    /// (its path, before and after), like kflashback's diff of two points but for the engine's own objects.
    /// </summary>
    public static async Task<int> DiffAsync(Server server, StateQuery earlier, string later, string output, CancellationToken ct)
    {
        using var _ = server;
        var before = await StateAtAsync(server, earlier, ct);
        var after = await StateAtAsync(server, earlier with { At = later }, ct);
        var added = new JsonArray();
        var removed = new JsonArray();
        var changed = new JsonArray();
        foreach (var (field, kind) in StateKinds)
        {
            var old = Keyed(before[field]!.AsArray());
            var now = Keyed(after[field]!.AsArray());
            foreach (var key in old.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
            {
                var entry = new JsonObject { ["kind"] = kind, ["name"] = key };
                if (!old.ContainsKey(key)) added.Add(entry);
                else if (!now.ContainsKey(key)) removed.Add(entry);
                else
                {
                    var fields = new List<string>();
                    Differences(old[key], now[key], "", fields);
                    if (fields.Count == 0) continue;
                    entry["fields"] = new JsonArray(fields.Select(f => (JsonNode)f).ToArray());
                    changed.Add(entry);
                }
            }
        }
        var report = new JsonObject
        {
            ["from"] = before["at"]!.DeepClone(), ["to"] = after["at"]!.DeepClone(), ["added"] = added, ["removed"] = removed, ["changed"] = changed,
        };
        if (Structured(report, output)) return 0;
        Console.WriteLine($"from seq {before["at"]!["seq"]} ({before["at"]!["time"] ?? "-"}) to seq {after["at"]!["seq"]} ({after["at"]!["time"] ?? "-"}):"
            + $" {added.Count} added, {removed.Count} removed, {changed.Count} changed");
        foreach (var a in added) Console.WriteLine($"+ {a!["kind"]} {a["name"]}");
        foreach (var r in removed) Console.WriteLine($"- {r!["kind"]} {r["name"]}");
        foreach (var c in changed)
        {
            Console.WriteLine($"~ {c!["kind"]} {c["name"]}");
            foreach (var f in c["fields"]!.AsArray()) Console.WriteLine($"    {f}");
        }
        return 0;
    }

    /// <summary>POST /engine/v1/replay with a what-if file (JSON or YAML): per DaemonSet, what happened for real and in the replay.</summary>
    public static async Task<int> ReplayAsync(Server server, FileInfo file, string output, CancellationToken ct)
    {
        using var _ = server;
        if (!file.Exists) throw new CliException($"the path \"{file.FullName}\" does not exist");
        using var content = new StringContent(await File.ReadAllTextAsync(file.FullName, ct));
        content.Headers.ContentType = new MediaTypeHeaderValue(file.Extension is ".yaml" or ".yml" ? "application/yaml" : "application/json");
        using var response = await server.Client.PostAsync("engine/v1/replay", content, ct);
        if (!response.IsSuccessStatusCode) throw new CliException(await ProblemAsync(response, ct));
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        if (Structured(answer, output)) return 0;
        var summary = answer["summary"]!;
        Console.WriteLine($"replayed seqs {answer["from"]} to {answer["to"]}: {summary["stepsWithDifferences"]} steps differ");
        static string Counts(JsonNode? c) => $"{c!["created"]} created, {c["removed"]} removed, {c["evicted"]} evicted";
        Columns(["DAEMONSET", "REAL", "REPLAY", "ONLY REAL AT THE END", "ONLY IN THE REPLAY AT THE END"], summary["daemonSets"]!.AsArray().Select(d => new[]
        {
            Text(d!["daemonSet"]), Counts(d["real"]), Counts(d["replay"]),
            d["endOnlyReal"]!.AsArray().Count.ToString(CultureInfo.InvariantCulture), d["endOnlyReplay"]!.AsArray().Count.ToString(CultureInfo.InvariantCulture),
        }).ToList());
        return 0;
    }

    /// <summary>After the timeline's first page, its new entries as the log grows (the event stream wakes it), until interrupted.</summary>
    private static async Task FollowTimelineAsync(Server server, TimelineQuery q, long after, string output, CancellationToken ct)
    {
        try
        {
            using var stream = new StreamReader(await server.Client.GetStreamAsync($"engine/v1/events?watch=true&after={after}", ct));
            while (await stream.ReadLineAsync(ct) is { } line)
            {
                if (!line.StartsWith("id: ", StringComparison.Ordinal) || !long.TryParse(line[4..], CultureInfo.InvariantCulture, out var seq) || seq <= after) continue;
                var page = await FetchAsync(server, "engine/v1/timeline", [("from", (after + 1).ToString(CultureInfo.InvariantCulture)), ("to", seq.ToString(CultureInfo.InvariantCulture)),
                    ("node", q.Node), ("daemonset", q.DaemonSet), ("limit", "1000")], ct);
                foreach (var e in page["items"]!.AsArray())
                {
                    if (output is "json" or "yaml") Console.WriteLine(e!.ToJsonString());
                    else Console.WriteLine($"{e!["seq"]}   {e["time"]}   {e["actor"]}   {WithoutActor((string)e["description"]!)}{Caused(e["placement"])}");
                }
                after = seq;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // interrupted: the end of a follow
        }
    }

    /// <summary>Every page of GET /engine/v1/state at one point, merged.</summary>
    private static async Task<JsonObject> StateAtAsync(Server server, StateQuery q, CancellationToken ct)
    {
        JsonObject? merged = null;
        string? next = null;
        do
        {
            var page = (await FetchAsync(server, "engine/v1/state", [("at", q.At), ("kind", q.Kind), ("node", q.Node), ("daemonset", q.DaemonSet),
                ("limit", "500"), ("continue", next)], ct)).AsObject();
            if (merged is null) merged = page;
            else
                foreach (var (field, _) in StateKinds)
                    foreach (var item in page[field]?.AsArray() ?? [])
                        merged[field]!.AsArray().Add(item!.DeepClone());
            next = (string?)page["continue"];
        }
        while (next is not null);
        merged!.Remove("continue");
        return merged;
    }

    private static Dictionary<string, JsonNode> Keyed(JsonArray objects) =>
        objects.ToDictionary(o => o!["metadata"]!["namespace"] is { } ns ? $"{ns}/{o["metadata"]!["name"]}" : Text(o["metadata"]!["name"]), o => o!);

    /// <summary>Each leaf that differs: "path: before -> after" (absent as &lt;none&gt;).</summary>
    private static void Differences(JsonNode? before, JsonNode? after, string path, List<string> into)
    {
        if (before is JsonObject a && after is JsonObject b)
        {
            foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)))
                Differences(a[key], b[key], path.Length == 0 ? key : path + "." + key, into);
            return;
        }
        if (before is JsonArray x && after is JsonArray y && x.Count == y.Count)
        {
            for (var i = 0; i < x.Count; i++) Differences(x[i], y[i], $"{path}[{i}]", into);
            return;
        }
        if (JsonNode.DeepEquals(before, after)) return;
        static string Show(JsonNode? v) => v is null ? "<none>" : v.ToJsonString() is var s && s.Length > 80 ? s[..77] + "..." : s;
        into.Add($"{path}: {Show(before)} -> {Show(after)}");
    }

    private static string Pairs(JsonNode? map) =>
        map is JsonObject labels && labels.Count > 0 ? string.Join(",", labels.Select(l => $"{l.Key}={l.Value}")) : "<none>";
}

/// <summary>A read-only stream that says how many bytes have been read from it (an upload's progress).</summary>
public sealed class CountingStream(Stream inner, Action<long> read) : Stream
{
    private long _count;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => _count; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken));

    private int Counted(int n)
    {
        _count += n;
        read(_count);
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
