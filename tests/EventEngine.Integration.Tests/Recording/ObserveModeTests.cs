using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Recording;

/// <summary>
/// Observe mode against a real API server: the cluster is a second EventEngine process in Control mode (it speaks the
/// Kubernetes API and runs the DaemonSet controller and simulated kubelets), and the recorder, a server process in
/// Observe mode, follows it through a kubeconfig with the official client. What the recorder's log holds must replay to
/// the cluster's own objects; a restart resumes without losing or doubling anything; writes to the record are refused.
/// </summary>
[Trait("Category", "Recording")]
public sealed class ObserveModeTests : IAsyncLifetime
{
    private const string Ds = "/apis/apps/v1/namespaces/default/daemonsets";

    private TestDatabase _clusterDatabase = null!;
    private TestDatabase _recordDatabase = null!;
    private ServerProcess _cluster = null!;
    private ServerProcess? _recorder;
    private HttpClient _source = null!;
    private string _kubeconfig = null!;

    public async Task InitializeAsync()
    {
        _clusterDatabase = await TestDatabase.CreateAsync();
        _recordDatabase = await TestDatabase.CreateAsync();
        _cluster = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = _clusterDatabase.ConnectionString,
            ["Engine:SimulatedKubelet:ReadyAfterSeconds"] = "0.2",
        });
        _source = _cluster.Client();
        _kubeconfig = new Kubectl(_cluster.BaseAddress).KubeconfigPath;
    }

    public async Task DisposeAsync()
    {
        if (_recorder is not null) await _recorder.DisposeAsync();
        await _cluster.DisposeAsync();
        await _recordDatabase.DisposeAsync();
        await _clusterDatabase.DisposeAsync();
    }

    private async Task<HttpClient> StartRecorderAsync(IReadOnlyDictionary<string, string>? more = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = _recordDatabase.ConnectionString,
            ["Engine:Mode"] = "Observe",
            ["Engine:Cluster:Kubeconfig"] = _kubeconfig,
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string>()) settings[key] = value;
        _recorder = await ServerProcess.StartAsync(settings);
        return _recorder.Client();
    }

    [Fact]
    public async Task TheRecordReplaysToTheClustersObjects_ThroughLabelsTaintsARolloutAndARollback_WithNoDivergence()
    {
        foreach (var (name, disk) in new[] { ("node-1", "ssd"), ("node-2", "ssd"), ("node-3", "hdd") })
            await _source.PostAsync("/api/v1/nodes", Http.Node(name, $",\"labels\":{{\"disk\":\"{disk}\"}}"));
        var record = await StartRecorderAsync();
        await _source.PostAsync(Ds, Http.Agent("""{"nodeSelector":{"disk":"ssd"}}"""));
        await SameAsync(record);

        await _source.PatchAsync("/api/v1/nodes/node-3", """{"metadata":{"labels":{"disk":"ssd"}}}""");
        await _source.PatchAsync("/api/v1/nodes/node-2", """{"spec":{"taints":[{"key":"dedicated","value":"infra","effect":"NoExecute"}]}}""");
        await _source.PatchAsync(Ds + "/agent", """{"spec":{"template":{"spec":{"containers":[{"name":"agent","image":"agent:2"}]}}}}""",
            "application/strategic-merge-patch+json");
        await SameAsync(record);
        await _source.PostAsync(Ds + "/agent/rollback", """{"toRevision": 1}""");
        var (pods, _) = await SameAsync(record);
        Assert.Equal(["agent:1", "agent:1"], pods.Select(p => p.Image));
        Assert.Equal(["node-1", "node-3"], pods.Select(p => p.Node).Order());
        // the cluster's revisions, by name, number and template, are the record's: the rollback renumbered revision 1 to 3
        static async Task<List<string>> RevisionsOf(HttpClient server) =>
            (await server.GetJsonAsync("/apis/apps/v1/namespaces/default/controllerrevisions"))["items"]!.AsArray()
            .Select(r => $"{r!["metadata"]!["name"]} {r["revision"]} {r["data"]!.ToJsonString()}").Order().ToList();
        await Wait.UntilAsync(async () => (await RevisionsOf(_source)).SequenceEqual(await RevisionsOf(record)), TimeSpan.FromSeconds(30));
        Assert.Equal([2L, 3L], (await _source.GetJsonAsync("/apis/apps/v1/namespaces/default/controllerrevisions"))["items"]!.AsArray().Select(r => (long)r!["revision"]!).Order());

        // every event of the record is the cluster's
        var events = await record.EventsAsync();
        Assert.All(events, e => Assert.Equal("cluster", (string?)e["metadata"]!["actor"]));
        Assert.All(events, e => Assert.NotNull((string?)e["metadata"]!["source"]!["resourceVersion"]));
        Assert.Contains(events, e => (string?)e["type"] == "node_taints_changed.v1");
        Assert.Contains(events, e => (string?)e["type"] == "daemonset_updated.v1");
        Assert.DoesNotContain(events, e => (string?)e["type"] == "pod_created.v1");

        // the record's timeline tells the cluster's story: the same node changes, in the same words and order (by whom
        // aside: the record knows the cluster, not its users), and the same pods placed on and removed from the same nodes
        var (told, recorded) = (await TimelineAsync(_source), await TimelineAsync(record));
        static List<string> NodeStory(List<JsonNode> timeline) =>
            timeline.Where(e => ((string)e["type"]!).StartsWith("node_", StringComparison.Ordinal))
                .Select(e => (string)e["description"]!).Select(d => d[..d.LastIndexOf(" by ", StringComparison.Ordinal)]).ToList();
        Assert.Equal(NodeStory(told), NodeStory(recorded));
        Assert.Contains(NodeStory(recorded), d => d.Contains("NoExecute", StringComparison.Ordinal));
        var (clusterEvents, recordEvents) = (await _source.EventsAsync(), events);
        static List<(string?, string?)> Placed(List<JsonNode> log, string type) =>
            log.Where(e => (string?)e["type"] == type).Select(e => ((string?)e["data"]!["pod"], (string?)e["data"]!["node"])).Order().ToList();
        Assert.Equal(Placed(clusterEvents, "pod_created.v1"), Placed(recordEvents, "pod_registered.v1"));
        Assert.Equal(Placed(clusterEvents, "pod_deleted.v1"), Placed(recordEvents, "pod_deleted.v1"));

        // the engine's own reading of the record: the cluster followed Kubernetes' rules, so nothing diverges
        var placement = await record.GetJsonAsync("/engine/v1/placement?daemonset=default/agent");
        Assert.Equal((2, 2, 0, 0, 0), ((int)placement["summary"]!["desired"]!, (int)placement["summary"]!["actual"]!,
            (int)placement["summary"]!["missing"]!, (int)placement["summary"]!["misscheduled"]!, (int)placement["summary"]!["outdated"]!));
        Assert.All(placement["nodes"]!.AsArray(), n => Assert.Empty(n!["differences"]!.AsArray()));
        // between a change and the controller's answer the record shows the cluster's reaction time, and nothing else:
        // every divergence ended, none lasted as long as ten seconds
        var divergences = (await record.GetJsonAsync("/engine/v1/divergences"))["items"]!.AsArray();
        Assert.All(divergences, d => Assert.NotNull(d!["until"]));
        Assert.Empty((await record.GetJsonAsync("/engine/v1/divergences?minSeconds=10"))["items"]!.AsArray());
    }

    [Fact]
    public async Task ARestartResumes_WhatChangedMeanwhileIsRecordedOnce_AndNothingIsDoubled()
    {
        foreach (var name in new[] { "node-1", "node-2" }) await _source.PostAsync("/api/v1/nodes", Http.Node(name));
        await _source.PostAsync(Ds, Http.Agent());
        var record = await StartRecorderAsync();
        await SameAsync(record);
        var before = (await record.EventsAsync()).Count;

        // the recorder goes down mid-stream; the cluster goes on
        _recorder!.Kill();
        await _recorder.DisposeAsync();
        _recorder = null;
        await _source.PatchAsync("/api/v1/nodes/node-1", """{"metadata":{"labels":{"zone":"a"}}}""");
        await _source.PostAsync("/api/v1/nodes", Http.Node("node-3"));
        await _source.SendAsync(HttpMethod.Delete, "/api/v1/nodes/node-2");

        record = await StartRecorderAsync();
        await SameAsync(record);
        var events = await record.EventsAsync();
        var since = events.Skip(before).Select(e => (string?)e["type"]).ToList();
        Assert.Contains("node_labels_changed.v1", since);
        Assert.Contains("node_joined.v1", since);
        Assert.Contains("node_removed.v1", since);
        // the watches resumed from the last resourceVersion the log held: the changes came from them, not from a relist
        Assert.All(events.Skip(before), e => Assert.StartsWith("watch:", (string)e["metadata"]!["correlationId"]!));
        Assert.Contains("Resuming the watch of nodes from resourceVersion", _recorder!.Output);
        // once each: a node joined, a pod registered, whatever the restarts
        Assert.Equal(3, events.Count(e => (string?)e["type"] == "node_joined.v1"));
        var registered = events.Where(e => (string?)e["type"] == "pod_registered.v1").Select(e => (string?)e["data"]!["pod"]).ToList();
        Assert.Equal(registered.Distinct().Count(), registered.Count);

        // where each kind's watch stands is kept with its events: the source resourceVersion and seq of the kind's last
        // event, which the log searched backwards gives too
        var kept = await SourcePositionsAsync();
        Assert.Equal(["daemonsets", "nodes", "pods"], kept.Keys.Order(StringComparer.Ordinal));
        foreach (var (kind, position) in kept)
        {
            var last = events.Last(e => ((string)e["metadata"]!["correlationId"]!).Split(':')[1] == kind);
            Assert.Equal(((string?)last["metadata"]!["source"]!["resourceVersion"], (long)last["seq"]!), position);
        }

        // restarted again with nothing changed: nothing at all is appended; each kind resumes where its row says
        var settled = events.Count;
        var older = (string)events.First(e => (string?)e["type"] == "node_joined.v1")["metadata"]!["source"]!["resourceVersion"]!;
        await SqlAsync("update source_positions set resource_version = $1 where kind = 'nodes'", older);
        await RestartRecorderAsync();
        Assert.Contains($"Resuming the watch of nodes from resourceVersion {older}, the last the log holds", _recorder!.Output);
        Assert.Equal(settled, (await _recorder.Client().EventsAsync()).Count);
        // a log recorded before the rows were kept resumes from its last event as before, and keeps it in the row
        await SqlAsync("delete from source_positions", null);
        await RestartRecorderAsync();
        Assert.Contains($"Resuming the watch of nodes from resourceVersion {kept["nodes"].Version}, the last the log holds", _recorder!.Output);
        Assert.Equal(settled, (await _recorder.Client().EventsAsync()).Count);
        Assert.Equal(kept, await SourcePositionsAsync());
    }

    private async Task RestartRecorderAsync()
    {
        _recorder!.Kill();
        await _recorder.DisposeAsync();
        _recorder = null;
        await SameAsync(await StartRecorderAsync());
    }

    private async Task<Dictionary<string, (string? Version, long Seq)>> SourcePositionsAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(_recordDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select kind, resource_version, seq from source_positions", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var positions = new Dictionary<string, (string?, long)>(StringComparer.Ordinal);
        while (await reader.ReadAsync()) positions[reader.GetString(0)] = (reader.GetString(1), reader.GetInt64(2));
        return positions;
    }

    private async Task SqlAsync(string sql, string? parameter)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_recordDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        if (parameter is not null) command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = parameter });
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task OneProcessRecords_TheOneThatLeads_AndAStandbyTakesOverWhenItDies()
    {
        await _source.PostAsync("/api/v1/nodes", Http.Node("node-1"));
        await _source.PostAsync(Ds, Http.Agent());
        var settings = new Dictionary<string, string> { ["Engine:Leader:PollSeconds"] = "0.2" };
        var leader = await StartRecorderAsync(settings);
        await SameAsync(leader);
        await using var standbyProcess = await ServerProcess.StartAsync(new Dictionary<string, string>(settings)
        {
            ["ConnectionStrings:Events"] = _recordDatabase.ConnectionString,
            ["Engine:Mode"] = "Observe",
            ["Engine:Cluster:Kubeconfig"] = _kubeconfig,
        });
        var standby = standbyProcess.Client();

        // what changes once the standby runs is recorded by the leader alone: the standby has not even listed the cluster
        await _source.PostAsync("/api/v1/nodes", Http.Node("node-2"));
        await SameAsync(leader);
        await SameAsync(standby);
        var waiting = await standby.GetJsonAsync("/readyz");
        Assert.False((bool)waiting["leader"]!);
        Assert.False((bool)waiting["recorder"]!["live"]!);
        Assert.Empty(waiting["recorder"]!["resourceVersions"]!.AsObject());
        Assert.Contains("Standing by: the process that leads records the cluster", standbyProcess.Output);

        // the leader dies: the standby takes the lease and records from where the log stands, nothing lost or doubled
        _recorder!.Kill();
        await _recorder.DisposeAsync();
        _recorder = null;
        await _source.PatchAsync("/api/v1/nodes/node-1", """{"metadata":{"labels":{"zone":"a"}}}""");
        await _source.PostAsync("/api/v1/nodes", Http.Node("node-3"));
        await SameAsync(standby);
        await Wait.UntilAsync(async () => (bool)(await standby.GetJsonAsync("/readyz"))["recorder"]!["live"]!, TimeSpan.FromSeconds(30));
        Assert.True((bool)(await standby.GetJsonAsync("/readyz"))["leader"]!);
        Assert.Contains("Resuming the watch of nodes from resourceVersion", standbyProcess.Output);
        var events = await standby.EventsAsync();
        Assert.Equal(3, events.Count(e => (string?)e["type"] == "node_joined.v1"));
        Assert.Single(events, e => (string?)e["type"] == "node_labels_changed.v1");
        var registered = events.Where(e => (string?)e["type"] == "pod_registered.v1").Select(e => (string?)e["data"]!["pod"]).ToList();
        Assert.Equal(registered.Distinct().Count(), registered.Count);

        // the lease's connection is cut: the process stops recording, takes the lease again, and resumes where the log stands
        await CutTheLeaseAsync();
        await Wait.UntilAsync(() => Task.FromResult(standbyProcess.Output.Contains("This process no longer leads: it stopped recording", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30));
        await _source.SendAsync(HttpMethod.Delete, "/api/v1/nodes/node-2");
        await SameAsync(standby);
        await Wait.UntilAsync(async () => (bool)(await standby.GetJsonAsync("/readyz"))["recorder"]!["live"]!, TimeSpan.FromSeconds(30));
        Assert.Single(await standby.EventsAsync(), e => (string?)e["type"] == "node_removed.v1");
    }

    [Fact]
    public async Task ARecorderWhoseLeaseIsGone_AppendsNothingMore_EvenBeforeItsNextCheck_AndAStandbyRecordsInstead()
    {
        await _source.PostAsync("/api/v1/nodes", Http.Node("node-1"));
        // the recorder checks that it still leads only every ten minutes: what stops it sooner is its appends' fence
        var leader = await StartRecorderAsync(new Dictionary<string, string> { ["Engine:Leader:PollSeconds"] = "600" });
        await SameAsync(leader);
        var before = (await leader.EventsAsync()).Count;

        // its lease's connection is cut; the lease's own loop lets go of it, but the recording goes on until its next check
        await CutTheLeaseAsync();
        await Wait.UntilAsync(async () => !(bool)(await leader.GetJsonAsync("/readyz"))["leader"]!, TimeSpan.FromSeconds(30));
        await _source.PatchAsync("/api/v1/nodes/node-1", """{"metadata":{"labels":{"zone":"a"}}}""");
        await Wait.UntilAsync(() => Task.FromResult(_recorder!.Output.Contains("This process no longer leads: it stopped recording", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30));
        Assert.Contains("Not recorded: this process no longer holds the leader lease", _recorder!.Output);
        Assert.Equal(before, (await leader.EventsAsync()).Count);

        // a standby takes the lease and records what the first one saw and did not append, once
        await using var standbyProcess = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = _recordDatabase.ConnectionString,
            ["Engine:Mode"] = "Observe",
            ["Engine:Cluster:Kubeconfig"] = _kubeconfig,
            ["Engine:Leader:PollSeconds"] = "0.2",
        });
        var standby = standbyProcess.Client();
        await SameAsync(standby);
        Assert.Single(await standby.EventsAsync(), e => (string?)e["type"] == "node_labels_changed.v1");
    }

    /// <summary>Ends the session that holds the leader lease of the record's database (its connection is cut).</summary>
    private async Task CutTheLeaseAsync()
    {
        await using var database = new Npgsql.NpgsqlConnection(_recordDatabase.ConnectionString);
        await database.OpenAsync();
        await using var cut = new Npgsql.NpgsqlCommand(
            "select count(pg_terminate_backend(pid)) from pg_locks where locktype = 'advisory' and classid = $1 and objid = $2 and granted"
            + " and database = (select oid from pg_database where datname = current_database())", database);
        cut.Parameters.Add(new Npgsql.NpgsqlParameter { Value = (long)(EventEngine.Runtime.LeaderLease.LockKey >> 32) });
        cut.Parameters.Add(new Npgsql.NpgsqlParameter { Value = EventEngine.Runtime.LeaderLease.LockKey & 0xFFFF_FFFF });
        Assert.Equal(1L, await cut.ExecuteScalarAsync());
    }

    [Fact]
    public async Task WritesToTheRecordAreRefused_ReadsAndWhatIfsAreNot()
    {
        await _source.PostAsync("/api/v1/nodes", Http.Node("node-1"));
        var record = await StartRecorderAsync();
        await SameAsync(record);
        var before = (await record.EventsAsync()).Count;

        var (status, body, response) = await record.PostAsync("/api/v1/nodes", Http.Node("typed-in"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Contains("Engine:Mode=Observe", response.AssertStatus(body, 405));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await record.PatchAsync("/api/v1/nodes/node-1", """{"metadata":{"labels":{"a":"b"}}}""")).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await record.PostAsync("/engine/v1/apply", Http.Node("typed-in"))).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await record.SendAsync(HttpMethod.Delete, "/api/v1/nodes/node-1")).Status);
        Assert.Equal(HttpStatusCode.OK, (await record.SendAsync(HttpMethod.Get, "/api/v1/nodes/node-1")).Status);
        Assert.Equal(HttpStatusCode.OK, (await record.PostAsync("/engine/v1/replay", """{"from": 0}""")).Status);
        // and kubectl auth can-i says so, before anyone tries
        const string review = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
        var (_, cannot, _) = await record.PostAsync(review, """{"spec":{"resourceAttributes":{"verb":"patch","resource":"nodes"}}}""");
        Assert.Equal((false, true), ((bool)cannot!["status"]!["allowed"]!, ((string)cannot["status"]!["reason"]!).Contains("Engine:Mode=Observe", StringComparison.Ordinal)));
        var (_, can, _) = await record.PostAsync(review, """{"spec":{"nonResourceAttributes":{"verb":"post","path":"/engine/v1/replay"}}}""");
        Assert.True((bool)can!["status"]!["allowed"]!);
        Assert.Equal(before, (await record.EventsAsync()).Count);

        // the recorder's state, for probes and dashboards
        // live once every kind's watch has started, just after the first lists
        await Wait.UntilAsync(async () => (bool)(await record.GetJsonAsync("/readyz"))["recorder"]!["live"]!, TimeSpan.FromSeconds(30));
        var ready = (await record.GetJsonAsync("/readyz"))["recorder"]!;
        Assert.Equal(_cluster.BaseAddress.ToString().TrimEnd('/'), ((string)ready["server"]!).TrimEnd('/'));
        Assert.Equal(["controllerrevisions", "daemonsets", "nodes", "pods"], ready["resourceVersions"]!.AsObject().Select(p => p.Key).Order());
        Assert.Contains("eventengine_recorder_live 1", await record.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task TheRecordersState_IsShownToReaders_NotToAnonymousProbes()
    {
        const string token = "viewer-token-3f9c";
        await StartRecorderAsync(new Dictionary<string, string>
        {
            ["Engine:Auth:Tokens:0:User"] = "vera", ["Engine:Auth:Tokens:0:Role"] = "viewer",
            ["Engine:Auth:Tokens:0:Sha256"] = EventEngine.Integration.Tests.Api.TokenServer.Sha256(token),
        });
        using var viewer = _recorder!.Client(token);
        using var probe = _recorder.Client();
        await Wait.UntilAsync(async () => (await viewer.GetJsonAsync("/readyz"))["recorder"]?["live"] is { } live && (bool)live, TimeSpan.FromSeconds(30));

        // a probe (no token) learns that the server is ready, not which cluster it records
        var anonymous = await probe.GetJsonAsync("/readyz");
        Assert.Equal("ready", (string?)anonymous["status"]);
        Assert.Null(anonymous["recorder"]);
        Assert.Equal(_cluster.BaseAddress.ToString().TrimEnd('/'), ((string)(await viewer.GetJsonAsync("/readyz"))["recorder"]!["server"]!).TrimEnd('/'));
    }

    [Fact]
    public async Task AKubeconfigThatCannotBeUsed_OrAnUnknownMode_StopsStartUpNamingTheSetting()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-kubeconfig-{Guid.NewGuid():N}");
        var (code, output) = await ServerProcess.RunToExitAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = _recordDatabase.ConnectionString,
            ["Engine:Mode"] = "Observe",
            ["Engine:Cluster:Kubeconfig"] = missing,
        }, $"http://127.0.0.1:{ServerProcess.FreePort()}", TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, code);
        Assert.Contains($"Engine:Cluster:Kubeconfig is \"{missing}\": no such file", output);

        var wrongContext = Path.Combine(Path.GetDirectoryName(_kubeconfig)!, "other-context");
        File.WriteAllText(wrongContext, File.ReadAllText(_kubeconfig));
        (code, output) = await ServerProcess.RunToExitAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = _recordDatabase.ConnectionString,
            ["Engine:Mode"] = "Observe",
            ["Engine:Cluster:Kubeconfig"] = wrongContext,
            ["Engine:Cluster:Context"] = "production",
        }, $"http://127.0.0.1:{ServerProcess.FreePort()}", TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, code);
        Assert.Contains("(context production) cannot be used: no context \"production\" in the kubeconfig", output);

        (code, output) = await ServerProcess.RunToExitAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = _recordDatabase.ConnectionString,
            ["Engine:Mode"] = "Watch",
        }, $"http://127.0.0.1:{ServerProcess.FreePort()}", TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, code);
        Assert.Contains("Engine:Mode is \"Watch\": it must be Control or Observe", output);
    }

    private static async Task<List<JsonNode>> TimelineAsync(HttpClient c) =>
        (await c.GetJsonAsync("/engine/v1/timeline?limit=1000"))["items"]!.AsArray().Select(e => e!).ToList();

    private sealed record NodeView(string Name, string Uid, string Labels, string Taints, bool Unschedulable);

    private sealed record DaemonSetView(string Key, string Uid, long Generation, string Image, string Status);

    private sealed record PodView(string Key, string? Node, string Phase, bool Ready, string Labels, string? Owner, string? Image);

    /// <summary>Waits until the record shows the cluster's nodes, DaemonSets and pods, field for field, once the cluster has settled.</summary>
    private async Task<(List<PodView> Pods, List<NodeView> Nodes)> SameAsync(HttpClient record)
    {
        string last = "";
        (List<PodView>, List<NodeView>) result = default;
        try
        {
            await Wait.UntilAsync(async () =>
            {
                var cluster = await SnapshotAsync(_source);
                var recorded = await SnapshotAsync(record);
                // the cluster has settled: every pod ready and the DaemonSet's status caught up
                var settled = cluster.Pods.All(p => p.Ready) && cluster.DaemonSets.All(d => d.Status.StartsWith($"observed {d.Generation} ", StringComparison.Ordinal));
                last = $"cluster:\n{Describe(cluster)}\nrecord:\n{Describe(recorded)}";
                result = (cluster.Pods, cluster.Nodes);
                return settled && Describe(cluster) == Describe(recorded);
            }, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the record never matched the cluster:\n{last}");
        }
        return result;
    }

    private static string Describe((List<NodeView> Nodes, List<DaemonSetView> DaemonSets, List<PodView> Pods) s) =>
        string.Join("\n", s.Nodes.Select(n => n.ToString()).Concat(s.DaemonSets.Select(d => d.ToString())).Concat(s.Pods.Select(p => p.ToString())));

    private static async Task<(List<NodeView> Nodes, List<DaemonSetView> DaemonSets, List<PodView> Pods)> SnapshotAsync(HttpClient c)
    {
        static string Map(JsonNode? map) => map is JsonObject o ? string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")) : "";
        var nodes = (await c.GetJsonAsync("/api/v1/nodes"))["items"]!.AsArray().Select(n => new NodeView(
            (string)n!["metadata"]!["name"]!, (string)n["metadata"]!["uid"]!, Map(n["metadata"]!["labels"]),
            string.Join(",", (n["spec"]?["taints"] as JsonArray ?? []).Select(t => $"{t!["key"]}={t["value"]}:{t["effect"]}")),
            (bool?)n["spec"]?["unschedulable"] ?? false)).ToList();
        var daemonSets = (await c.GetJsonAsync("/apis/apps/v1/daemonsets"))["items"]!.AsArray().Select(d =>
        {
            var st = d!["status"]!;
            return new DaemonSetView($"{d["metadata"]!["namespace"]}/{d["metadata"]!["name"]}", (string)d["metadata"]!["uid"]!,
                (long)d["metadata"]!["generation"]!, (string)d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!,
                $"observed {st["observedGeneration"]} desired {st["desiredNumberScheduled"]} current {st["currentNumberScheduled"]} ready {st["numberReady"]} updated {st["updatedNumberScheduled"]} available {st["numberAvailable"]}");
        }).ToList();
        var pods = (await c.GetJsonAsync("/api/v1/pods"))["items"]!.AsArray().Select(p => new PodView(
            $"{p!["metadata"]!["namespace"]}/{p["metadata"]!["name"]}", (string?)p["spec"]!["nodeName"], (string)p["status"]!["phase"]!,
            (p["status"]!["conditions"] as JsonArray ?? []).Any(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True"),
            Map(p["metadata"]!["labels"]), (string?)p["metadata"]!["ownerReferences"]?[0]?["uid"],
            (string?)p["spec"]!["containers"]?[0]?["image"])).ToList();
        return (nodes, daemonSets, pods);
    }
}
