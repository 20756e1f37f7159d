using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Recording;

/// <summary>
/// POST /engine/v1/import on an engine in Observe mode: an audit log (the fixture Fixtures/audit.jsonl, in the real
/// audit.k8s.io/v1 format) records exactly its six usable lines at their own times and users, and reports the six it
/// cannot use by reason; importing it again appends nothing; kubectl's watch output and a List snapshot import too.
/// </summary>
[Trait("Category", "Recording")]
public sealed class ImportTests : ApiTest
{
    // the system clock: imported times (2026-01-10) are kept only up to now, and the manual clock starts before them
    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Engine:Mode"] = "Observe", ["Engine:Clock"] = "System" };

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Recording", "Fixtures", name));

    [Fact]
    public async Task AnAuditLog_RecordsWhatItsWritesLeft_AtTheirTimesAndUsers_AndReportsWhatItCannotUse()
    {
        var (status, summary, _) = await Client.PostAsync("/engine/v1/import", Fixture("audit.jsonl"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((13L, 7L, 7L, 0L, 6L), ((long)summary!["read"]!, (long)summary["recorded"]!, (long)summary["events"]!, (long)summary["alreadyImported"]!, (long)summary["skipped"]!));
        var because = summary["skippedBecause"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("audit verb get: only create, update, patch and delete change objects", because);
        Assert.Contains("audit event about leases: only nodes, pods, daemonsets and controllerrevisions are recorded", because);
        Assert.Contains("audit event of a request that failed (409)", because);
        Assert.Contains("audit patch without the object (a patch at Request level holds only the patch: log at RequestResponse)", because);
        Assert.Contains("audit stage RequestReceived: only ResponseComplete says what happened", because);
        Assert.Single(because, b => b.StartsWith("malformed JSON", StringComparison.Ordinal));
        Assert.StartsWith("line 12: malformed JSON", (string?)summary["firstSkipped"]![5]);

        var events = await Client.EventsAsync();
        Assert.Equal(
        [
            ("node_joined.v1", "system:node:n1", "2026-01-10T10:00:00.012Z"),
            ("node_joined.v1", "system:node:n2", "2026-01-10T10:00:05.02Z"),
            ("daemonset_created.v1", "kubernetes-admin", "2026-01-10T10:01:00.031Z"),
            ("daemonset_revision_observed.v1", "system:serviceaccount:kube-system:daemon-set-controller", "2026-01-10T10:01:00.038Z"),
            ("pod_registered.v1", "system:serviceaccount:kube-system:daemon-set-controller", "2026-01-10T10:01:00.045Z"),
            ("pod_status_observed.v1", "system:node:n1", "2026-01-10T10:01:04.5Z"),
            ("pod_deleted.v1", "kubernetes-admin", "2026-01-10T10:05:00.1Z"),
        ], events.Select(e => ((string?)e["type"], (string?)e["metadata"]!["actor"], DateTimeOffset.Parse((string)e["recordedAt"]!).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ"))));
        Assert.Equal("7c1e0b6e-0000-4000-8000-00000000da01", (string?)(await Client.GetJsonAsync("/apis/apps/v1/namespaces/monitoring/daemonsets/agent"))["metadata"]!["uid"]);
        // each event says where in the cluster it comes from: the audit event, the object's resourceVersion and uid
        Assert.Equal(("1101", "7c1e0b6e-0000-4000-8000-0000000000a1", "00000000-0000-4000-8000-000000000001"),
            ((string?)events[0]["metadata"]!["source"]!["resourceVersion"], (string?)events[0]["metadata"]!["source"]!["uid"], (string?)events[0]["metadata"]!["source"]!["auditId"]));
        Assert.Equal("00000000-0000-4000-8000-000000000012", (string?)events[6]["metadata"]!["source"]!["auditId"]);

        // the past as the log now holds it: the pod ran on n1 between its creation and its deletion
        var during = await Client.GetJsonAsync("/engine/v1/placement?daemonset=monitoring/agent&at=2026-01-10T10:02:00Z");
        Assert.Equal((1, 1, 0, 0), ((int)during["summary"]!["desired"]!, (int)during["summary"]!["actual"]!, (int)during["summary"]!["missing"]!, (int)during["summary"]!["outdated"]!));
        // its revision is the cluster's (the hash its pod carries), so the pod counts as up to date
        var revision = (await Client.GetJsonAsync("/apis/apps/v1/namespaces/monitoring/controllerrevisions"))["items"]!.AsArray().Single()!;
        Assert.Equal(("agent-6f9c8d7b5", 1L), ((string?)revision["metadata"]!["name"], (long)revision["revision"]!));
        // the controller took 14 ms to create the pod (a divergence that short is its reaction time); since the pod's
        // deletion nothing runs where one should, and nothing says otherwise to the end of the log
        var divergences = (await Client.GetJsonAsync("/engine/v1/divergences?daemonset=monitoring/agent"))["items"]!.AsArray();
        Assert.Equal([("n1", "missing", "2026-01-10T10:01:00.031Z", true), ("n1", "missing", "2026-01-10T10:05:00.1Z", false)],
            divergences.Select(d => ((string?)d!["node"], (string?)d["kind"], DateTimeOffset.Parse((string)d["since"]!["time"]!).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ"),
                d["until"] is not null)));
        Assert.Equal(0.014, (double)divergences[0]!["seconds"]!);
        // still open at the head of the log: it has lasted until now
        Assert.True((double)divergences[1]!["seconds"]! > (DateTimeOffset.UtcNow - DateTimeOffset.Parse("2026-01-10T10:05:01Z")).TotalSeconds);
        Assert.Single((await Client.GetJsonAsync("/engine/v1/divergences?daemonset=monitoring/agent&minSeconds=1"))["items"]!.AsArray());

        // the same file again: nothing appended, every usable line recognised as imported
        var (_, again, _) = await Client.PostAsync("/engine/v1/import", Fixture("audit.jsonl"));
        Assert.Equal((0L, 7L, 6L), ((long)again!["recorded"]!, (long)again["alreadyImported"]!, (long)again["skipped"]!));
        Assert.Equal(events.Count, (await Client.EventsAsync()).Count);
    }

    [Fact]
    public async Task AListSnapshotThenKubectlsWatchOutput_RecordTheObjectsAndTheirChanges()
    {
        const string snapshot = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Node
              metadata: {name: n1, uid: 9b0c0000-0000-4000-8000-000000000001, labels: {disk: ssd}}
            - apiVersion: v1
              kind: Node
              metadata: {name: n2, uid: 9b0c0000-0000-4000-8000-000000000002, labels: {disk: hdd}}
            - apiVersion: v1
              kind: ConfigMap
              metadata: {name: settings, namespace: default}
            """;
        var (status, first, _) = await Client.PostAsync("/engine/v1/import", snapshot, Http.Yaml);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((1L, 2L, 1L), ((long)first!["read"]!, (long)first["recorded"]!, (long)first["skipped"]!));
        Assert.Equal(1L, (long)first["skippedBecause"]!["kind ConfigMap: only Node, DaemonSet, ControllerRevision and Pod are recorded"]!);

        // kubectl get nodes -w -o json --output-watch-events: pretty JSON objects one after another
        var watch = new StringBuilder();
        foreach (var e in new[]
                 {
                     new JsonObject { ["type"] = "MODIFIED", ["object"] = NodeJson("n2", "ssd", 2) },
                     new JsonObject { ["type"] = "BOOKMARK", ["object"] = new JsonObject { ["kind"] = "Node", ["metadata"] = new JsonObject { ["resourceVersion"] = "7" } } },
                     new JsonObject { ["type"] = "DELETED", ["object"] = NodeJson("n1", "ssd", 1) },
                 })
            watch.AppendLine(e.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        var (_, second, _) = await Client.PostAsync("/engine/v1/import", watch.ToString());
        Assert.Equal((3L, 2L, 1L), ((long)second!["read"]!, (long)second["recorded"]!, (long)second["skipped"]!));
        var nodes = (await Client.GetJsonAsync("/api/v1/nodes"))["items"]!.AsArray();
        Assert.Equal([("n2", "ssd")], nodes.Select(n => ((string?)n!["metadata"]!["name"], (string?)n["metadata"]!["labels"]!["disk"])));
        Assert.Equal(["node_joined.v1", "node_joined.v1", "node_labels_changed.v1", "node_removed.v1"], (await Client.EventsAsync()).Select(e => (string?)e["type"]));
    }

    [Fact]
    public async Task AskedForNdjson_TheImportReportsAsItGoes_ThenItsSummary()
    {
        var lines = new StringBuilder();
        for (var i = 0; i < 150; i++)
            lines.AppendLine(new JsonObject { ["type"] = "ADDED", ["object"] = NodeJson($"n{i}", i % 2 == 0 ? "ssd" : "hdd", 1) }.ToJsonString().Replace("00000000001", $"{i:D11}"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/engine/v1/import") { Content = new StringContent(lines.ToString(), Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/x-ndjson");
        using var response = await Client.SendAsync(request);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var answer = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        // 150 commands go in groups of 64: two reports on the way, one at the end, then the summary
        Assert.Equal([64L, 128L, 150L], answer.SkipLast(1).Select(l => (long)l["progress"]!["recorded"]!));
        Assert.Equal((150L, 150L, 0L), ((long)answer[^1]["summary"]!["read"]!, (long)answer[^1]["summary"]!["recorded"]!, (long)answer[^1]["summary"]!["skipped"]!));
        Assert.Equal(150, (await Client.GetJsonAsync("/api/v1/nodes"))["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task WhatTheEngineRefuses_IsReportedAsSkipped_AndAnArrayOnALineIsItsValues()
    {
        var (status, summary, _) = await Client.PostAsync("/engine/v1/import",
            """[{"apiVersion":"v1","kind":"Node","metadata":{"name":"Bad_Name"}}, 1, {"apiVersion":"v1","kind":"Node","metadata":{"name":"good"}}]""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((3L, 1L, 0L, 2L), ((long)summary!["read"]!, (long)summary["recorded"]!, (long)summary["unchanged"]!, (long)summary["skipped"]!));
        var because = summary["skippedBecause"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("not a JSON object", because);
        Assert.Contains(because, b => b.StartsWith("refused: Node Bad_Name: ", StringComparison.Ordinal) && b.Contains("metadata.name", StringComparison.Ordinal));
        Assert.Equal(["good"], (await Client.GetJsonAsync("/api/v1/nodes"))["items"]!.AsArray().Select(n => (string?)n!["metadata"]!["name"]));
    }

    [Fact]
    public async Task ConcatenatedValues_EndAtOneThatDoesNotParse_SayingWhere_AndLinesMayEndInCrLf()
    {
        // pretty-printed values one after another, as kubectl prints them, then 80 KB of numbers (not objects: skipped),
        // so the stream is read in several pieces; a stray brace after the node "second" ends it
        var (status, summary, _) = await Client.PostAsync("/engine/v1/import",
            "{\n  \"apiVersion\": \"v1\", \"kind\": \"Node\",\n  \"metadata\": {\"name\": \"first\"}\n}\n"
            + string.Concat(Enumerable.Repeat("1 ", 40_000))
            + "{\n  \"apiVersion\": \"v1\", \"kind\": \"Node\",\n  \"metadata\": {\"name\": \"second\"}}\n}\n"
            + "{\n  \"apiVersion\": \"v1\", \"kind\": \"Node\",\n  \"metadata\": {\"name\": \"third\"}\n}\n");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((40_003L, 2L, 40_001L), ((long)summary!["read"]!, (long)summary["recorded"]!, (long)summary["skipped"]!));
        var malformed = (string?)summary["skippedBecause"]!.AsObject().Single(p => p.Key.StartsWith("malformed", StringComparison.Ordinal)).Key;
        Assert.StartsWith("malformed JSON at byte 80148: '}' ", malformed);
        Assert.EndsWith("; the rest of the file is not read", malformed);
        Assert.Equal(["first", "second"], (await Client.GetJsonAsync("/api/v1/nodes"))["items"]!.AsArray().Select(n => (string?)n!["metadata"]!["name"]).Order());

        // JSON lines written on Windows, with a byte order mark and the last without its line end
        (status, summary, _) = await Client.PostAsync("/engine/v1/import",
            "\uFEFF{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"crlf-1\"}}\r\n\r\n{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"crlf-2\"}}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((2L, 2L, 0L), ((long)summary!["read"]!, (long)summary["recorded"]!, (long)summary["skipped"]!));

        // a recorded node is kept without its annotations (its agents' bookkeeping, which some change all the time)
        (status, summary, _) = await Client.PostAsync("/engine/v1/import",
            """{"apiVersion":"v1","kind":"Node","metadata":{"name":"crlf-1","annotations":{"node.alpha.kubernetes.io/ttl":"0"}}}""");
        Assert.Equal((HttpStatusCode.OK, 1L, 0L, 1L), (status, (long)summary!["read"]!, (long)summary["recorded"]!, (long)summary["unchanged"]!));
        Assert.Null((await Client.GetJsonAsync("/api/v1/nodes/crlf-1"))["metadata"]!["annotations"]);
    }

    [Fact]
    public async Task FieldsOfTheWrongShape_AreSkippedWithTheirReason_NotAnError()
    {
        // a responseStatus that is a string, an owner reference whose controller is a string, a status count that is one
        var (status, summary, _) = await Client.PostAsync("/engine/v1/import", """
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","responseStatus":"x","verb":"create","objectRef":{"resource":"nodes"}}
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"d","ownerReferences":[{"kind":"DaemonSet","controller":"yes","uid":"u"}, 7]},"spec":{"nodeName":"n"}}
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"a","namespace":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}},"status":{"numberReady":"x"}}
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        // skipped: the two lines, and the status that came with the DaemonSet recorded
        Assert.Equal((3L, 1L, 3L), ((long)summary!["read"]!, (long)summary["recorded"]!, (long)summary["skipped"]!));
        var because = summary["skippedBecause"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("audit event of a request that failed (0)", because);
        Assert.Contains("a Pod no DaemonSet controls", because);
        // the DaemonSet is recorded; the status it came with is not, and says why
        Assert.Equal(["d/a"], (await Client.GetJsonAsync("/apis/apps/v1/daemonsets"))["items"]!.AsArray().Select(d => $"{d!["metadata"]!["namespace"]}/{d["metadata"]!["name"]}"));
        Assert.Contains(because, b => b.StartsWith("refused: DaemonSet d/a status: ", StringComparison.Ordinal) && b.Contains("status.numberReady", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WritesAreRefused_AndAnEngineInControlModeRefusesImports()
    {
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await Client.PostAsync("/api/v1/nodes", Http.Node("n1"))).Status);
        await using var control = EngineApi.Start(Database);
        var (status, problem, _) = await control.Client.PostAsync("/engine/v1/import", Fixture("audit.jsonl"));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("Engine:Mode=Observe", (string?)problem!["detail"]);
        Assert.Equal(0, await control.Client.EventCountAsync());
    }

    private static JsonObject NodeJson(string name, string disk, int uid) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Node",
        ["metadata"] = new JsonObject
        {
            ["name"] = name, ["uid"] = $"9b0c0000-0000-4000-8000-00000000000{uid}", ["resourceVersion"] = "5", ["labels"] = new JsonObject { ["disk"] = disk },
        },
    };
}
