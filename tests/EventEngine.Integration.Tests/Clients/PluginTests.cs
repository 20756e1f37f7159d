using System.Diagnostics;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Tests.Scenarios;

namespace EventEngine.Integration.Tests.Clients;

/// <summary>
/// The kubectl plugin (kubectl-eventengine, src/Cli) run as a real process against a real server in Observe mode: it
/// finds the server through a kubeconfig and its context as kubectl does, imports the audit fixture, lists the
/// divergences, prints tables or JSON, and reports errors as kubectl does ("error: ...", exit code 1).
/// </summary>
[Trait("Category", "Plugin")]
public sealed class PluginTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private ServerProcess _server = null!;
    private string _folder = null!;
    private string _kubeconfig = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = _database.ConnectionString,
            ["Engine:Mode"] = "Observe",
        });
        _folder = TestScratch.NewPath("plugin");
        Directory.CreateDirectory(_folder);
        _kubeconfig = Path.Combine(_folder, "kubeconfig");
        // the current context points nowhere: the commands must take the one they are given
        File.WriteAllText(_kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: elsewhere
              cluster: {"{"}server: "http://127.0.0.1:{ServerProcess.FreePort()}"{"}"}
            - name: record
              cluster: {"{"}server: "{_server.BaseAddress.ToString().TrimEnd('/')}"{"}"}
            users:
            - name: me
              user: {"{"}{"}"}
            contexts:
            - name: elsewhere
              context: {"{"}cluster: elsewhere, user: me{"}"}
            - name: record
              context: {"{"}cluster: record, user: me{"}"}
            current-context: elsewhere
            """);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Import_ThenDivergences_InTablesAndJson_ThroughTheGivenContext()
    {
        var audit = Path.Combine(AppContext.BaseDirectory, "Recording", "Fixtures", "audit.jsonl");
        var (code, output, error) = await RunAsync("import", audit, "--context", "record");
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["READ", "RECORDED", "EVENTS", "ALREADY", "IMPORTED", "UNCHANGED", "SKIPPED"], Words(lines[0]));
        Assert.Equal(["13", "7", "7", "0", "0", "6"], Words(lines[1]));
        Assert.Contains(lines, l => l.StartsWith("1", StringComparison.Ordinal) && l.Contains("audit event of a request that failed (409)", StringComparison.Ordinal));

        // again, as JSON: nothing new
        (code, output, error) = await RunAsync("import", audit, "--context", "record", "-o", "json");
        Assert.True(code == 0, error);
        var again = JsonNode.Parse(output)!;
        Assert.Equal((0L, 7L), ((long)again["recorded"]!, (long)again["alreadyImported"]!));

        (code, output, error) = await RunAsync("divergences", "--context", "record", "--ds", "monitoring/agent");
        Assert.True(code == 0, error);
        lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["DAEMONSET", "NODE", "KIND", "SINCE", "UNTIL", "LASTED", "CAUSE"], Words(lines[0]));
        Assert.Equal(["monitoring/agent", "n1", "missing", "2026-01-10T10:01:00.031Z", "(seq", "3)", "2026-01-10T10:01:00.045Z", "(seq", "5)", "14ms"], Words(lines[1]).Take(10));
        Assert.EndsWith("pod agent-7d4xk of monitoring/agent deleted from n1: Deleted (by kubernetes-admin)", lines[2]);

        (code, output, error) = await RunAsync("divergences", "--context", "record", "--min-seconds", "1", "-o", "json");
        Assert.True(code == 0, error);
        var report = JsonNode.Parse(output)!;
        Assert.Equal([("n1", "missing", 7L)], report["items"]!.AsArray().Select(d => ((string?)d!["node"], (string?)d["kind"], (long)d["since"]!["seq"]!)));
    }

    [Fact]
    public async Task TimelineExplainAndPlacement_AnswerFromTheRecordedHistory()
    {
        var (code, _, error) = await RunAsync("import", Path.Combine(AppContext.BaseDirectory, "Recording", "Fixtures", "audit.jsonl"), "--context", "record");
        Assert.True(code == 0, error);

        (code, var output, error) = await RunAsync("timeline", "--context", "record", "--node", "n1");
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["SEQ", "TIME", "ACTOR", "WHAT"], Words(lines[0]));
        Assert.Equal(["1", "2026-01-10T10:00:00.012Z", "system:node:n1", "n1", "joined"], Words(lines[1]).Take(5));
        Assert.EndsWith("pod agent-7d4xk of monitoring/agent deleted from n1: Deleted", lines[^1]);
        Assert.Equal(["1", "5", "6", "7"], lines.Skip(1).Select(l => Words(l)[0]));

        (code, output, error) = await RunAsync("explain", "ds/agent", "-n", "monitoring", "--node", "n1", "--at", "2026-01-10T10:02:00Z", "--context", "record");
        Assert.True(code == 0, error);
        lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("shouldRun: true (every rule is satisfied)", lines[1]);
        Assert.Contains(lines, l => Words(l) is ["nodeSelector", "true", "nodeSelector", "disk=ssd", "matches"]);
        Assert.Equal("last changed by seq 3 (daemonset_created.v1, by kubernetes-admin) at 2026-01-10T10:01:00.031Z", lines[^1]);

        (code, output, error) = await RunAsync("explain", "ds/agent", "-n", "monitoring", "--node", "n2", "-o", "json", "--context", "record");
        Assert.True(code == 0, error);
        var why = JsonNode.Parse(output)!;
        Assert.False((bool)why["shouldRun"]!);
        Assert.Contains(why["rules"]!.AsArray(), r => (string?)r!["kind"] == "nodeSelector" && !(bool)r["satisfied"]!);

        (code, output, error) = await RunAsync("placement", "daemonset/agent", "-n", "monitoring", "--at", "2026-01-10T10:06:00Z", "--context", "record");
        Assert.True(code == 0, error);
        lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("monitoring/agent at seq 7: desired 1, actual 0, missing 1, misscheduled 0, outdated 0, not ready 0", lines[0]);
        Assert.Equal(["n1", "true", "<none>", "missing:"], Words(lines[2]).Take(4));
    }

    [Fact]
    public async Task DemoHistoryAndRebuild_OnAnEngineInControl()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var control = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = database.ConnectionString,
            ["Engine:Clock"] = "Manual",
            ["Engine:SimulatedKubelet:Enabled"] = "false",
        });
        var kubeconfig = new Kubectl(control.BaseAddress).KubeconfigPath;

        var (code, output, error) = await RunWithAsync(kubeconfig, "demo");
        Assert.True(code == 0, error);
        var phases = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => Words(l)[0]).ToList();
        Assert.Equal(["cluster", "fluentd-rollout", "bad-rollout", "taint-storm"], phases);

        (code, output, error) = await RunWithAsync(kubeconfig, "history", "ds/node-exporter", "-n", "monitoring", "--revision", "2", "-o", "json");
        Assert.True(code == 0, error);
        var history = JsonNode.Parse(output)!;
        Assert.Equal(2, (long)history["revision"]!);
        var items = history["items"]!.AsArray();
        Assert.Equal((long)history["summary"]!["nodesReached"]!, items.Select(i => (string?)i!["node"]).Distinct().Count());
        // the crashing image: its pods failed, or went when bob rolled it back
        Assert.All(items, i => Assert.Contains((string?)i!["ended"], new[] { "failed", "rolled back" }));
        Assert.Contains(items, i => (string?)i!["ended"] == "failed");

        (code, output, error) = await RunWithAsync(kubeconfig, "rebuild", "-o", "json");
        Assert.True(code == 0, error);
        var head = (long)JsonNode.Parse(output)!["seq"]!;
        Assert.Equal(head, (long)(await control.Client().GetJsonAsync("/engine/v1/events?after=" + (head - 1)))["items"]![0]!["seq"]!);

        (code, _, error) = await RunWithAsync(kubeconfig, "demo");
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", error);
    }

    [Fact]
    public async Task StateDiffReplayAndAFollowedTimeline_OnTheDemoIncident_InTablesJsonAndYaml()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var control = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = database.ConnectionString,
            ["Engine:Clock"] = "Manual",
        });
        var kubeconfig = new Kubectl(control.BaseAddress).KubeconfigPath;
        var (code, output, error) = await RunWithAsync(kubeconfig, "demo");
        Assert.True(code == 0, error);

        // the cluster at seq 400, mid fluentd rollout: node-14 has lost its fluentd pod and has the other two
        (code, output, error) = await RunWithAsync(kubeconfig, "state", "--at", "400", "--node", "node-14");
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("at seq 400 (2026-01-01T00:05:30Z), fingerprint ", lines[0]);
        Assert.Equal(["kube-system/cilium-agent", "monitoring/node-exporter"],
            lines.SkipWhile(l => !l.StartsWith("POD", StringComparison.Ordinal)).Skip(1).Select(l => Words(l)[0]).Select(pod => pod[..pod.LastIndexOf('-')]));
        // -o yaml is the same answer as -o json
        (code, output, error) = await RunWithAsync(kubeconfig, "state", "--at", "400", "--kind", "daemonsets", "-o", "yaml");
        Assert.True(code == 0, error);
        var yaml = EventEngine.Model.Yaml.ToJson(output).Single()!;
        (code, var json, error) = await RunWithAsync(kubeconfig, "state", "--at", "400", "--kind", "daemonsets", "-o", "json");
        Assert.True(code == 0, error);
        Assert.Equal(3, yaml["daemonSets"]!.AsArray().Count);
        Assert.Equal((string?)JsonNode.Parse(json)!["fingerprint"], (string?)yaml["fingerprint"]);
        Assert.Equal(JsonNode.Parse(json)!["daemonSets"]![1]!["spec"]!.ToJsonString(), yaml["daemonSets"]![1]!["spec"]!.ToJsonString());

        // the taint on node-07 and the two pods it evicted, between seq 626 and 629
        (code, output, error) = await RunWithAsync(kubeconfig, "diff", "--from", "626", "--to", "629");
        Assert.True(code == 0, error);
        lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("from seq 626 (2026-01-01T00:30:15Z) to seq 629 (2026-01-01T00:30:18Z): 0 added, 2 removed, 1 changed", lines[0]);
        Assert.Equal(["- pod kube-system/fluentd-elasticsearch-", "- pod monitoring/node-exporter-", "~ node node-07"], lines[1..4].Select(l => l.Contains("pod", StringComparison.Ordinal) ? l[..(l.LastIndexOf('-') + 1)] : l));
        Assert.StartsWith("    spec.taints: <none> -> [{\"key\":\"maintenance\"", lines[4]);

        // what if node-exporter had tolerated the maintenance taint: never evicted in the replay
        var whatIf = Path.Combine(_folder, "whatif.yaml");
        await File.WriteAllTextAsync(whatIf, """
            from: 596
            to: 838
            changes:
            - patchDaemonSet:
                daemonset: monitoring/node-exporter
                patch: {spec: {template: {spec: {tolerations: [{key: maintenance, operator: Exists, effect: NoExecute}]}}}}
            """);
        (code, output, error) = await RunWithAsync(kubeconfig, "replay", "-f", whatIf, "-o", "json");
        Assert.True(code == 0, error);
        var replay = JsonNode.Parse(output)!["summary"]!["daemonSets"]!.AsArray().Single(d => (string?)d!["daemonSet"] == "monitoring/node-exporter")!;
        Assert.Equal(20, (int)replay["real"]!["evicted"]!);
        Assert.True((int)replay["replay"]!["evicted"]! < 20);
        (code, output, error) = await RunWithAsync(kubeconfig, "replay", "-f", whatIf);
        Assert.True(code == 0, error);
        Assert.Contains(output.Split('\n'), l => l.StartsWith("monitoring/node-exporter", StringComparison.Ordinal) && l.Contains("20 created, 20 removed, 20 evicted", StringComparison.Ordinal));

        // timeline -f: the first page, then what the log gains, as it comes
        var follow = Start(kubeconfig, "timeline", "-f", "--since", "837");
        string Seen()
        {
            lock (follow.Output) return follow.Output.ToString();
        }
        try
        {
            // seq 837, the last event but one (the last, a status change, is left out as in every timeline without includeStatus)
            await Wait.UntilAsync(() => Task.FromResult(Seen().Contains("837   2026-01-01T00:46:10Z", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
            await control.Client().PostAsync("/api/v1/nodes", Http.Node("node-51"));
            await Wait.UntilAsync(() => Task.FromResult(Seen().Contains("node-51 joined", StringComparison.Ordinal)
                && Seen().Contains("created on node-51", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        }
        finally
        {
            follow.Process.Kill();
            await follow.Process.WaitForExitAsync();
            follow.Process.Dispose();
        }
    }

    [Fact]
    public async Task Errors_AreKubectls_ErrorLineAndExitCode1()
    {
        var (code, _, error) = await RunAsync("divergences");
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", error);

        (code, _, error) = await RunAsync("divergences", "--context", "production");
        Assert.Equal((1, $"error: context \"production\" does not exist in {_kubeconfig}\n"), (code, error));

        (code, _, error) = await RunAsync("divergences", "--context", "record", "--from", "yesterday");
        Assert.Equal(1, code);
        Assert.Equal("error: from: \"yesterday\" is neither a seq number nor an RFC 3339 time (400)\n", error);

        (code, _, error) = await RunAsync("import", Path.Combine(_folder, "missing.jsonl"), "--context", "record");
        Assert.Equal(1, code);
        Assert.Contains("does not exist", error);

        (code, _, error) = await RunAsync("explain", "pod/agent", "--node", "n1", "--context", "record");
        Assert.Equal((1, "error: \"pod/agent\" is not a DaemonSet: name one as ds/NAME\n"), (code, error));
        (code, _, error) = await RunAsync("placement", "ds/agent", "--context", "record");
        Assert.Equal(1, code);
        Assert.StartsWith("error: daemonset default/agent does not exist", error);
    }

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The plugin's assembly, built beside the server by the solution build.</summary>
    private static string Plugin()
    {
        var server = ServerProcess.ServerAssembly();
        var configuration = new DirectoryInfo(Path.GetDirectoryName(server)!).Parent!.Name;
        var path = Path.Combine(Scenario.RepositoryRoot(), "src", "Cli", "bin", configuration, "net10.0", "kubectl-eventengine.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"the plugin is not built at {path}: build EventEngine.sln first");
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunWithAsync(_kubeconfig, args);

    private ProcessStartInfo Command(string kubeconfig, string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder };
        info.ArgumentList.Add(Plugin());
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(kubeconfig);
        info.Environment["HOME"] = _folder;
        return info;
    }

    /// <summary>A command left running (a follow): its output as it comes.</summary>
    private (Process Process, System.Text.StringBuilder Output) Start(string kubeconfig, params string[] args)
    {
        var process = Process.Start(Command(kubeconfig, args))!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    private async Task<(int Code, string Out, string Err)> RunWithAsync(string kubeconfig, params string[] args)
    {
        using var process = Process.Start(Command(kubeconfig, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await output, await error);
    }
}
