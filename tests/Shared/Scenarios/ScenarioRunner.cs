using System.Globalization;
using System.Text.Json.Nodes;

namespace EventEngine.Tests.Scenarios;

/// <summary>
/// Runs a scenario's steps against a driver and checks every expect block; returns every mismatch (empty when the
/// engine behaved as Kubernetes does). The format is documented in tests/scenarios/README.md.
/// </summary>
public sealed class ScenarioRunner(IScenarioDriver driver)
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly List<string> _failures = [];
    private int _lastStatus = 200;
    private int _advanced;
    private HashSet<string> _podsDeletedByStep = [];

    public async Task<IReadOnlyList<string>> RunAsync(Scenario scenario)
    {
        for (var i = 0; i < scenario.Steps.Count; i++)
        {
            var (kind, body) = scenario.Steps[i];
            if (kind == "expect")
            {
                await CheckAsync(i, body!.AsObject());
                continue;
            }
            await driver.BeginStepAsync();
            _podsDeletedByStep = [];
            _lastStatus = await ExecuteAsync(kind, body!);
            if (_lastStatus >= 300 && !scenario.Steps.Skip(i + 1).TakeWhile(s => s.Kind == "expect").Any(s => s.Body?["error"] is not null))
                _failures.Add($"step {i} ({kind}) was refused with {_lastStatus}");
        }
        return _failures;
    }

    private async Task<int> ExecuteAsync(string kind, JsonNode body)
    {
        switch (kind)
        {
            case "apply":
                return await driver.ApplyAsync(body.AsArray());
            case "patchNode":
                return await driver.PatchNodeAsync((string)body["name"]!, body["patch"]!);
            case "deleteNode":
                return await driver.DeleteNodeAsync((string)body!);
            case "patchDaemonSet":
            {
                var (ns, name) = Split((string)body["daemonset"]!);
                return await driver.PatchDaemonSetAsync(ns, name, body["patch"]!);
            }
            case "rollback":
            {
                var (ns, name) = Split((string)body["daemonset"]!);
                return await driver.RollbackAsync(ns, name, Num(body["toRevision"]));
            }
            case "deleteDaemonSet":
            {
                var (ns, name) = Split((string)body["daemonset"]!);
                return await driver.DeleteDaemonSetAsync(ns, name, (string?)body["propagationPolicy"] ?? "Background");
            }
            case "markReady":
                return await ReportAsync(body, "Running", true);
            case "markNotReady":
                return await ReportAsync(body, "Running", false);
            case "failPod":
                return await ReportAsync(body, "Failed", false);
            case "deletePod":
            {
                var status = 200;
                foreach (var pod in await SelectedPodsAsync(body, livingOnly: false))
                {
                    _podsDeletedByStep.Add(pod.Name);
                    status = Worst(status, await driver.DeletePodAsync(pod.Namespace, pod.Name));
                }
                return status;
            }
            case "advanceClock":
            {
                var seconds = (int)Num(body);
                _advanced += seconds;
                return await driver.AdvanceClockAsync(seconds);
            }
            default:
                throw new InvalidOperationException($"unknown step {kind}");
        }
    }

    /// <summary>markReady and friends: pods already in the requested state are left alone (their Ready time is kept).</summary>
    private async Task<int> ReportAsync(JsonNode body, string phase, bool ready)
    {
        var status = 200;
        foreach (var pod in await SelectedPodsAsync(body, livingOnly: true))
        {
            if (pod.Phase == phase && pod.Ready == ready) continue;
            status = Worst(status, await driver.ReportPodStatusAsync(pod.Namespace, pod.Name, phase, ready, Start.AddSeconds(_advanced)));
        }
        return status;
    }

    private async Task<List<ScenarioPod>> SelectedPodsAsync(JsonNode body, bool livingOnly)
    {
        var (ns, name) = Split((string)body["daemonset"]!);
        var nodes = body["nodes"] is JsonArray list ? list.Select(n => (string)n!).ToHashSet() : null;
        return (await driver.PodsAsync(ns, name))
            .Where(p => (nodes is null || (p.Node is not null && nodes.Contains(p.Node))) && (!livingOnly || p.IsLive))
            .ToList();
    }

    private async Task CheckAsync(int step, JsonObject expect)
    {
        void Fail(string what) => _failures.Add($"step {step} expect {what}");

        if (expect["error"] is JsonObject error)
        {
            var wanted = (int)Num(error["status"]);
            if (_lastStatus != wanted) Fail($"error.status: wanted {wanted}, got {_lastStatus}");
            var appended = await driver.StepEventsAsync();
            if (appended.Count > 0) Fail($"error: the refused step appended {appended.Count} events ({string.Join(", ", appended.Select(e => e.Type))})");
        }
        foreach (var (dsKey, nodesNode) in Entries(expect["pods"]))
        {
            var wanted = nodesNode!.AsArray().Select(n => (string)n!).Order(StringComparer.Ordinal).ToList();
            var got = (await LiveAsync(dsKey)).Select(p => p.Node ?? "<none>").Distinct().Order(StringComparer.Ordinal).ToList();
            if (!wanted.SequenceEqual(got)) Fail($"pods[{dsKey}]: wanted [{string.Join(", ", wanted)}], got [{string.Join(", ", got)}]");
        }
        foreach (var (dsKey, count) in Entries(expect["podCount"]))
        {
            var got = (await LiveAsync(dsKey)).Count;
            if (got != (int)Num(count)) Fail($"podCount[{dsKey}]: wanted {count}, got {got}");
        }
        foreach (var (dsKey, perNode) in Entries(expect["podsPerNode"]))
        {
            var live = await LiveAsync(dsKey);
            foreach (var (node, count) in perNode!.AsObject())
            {
                var got = live.Count(p => p.Node == node);
                if (got != (int)Num(count)) Fail($"podsPerNode[{dsKey}][{node}]: wanted {count}, got {got}");
            }
        }
        foreach (var (dsKey, fields) in Entries(expect["status"]))
        {
            var (ns, name) = Split(dsKey);
            var status = await driver.StatusAsync(ns, name);
            foreach (var (field, value) in fields!.AsObject())
            {
                var got = status?[field] is JsonNode g ? Num(g) : 0;
                if (got != Num(value)) Fail($"status[{dsKey}].{field}: wanted {value}, got {got}");
            }
        }
        foreach (var (dsKey, perRevision) in Entries(expect["podRevisions"]))
        {
            var (ns, name) = Split(dsKey);
            var revisions = await driver.RevisionsAsync(ns, name);
            var live = await LiveAsync(dsKey);
            var wanted = perRevision!.AsObject().ToDictionary(p => long.Parse(p.Key, CultureInfo.InvariantCulture), p => (int)Num(p.Value));
            var got = live.Select(p => revisions.FirstOrDefault(r => r.Hash == p.Hash)?.Revision)
                .Where(r => r is not null).GroupBy(r => r!.Value).ToDictionary(g => g.Key, g => g.Count());
            if (!wanted.OrderBy(p => p.Key).SequenceEqual(got.OrderBy(p => p.Key)))
                Fail($"podRevisions[{dsKey}]: wanted {Show(wanted)}, got {Show(got)}");
        }
        foreach (var (dsKey, numbers) in Entries(expect["revisions"]))
        {
            var (ns, name) = Split(dsKey);
            var wanted = numbers!.AsArray().Select(n => Num(n)).ToList();
            var got = (await driver.RevisionsAsync(ns, name)).Select(r => r.Revision).Order().ToList();
            if (!wanted.SequenceEqual(got)) Fail($"revisions[{dsKey}]: wanted [{string.Join(", ", wanted)}], got [{string.Join(", ", got)}]");
        }
        foreach (var (dsKey, number) in Entries(expect["currentRevision"]))
        {
            var (ns, name) = Split(dsKey);
            var current = (await driver.RevisionsAsync(ns, name)).Where(r => r.Current).Select(r => r.Revision).ToList();
            if (current.Count != 1 || current[0] != Num(number)) Fail($"currentRevision[{dsKey}]: wanted {number}, got [{string.Join(", ", current)}]");
        }
        await CheckCountsAsync(expect, "created", "PodCreated", Fail);
        await CheckCountsAsync(expect, "deleted", "PodDeleted", Fail);
    }

    /// <summary>created/deleted: the DaemonSet's PodCreated/PodDeleted events of the step, minus pods the step deleted itself.</summary>
    private async Task CheckCountsAsync(JsonObject expect, string key, string type, Action<string> fail)
    {
        if (expect[key] is null) return;
        var events = await driver.StepEventsAsync();
        foreach (var (dsKey, count) in Entries(expect[key]))
        {
            var got = events.Count(e => e.Is(type) && e.DaemonSet == dsKey && !(type == "PodDeleted" && e.Pod is not null && _podsDeletedByStep.Contains(e.Pod)));
            if (got != (int)Num(count)) fail($"{key}[{dsKey}]: wanted {count}, got {got}");
        }
    }

    private async Task<List<ScenarioPod>> LiveAsync(string dsKey)
    {
        var (ns, name) = Split(dsKey);
        return (await driver.PodsAsync(ns, name)).Where(p => p.IsLive).ToList();
    }

    private static IEnumerable<(string Key, JsonNode? Value)> Entries(JsonNode? node) =>
        node is JsonObject obj ? obj.Select(p => (p.Key, p.Value)) : [];

    private static (string Ns, string Name) Split(string key)
    {
        var slash = key.IndexOf('/');
        return (key[..slash], key[(slash + 1)..]);
    }

    /// <summary>A number from YAML (long) or from an HTTP body (JsonElement).</summary>
    private static long Num(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<long>(out var l) ? l
        : node is JsonValue w && w.TryGetValue<int>(out var i) ? i
        : node!.GetValue<double>() is var d ? (long)d : 0;

    private static int Worst(int a, int b) => Math.Max(a, b);

    private static string Show(Dictionary<long, int> map) =>
        "{" + string.Join(", ", map.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}")) + "}";
}
