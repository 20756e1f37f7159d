using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace EventEngine.Cli;

/// <summary>What timeline to show.</summary>
public sealed record TimelineQuery(string? Since, string? Until, string? Node, string? DaemonSet, int Limit);

/// <summary>What divergences to list.</summary>
public sealed record DivergenceQuery(string? DaemonSet, string? Node, double MinSeconds, string? From, string? To);

/// <summary>The commands: they call the engine's /engine/v1 endpoints and print tables, or the answer as it came with -o json or -o yaml.</summary>
public static partial class Commands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Runs a command: an error is printed as kubectl prints one ("error: ...") and exits 1.</summary>
    public static async Task<int> Run(Func<Task<int>> command)
    {
        try
        {
            return await command();
        }
        catch (Exception e) when (e is CliException or HttpRequestException or IOException or k8s.Exceptions.KubeConfigException or JsonException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    /// <summary>
    /// POST /engine/v1/import with the file streamed. On a terminal, a progress bar of the bytes sent, described by
    /// what the server reports it has read and recorded; otherwise those reports as lines on stderr. The summary on stdout.
    /// </summary>
    public static async Task<int> ImportAsync(Server server, FileInfo file, string output, CancellationToken ct)
    {
        using var _ = server;
        if (!file.Exists) throw new CliException($"the path \"{file.FullName}\" does not exist");
        JsonNode? summary;
        if (Console.IsErrorRedirected)
            summary = await ImportFileAsync(server, file, _ => { }, text => Console.Error.WriteLine(text), ct);
        else
        {
            summary = null;
            var terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            await terminal.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn()).StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape($"importing {file.Name}"), maxValue: Math.Max(1, file.Length));
                summary = await ImportFileAsync(server, file, sent => task.Value = sent, text => task.Description = Markup.Escape(text), ct);
                task.Value = task.MaxValue;
            });
        }
        if (summary is null) throw new CliException("the server ended the import without a summary");
        if (Structured(summary, output)) return 0;
        Columns(["READ", "RECORDED", "EVENTS", "ALREADY IMPORTED", "UNCHANGED", "SKIPPED"],
            [[Text(summary["read"]), Text(summary["recorded"]), Text(summary["events"]), Text(summary["alreadyImported"]), Text(summary["unchanged"]), Text(summary["skipped"])]]);
        if (summary["skippedBecause"] is JsonObject because && because.Count > 0)
        {
            Console.WriteLine();
            Columns(["SKIPPED", "BECAUSE"], because.Select(b => new[] { Text(b.Value), b.Key }).ToList());
        }
        return 0;
    }

    private static async Task<JsonNode?> ImportFileAsync(Server server, FileInfo file, Action<long> sent, Action<string> reported, CancellationToken ct)
    {
        await using var stream = new CountingStream(file.OpenRead(), sent);
        using var request = new HttpRequestMessage(HttpMethod.Post, "engine/v1/import") { Content = new StreamContent(stream) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(file.Extension is ".yaml" or ".yml" ? "application/yaml" : "application/json");
        request.Headers.Accept.ParseAdd("application/x-ndjson");
        using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode) throw new CliException(await ProblemAsync(response, ct));
        JsonNode? summary = null;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0) continue;
            var node = JsonNode.Parse(line)!;
            if (node["error"] is { } failed) throw new CliException($"the import failed on the server: {failed}");
            if (node["summary"] is { } done) summary = done;
            else if (node["progress"] is { } p)
                reported($"read {p["read"]}, recorded {p["recorded"]}, already imported {p["alreadyImported"]}, skipped {p["skipped"]}");
        }
        return summary;
    }

    /// <summary>GET /engine/v1/divergences as a table: DAEMONSET NODE KIND SINCE UNTIL LASTED CAUSE.</summary>
    public static async Task<int> DivergencesAsync(Server server, DivergenceQuery q, string output, CancellationToken ct)
    {
        using var _ = server;
        var query = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) query.Add(name + "=" + Uri.EscapeDataString(value));
        }
        Add("daemonset", q.DaemonSet);
        Add("node", q.Node);
        Add("from", q.From);
        Add("to", q.To);
        if (q.MinSeconds > 0) Add("minSeconds", q.MinSeconds.ToString(CultureInfo.InvariantCulture));
        using var response = await server.Client.GetAsync("engine/v1/divergences" + (query.Count > 0 ? "?" + string.Join("&", query) : ""), ct);
        if (!response.IsSuccessStatusCode) throw new CliException(await ProblemAsync(response, ct));
        var report = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        if (Structured(report, output)) return 0;
        var items = report["items"]!.AsArray();
        if (items.Count == 0)
        {
            Console.WriteLine("No divergences found.");
            return 0;
        }
        Columns(["DAEMONSET", "NODE", "KIND", "SINCE", "UNTIL", "LASTED", "CAUSE"], items.Select(d => new[]
        {
            Text(d!["daemonSet"]), Text(d["node"]), Text(d["kind"]), Point(d["since"]), d["until"] is null ? "-" : Point(d["until"]),
            Lasted((double)d["seconds"]!), d["cause"] is { } cause ? $"{cause["description"]} (by {cause["actor"]})" : "(before the window)",
        }).ToList());
        return 0;
    }

    /// <summary>GET /engine/v1/timeline: TIME ACTOR WHAT, and what each entry caused.</summary>
    public static async Task<int> TimelineAsync(Server server, TimelineQuery q, bool follow, string output, CancellationToken ct)
    {
        using var _ = server;
        var report = await FetchAsync(server, "engine/v1/timeline", [("from", q.Since), ("to", q.Until), ("node", q.Node), ("daemonset", q.DaemonSet),
            ("limit", q.Limit.ToString(CultureInfo.InvariantCulture))], ct);
        var items = report["items"]!.AsArray();
        if (Structured(report, output)) { }
        else if (items.Count == 0) Console.WriteLine("No events found.");
        else
            Columns(["SEQ", "TIME", "ACTOR", "WHAT"], items.Select(e => new[]
            {
                Text(e!["seq"]), Text(e["time"]), Text(e["actor"]), WithoutActor((string)e["description"]!) + Caused(e["placement"]),
            }).ToList());
        if (follow)
        {
            await Console.Out.FlushAsync(ct);
            await FollowTimelineAsync(server, q, (long)report["to"]!, output, ct);
        }
        return 0;
    }

    /// <summary>GET /engine/v1/explain: the answer, then every rule checked (satisfied or not) and what last changed the answer.</summary>
    public static async Task<int> ExplainAsync(Server server, string daemonSet, string node, string? at, string output, CancellationToken ct)
    {
        var answer = await GetAsync(server, "engine/v1/explain", [("daemonset", daemonSet), ("node", node), ("at", at)], ct);
        if (Structured(answer, output)) return 0;
        Console.WriteLine($"{answer["summary"]}");
        Console.WriteLine($"shouldRun: {answer["decisions"]!["shouldRun"]!["value"]} ({answer["decisions"]!["shouldRun"]!["because"]})");
        Console.WriteLine($"shouldContinueRunning: {answer["decisions"]!["shouldContinueRunning"]!["value"]} ({answer["decisions"]!["shouldContinueRunning"]!["because"]})");
        Console.WriteLine();
        Columns(["RULE", "SATISFIED", "WHY"], answer["rules"]!.AsArray().Select(r => new[] { Text(r!["kind"]), Text(r["satisfied"]), Text(r["message"]) }).ToList());
        if (answer["lastChange"] is JsonObject change && change["seq"] is not null)
            Console.WriteLine($"\nlast changed by seq {change["seq"]} ({change["type"]}, by {change["actor"]}) at {change["recordedAt"]}");
        return 0;
    }

    /// <summary>GET /engine/v1/placement: NODE DESIRED PODS DIFFERENCES, after the summary.</summary>
    public static async Task<int> PlacementAsync(Server server, string daemonSet, string? at, string output, CancellationToken ct)
    {
        var view = await GetAsync(server, "engine/v1/placement", [("daemonset", daemonSet), ("at", at)], ct);
        if (Structured(view, output)) return 0;
        var summary = view["summary"]!;
        Console.WriteLine($"{daemonSet} at seq {view["at"]!["seq"]}: desired {summary["desired"]}, actual {summary["actual"]}, missing {summary["missing"]}, "
            + $"misscheduled {summary["misscheduled"]}, outdated {summary["outdated"]}, not ready {summary["notReady"]}");
        Columns(["NODE", "DESIRED", "PODS", "DIFFERENCES"], view["nodes"]!.AsArray().Select(n => new[]
        {
            Text(n!["node"]), Text(n["desired"]),
            n["pods"]!.AsArray().Count == 0 ? "<none>" : string.Join(",", n["pods"]!.AsArray().Select(p => $"{p!["name"]} ({p["phase"]})")),
            n["differences"]!.AsArray().Count == 0 ? "-" : string.Join("; ", n["differences"]!.AsArray().Select(d => $"{d!["kind"]}: {d["reason"]}")),
        }).ToList());
        return 0;
    }

    /// <summary>GET .../revisions/{rev}/placements, every page: POD NODE FROM TO ENDED.</summary>
    public static async Task<int> HistoryAsync(Server server, string daemonSet, long revision, string output, CancellationToken ct)
    {
        using var _ = server;
        var slash = daemonSet.IndexOf('/');
        var path = $"engine/v1/daemonsets/{Uri.EscapeDataString(daemonSet[..slash])}/{Uri.EscapeDataString(daemonSet[(slash + 1)..])}/revisions/{revision}/placements";
        var items = new JsonArray();
        JsonNode? first = null;
        string? next = null;
        do
        {
            using var response = await server.Client.GetAsync(path + "?limit=1000" + (next is null ? "" : "&continue=" + Uri.EscapeDataString(next)), ct);
            if (!response.IsSuccessStatusCode) throw new CliException(await ProblemAsync(response, ct));
            var page = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
            first ??= page;
            foreach (var item in page["items"]!.AsArray()) items.Add(item!.DeepClone());
            next = (string?)page["continue"];
        }
        while (next is not null);
        first!["items"] = items;
        first.AsObject().Remove("continue");
        if (Structured(first, output)) return 0;
        var reach = first["summary"]!;
        Console.WriteLine($"{daemonSet} revision {revision} ({first["hash"]}{((bool)first["current"]! ? ", current" : "")}): "
            + $"{reach["nodesReached"]} nodes reached, first {reach["first"] ?? "-"}, last {reach["last"] ?? "-"}, {reach["current"]} running it now");
        Columns(["POD", "NODE", "FROM", "TO", "ENDED"], items.Select(i => new[]
        {
            Text(i!["pod"]), Text(i["node"]), Text(i["from"]), i["to"] is null ? "-" : Text(i["to"]), i["ended"] is null ? "-" : $"{i["ended"]}{(i["detail"] is { } d ? ": " + d : "")}",
        }).ToList());
        return 0;
    }

    /// <summary>
    /// POST /engine/v1/projections/rebuild, asked to answer as it goes: on a terminal a progress bar of the log folded
    /// (the seq reached against the head), otherwise nothing until the answer.
    /// </summary>
    public static async Task<int> RebuildAsync(Server server, string output, CancellationToken ct)
    {
        using var _ = server;
        JsonNode? answer = null;
        async Task Post(Action<long, long> progress)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "engine/v1/projections/rebuild") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/x-ndjson");
            using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode) throw new CliException(await ProblemAsync(response, ct));
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.Length == 0) continue;
                var node = JsonNode.Parse(line)!;
                if (node["error"] is { } failed) throw new CliException($"the rebuild failed on the server: {failed}");
                if (node["result"] is { } result) answer = result;
                else if (node["progress"] is { } p) progress((long)p["seq"]!, (long)p["head"]!);
            }
            if (answer is null) throw new CliException("the server ended the rebuild without its answer");
        }
        if (Console.IsErrorRedirected) await Post((_, _) => { });
        else
            await AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }).Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("rebuilding the read models from the log");
                    await Post((seq, head) =>
                    {
                        task.MaxValue = Math.Max(1, head);
                        task.Value = seq;
                        task.Description = $"rebuilding: seq {seq:N0} of {head:N0}";
                    });
                    task.Value = task.MaxValue;
                });
        if (Structured(answer!, output)) return 0;
        Console.WriteLine($"rebuilt up to seq {answer!["seq"]} in {answer["tookMilliseconds"]} ms");
        return 0;
    }

    /// <summary>POST /engine/v1/demo/incident: PHASE FROM TO STORY.</summary>
    public static async Task<int> DemoAsync(Server server, string output, CancellationToken ct)
    {
        using var _ = server;
        using var response = await server.Client.PostAsync("engine/v1/demo/incident", new StringContent("{}", Encoding.UTF8, "application/json"), ct);
        if (!response.IsSuccessStatusCode) throw new CliException(await ProblemAsync(response, ct));
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        if (Structured(answer, output)) return 0;
        Columns(["PHASE", "SEQS", "FROM", "TO", "STORY"], answer["phases"]!.AsArray().Select(p => new[]
        {
            Text(p!["name"]), $"{p["fromSeq"]}-{p["toSeq"]}", Text(p["from"]), Text(p["to"]), Text(p["story"]),
        }).ToList());
        return 0;
    }

    /// <summary>"ds/agent" or "daemonset/agent" (or "agent") in a namespace, as the engine names a DaemonSet: "ns/agent".</summary>
    public static string DaemonSetKey(string target, string ns)
    {
        var slash = target.IndexOf('/');
        if (slash < 0) return ns + "/" + target;
        var (kind, name) = (target[..slash], target[(slash + 1)..]);
        if (kind is not ("ds" or "daemonset" or "daemonsets" or "daemonset.apps" or "daemonsets.apps") || name.Length == 0 || name.Contains('/'))
            throw new CliException($"\"{target}\" is not a DaemonSet: name one as ds/NAME");
        return ns + "/" + name;
    }

    private static async Task<JsonNode> GetAsync(Server server, string path, IEnumerable<(string Name, string? Value)> parameters, CancellationToken ct)
    {
        using var _ = server;
        return await FetchAsync(server, path, parameters, ct);
    }

    private static async Task<JsonNode> FetchAsync(Server server, string path, IEnumerable<(string Name, string? Value)> parameters, CancellationToken ct)
    {
        var query = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)).ToList();
        using var response = await server.Client.GetAsync(path + (query.Count > 0 ? "?" + string.Join("&", query) : ""), ct);
        if (!response.IsSuccessStatusCode) throw new CliException(await ProblemAsync(response, ct));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
    }

    /// <summary>With -o json or -o yaml, the server's answer as it came, in that form (true); else false, for a table.</summary>
    private static bool Structured(JsonNode answer, string output)
    {
        switch (output)
        {
            case "json":
                Console.WriteLine(answer.ToJsonString(Indented));
                return true;
            case "yaml":
                Console.Write(YamlOutput.Write(answer));
                return true;
            default:
                return false;
        }
    }

    /// <summary>The timeline's sentence without its "by actor" (the ACTOR column says it).</summary>
    private static string WithoutActor(string description) =>
        description.LastIndexOf(" by ", StringComparison.Ordinal) is var at and > 0 ? description[..at] : description;

    private static string Caused(JsonNode? placement) =>
        placement is JsonArray changes && changes.Count > 0
            ? " -> " + string.Join("; ", changes.Select(c =>
                $"{c!["daemonSet"]}: {c["created"]!.AsArray().Count} created, {c["removed"]!.AsArray().Count} removed"))
            : "";

    /// <summary>Columns as kubectl prints them: upper-case headers, each column as wide as its widest cell, three spaces between.</summary>
    private static void Columns(string[] headers, IReadOnlyList<string[]> rows)
    {
        var widths = headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        static string Line(string[] cells, int[] widths) =>
            string.Join("   ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
        Console.WriteLine(Line(headers, widths));
        foreach (var row in rows) Console.WriteLine(Line(row, widths));
    }

    private static string Text(JsonNode? value) => value?.ToString() ?? "";

    private static string Point(JsonNode? point) => $"{point?["time"] ?? "-"} (seq {point?["seq"]})";

    private static string Lasted(double seconds) =>
        seconds < 1 ? $"{seconds * 1000:0}ms" : TimeSpan.FromSeconds(seconds) is var t && t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes}m" : $"{(int)t.TotalMinutes}m{t.Seconds}s";

    /// <summary>What the server said was wrong: a problem's detail, or a Kubernetes Status's message.</summary>
    private static async Task<string> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            var body = JsonNode.Parse(text);
            if (((string?)body?["detail"] ?? (string?)body?["message"]) is { } message) return $"{message} ({(int)response.StatusCode})";
        }
        catch (JsonException)
        {
            // not JSON: say what came back
        }
        var builder = new StringBuilder($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
        if (text.Length > 0) builder.Append(": ").Append(text.Length > 200 ? text[..200] : text);
        return builder.ToString();
    }
}
