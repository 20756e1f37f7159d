using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;

namespace EventEngine.Integration.Tests.Api;

/// <summary>
/// Hostile bodies and query strings, as an attacker on loopback would send them, through the real pipeline: the
/// bodies known to have crashed the server or answered 500 (a self-referencing YAML alias, 200 KB of brackets, an alias
/// bomb, lone surrogates, duplicate keys, wrong shapes, nulls in lists, nesting past 64, a foreign kind) and several
/// thousand seeded mutations of valid requests to every endpoint. None may answer 5xx or crash the process, none that
/// is refused may change the log, and the server's memory stays within its bound.
/// </summary>
public sealed class HostileInputTests(Xunit.Abstractions.ITestOutputHelper output) : ApiTest
{
    /// <summary>Growth of the process's peak working set allowed over the whole run (the server shares the test process).</summary>
    private const long MemoryBound = 512L * 1024 * 1024;

    private const string NodeBody = """{"apiVersion":"v1","kind":"Node","metadata":{"name":"fuzz-node","labels":{"zone":"a"}},"spec":{"taints":[{"key":"k","value":"v","effect":"NoSchedule"}]}}""";
    private const string PodBody = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"fuzz-pod","namespace":"default","labels":{"app":"agent"}},"spec":{"nodeName":"node-1","containers":[{"name":"c","image":"i"}]},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""";

    /// <summary>The bodies that took the server down or answered 500 before, by name.</summary>
    public static readonly (string Name, string Type, byte[] Body)[] Known =
    [
        ("recursive alias", "application/yaml", Encoding.UTF8.GetBytes("a: &a [*a]")),
        ("recursive alias in a mapping", "application/yaml", Encoding.UTF8.GetBytes("a: &a {b: *a}")),
        ("200 KB of brackets", "application/yaml", Encoding.UTF8.GetBytes(new string('[', 200_000))),
        ("200 KB of braces", "application/yaml", Encoding.UTF8.GetBytes(new string('{', 200_000))),
        ("200 KB of JSON brackets", "application/json", Encoding.UTF8.GetBytes(new string('[', 200_000))),
        ("alias bomb", "application/yaml", Encoding.UTF8.GetBytes(AliasBomb())),
        ("deep block YAML", "application/yaml", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 300).Select(i => new string(' ', i) + "a:\n")))),
        ("lone high surrogate", "application/json", Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"x","labels":{"a":"\ud800"}}}""")),
        ("lone low surrogate in a key", "application/json", Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"x","labels":{"\udc00":"a"}}}""")),
        ("NUL", "application/json", Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"x","annotations":{"a":"\u0000"}}}""")),
        ("YAML NUL", "application/yaml", Encoding.UTF8.GetBytes("apiVersion: v1\nkind: Node\nmetadata: {name: x, labels: {a: \"\\0\"}}\n")),
        ("YAML lone surrogate", "application/yaml", Encoding.UTF8.GetBytes("apiVersion: v1\nkind: Node\nmetadata: {name: x, labels: {a: \"\\ud800\"}}\n")),
        ("invalid UTF-8", "application/json", [.. Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"x"""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}}")]),
        ("duplicate keys", "application/json", Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"x","name":"y"}}""")),
        ("metadata is a list", "application/json", Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Node","metadata":[]}""")),
        ("a null taint", "application/json", Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"x"},"spec":{"taints":[null]}}""")),
        ("nesting past 64", "application/json", Encoding.UTF8.GetBytes(new string('[', 100) + new string(']', 100))),
        ("nesting past 64 in YAML", "application/yaml", Encoding.UTF8.GetBytes(new string('[', 100) + new string(']', 100))),
        ("a kind that does not exist", "application/json", Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Banana","metadata":{"name":"banana"}}""")),
        ("a number too large", "application/json", Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"x","generation":1e999}}""")),
        ("a time that is not one", "application/json", Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"x","creationTimestamp":"yesterday"}}""")),
        ("a time that is a number", "application/json", Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"x","creationTimestamp":12}}""")),
        ("an empty body", "application/json", []),
        ("a JSON string", "application/json", Encoding.UTF8.GetBytes("\"node\"")),
        ("YAML tags", "application/yaml", Encoding.UTF8.GetBytes("!!binary aGVsbG8=")),
        ("many YAML documents", "application/yaml", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("---\n{}\n", 50_000)))),
    ];

    /// <summary>Nine levels of nine aliases each: 409 bytes that a naive reader expands into 387 million values.</summary>
    private static string AliasBomb()
    {
        var yaml = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            yaml.Append($"{level}: &{level} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n");
        }
        return yaml.ToString();
    }

    /// <summary>Every write endpoint, with a valid body to mutate and the media types it may be sent as.</summary>
    private static readonly (HttpMethod Method, string Path, string Body, string[] Types)[] Writes =
    [
        (HttpMethod.Post, "/api/v1/nodes", NodeBody, ["application/json", "application/yaml"]),
        (HttpMethod.Put, "/api/v1/nodes/node-1", NodeBody.Replace("fuzz-node", "node-1"), ["application/json", "application/yaml"]),
        (HttpMethod.Patch, "/api/v1/nodes/node-1", """{"metadata":{"labels":{"zone":"b"}},"spec":{"unschedulable":true}}""", ["application/merge-patch+json"]),
        (HttpMethod.Patch, "/api/v1/nodes/node-1/status", """{"status":{"conditions":[{"type":"Ready","status":"True"}]}}""", ["application/merge-patch+json"]),
        (HttpMethod.Delete, "/api/v1/nodes/node-9", "", ["application/json"]),
        (HttpMethod.Post, "/apis/apps/v1/namespaces/default/daemonsets", Http.Agent().Replace("\"agent\",\"namespace\"", "\"fuzz\",\"namespace\""), ["application/json", "application/yaml"]),
        (HttpMethod.Put, "/apis/apps/v1/namespaces/default/daemonsets/agent", Http.Agent(), ["application/json", "application/yaml"]),
        (HttpMethod.Patch, "/apis/apps/v1/namespaces/default/daemonsets/agent", """{"spec":{"minReadySeconds":5,"template":{"spec":{"tolerations":[{"operator":"Exists"}]}}}}""", ["application/merge-patch+json"]),
        (HttpMethod.Delete, "/apis/apps/v1/namespaces/default/daemonsets/gone?propagationPolicy=Orphan", "", ["application/json"]),
        (HttpMethod.Post, "/apis/apps/v1/namespaces/default/daemonsets/agent/rollback", """{"toRevision":1}""", ["application/json"]),
        (HttpMethod.Post, "/api/v1/namespaces/default/pods", PodBody, ["application/json", "application/yaml"]),
        (HttpMethod.Put, "/api/v1/namespaces/default/pods/fuzz-pod/status", PodBody, ["application/json"]),
        (HttpMethod.Patch, "/api/v1/namespaces/default/pods/fuzz-pod/status", """{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""", ["application/strategic-merge-patch+json"]),
        (HttpMethod.Delete, "/api/v1/namespaces/default/pods/none", "", ["application/json"]),
        (HttpMethod.Post, "/api/v1/namespaces/default/pods/fuzz-pod/eviction", """{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"fuzz-pod","namespace":"default"},"deleteOptions":{"dryRun":["All"]}}""", ["application/json"]),
        (HttpMethod.Post, "/engine/v1/apply", $"[{NodeBody},{PodBody}]", ["application/json", "application/yaml"]),
        (HttpMethod.Post, "/engine/v1/replay", """{"from":1,"to":3,"changes":[{"at":1,"patchNode":{"name":"node-1","patch":{"spec":{"taints":[{"key":"x","effect":"NoExecute"}]}}}},{"removeEvents":[2]}]}""", ["application/json"]),
        (HttpMethod.Post, "/engine/v1/clock", """{"advanceSeconds":1}""", ["application/json"]),
        (HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", """{"spec":{"resourceAttributes":{"verb":"create","resource":"pods","namespace":"default"}}}""", ["application/json", "application/yaml"]),
        (HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", """{"spec":{"nonResourceAttributes":{"verb":"post","path":"/engine/v1/clock"}}}""", ["application/json"]),
        (HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", """{"spec":{"namespace":"default"}}""", ["application/json"]),
        (HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews", """{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", ["application/json"]),
    ];

    /// <summary>Every read endpoint, with the query parameters it takes.</summary>
    private static readonly (string Path, string[] Parameters)[] Reads =
    [
        ("/api/v1/nodes", ["limit", "continue", "labelSelector", "watch"]),
        ("/api/v1/nodes/node-1", []),
        ("/api/v1/pods", ["daemonset", "node", "limit", "continue"]),
        ("/api/v1/namespaces/default/pods", ["daemonset", "node", "limit", "continue"]),
        ("/apis/apps/v1/daemonsets", ["limit", "continue"]),
        ("/apis/apps/v1/namespaces/default/daemonsets/agent", []),
        ("/apis/apps/v1/namespaces/default/daemonsets/agent/revisions", ["limit", "continue"]),
        ("/apis/apps/v1/controllerrevisions", ["daemonset", "limit", "continue"]),
        ("/engine/v1/events", ["after", "limit", "continue"]),
        ("/engine/v1/state", ["at"]),
        ("/engine/v1/timeline", ["from", "to", "node", "daemonset", "limit", "continue", "includeStatus"]),
        ("/engine/v1/explain", ["daemonset", "node", "at"]),
        ("/engine/v1/placement", ["daemonset", "at", "all"]),
        ("/engine/v1/daemonsets/default/agent/revisions/1/placements", ["limit", "continue"]),
    ];

    private static readonly string[] HostileValues =
    [
        "", "-1", "0", "99999999999999999999", "1e309", "NaN", "abc", "%00", "%ff%fe", "..%2F..", "default/agent", "/", "a/b/c",
        "2026-01-01T00:00:00Z", "2026-13-45T99:99:99Z", "9999-12-31T23:59:59+14:00", "true", "null", "[]", "{}", "node-1",
        new string('a', 5000), "%F0%9F%92%A9", "%ED%A0%80", "'; drop table events; --", "1%2C2", "-9223372036854775808",
    ];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Client.PostAsync("/api/v1/nodes", Http.Node("node-1"));
        await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent());
    }

    [Fact]
    public async Task HostileBodiesAndQueries_NeverAnswer5xx_NeverCrash_AndRefusedOnesChangeNothing()
    {
        var random = new Random(20261204);
        var cases = new List<(HttpMethod Method, string Path, string Type, byte[] Body, string Name)>();
        foreach (var (name, type, body) in Known)
            foreach (var (method, path, _, _) in Writes.Where(w => w.Method != HttpMethod.Delete))
                cases.Add((method, path, method == HttpMethod.Patch && type == "application/json" ? "application/merge-patch+json" : type, body, name));
        while (cases.Count < 2_400)
        {
            if (random.Next(4) == 0)
            {
                var (path, parameters) = Reads[random.Next(Reads.Length)];
                cases.Add((HttpMethod.Get, path + Query(random, parameters), "", [], "query"));
                continue;
            }
            var (m, p, b, types) = Writes[random.Next(Writes.Length)];
            var mutated = Mutate(random, JsonNode.Parse(b.Length == 0 ? "{}" : b));
            var chosen = random.Next(10) == 0 ? Pick(random, ["text/plain", "application/x-www-form-urlencoded", "", "application/json; charset=latin1"]) : types[random.Next(types.Length)];
            var text = chosen.Contains("yaml") ? ToYamlFlow(mutated) : mutated?.ToJsonString() ?? "null";
            cases.Add((m, p + (random.Next(5) == 0 ? Query(random, ["propagationPolicy", "dryRun", "fieldManager"]) : ""), chosen, Encoding.UTF8.GetBytes(text), "mutation"));
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var peakBefore = process.PeakWorkingSet64;
        var outcomes = new Dictionary<int, int>();
        var head = await HeadAsync();
        foreach (var (method, path, type, body, name) in cases)
        {
            using var request = new HttpRequestMessage(method, path);
            if (method != HttpMethod.Get)
            {
                request.Content = new ByteArrayContent(body);
                if (type.Length > 0) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            }
            using var response = await Client.SendAsync(request);
            var status = (int)response.StatusCode;
            outcomes[status] = outcomes.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"{name}: {method} {path} ({type}) answered {status}: {Preview(body)}\n{await response.Content.ReadAsStringAsync()}");
            var now = await HeadAsync();
            if (status >= 400) Assert.True(now == head, $"{name}: {method} {path} was refused with {status} but the log moved from {head} to {now}");
            head = now;
        }

        process.Refresh();
        output.WriteLine($"{cases.Count} requests: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} x{o.Value}"))}; " +
            $"peak working set grew by {(process.PeakWorkingSet64 - peakBefore) / 1024 / 1024} MiB");
        Assert.True(cases.Count >= 2_000);
        Assert.True(outcomes.Keys.Any(s => s is 400) && outcomes.Keys.Any(s => s is 413 or 415) && outcomes.Keys.Any(s => s is 422), string.Join(", ", outcomes));
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/healthz")).StatusCode);
        process.Refresh();
        Assert.True(process.PeakWorkingSet64 - peakBefore < MemoryBound,
            $"peak working set grew by {(process.PeakWorkingSet64 - peakBefore) / 1024 / 1024} MiB during the run");
    }

    [Fact]
    public async Task HostileProtobufReviews_AreRefusedAs400_NeverAnswer5xx()
    {
        // a SelfSubjectAccessReview as kubectl writes it ("can I get pods"), then broken at random: bytes changed, cut short, grown
        static byte[] Field(int number, byte[] value) => [(byte)(number << 3 | 2), .. Varint(value.Length), .. value];
        static byte[] Varint(int n) => n < 0x80 ? [(byte)n] : [(byte)(n & 0x7f | 0x80), .. Varint(n >> 7)];
        static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);
        byte[] valid = [.. "k8s\0"u8, .. Field(1, [.. Field(1, Text("authorization.k8s.io/v1")), .. Field(2, Text("SelfSubjectAccessReview"))]),
            .. Field(2, Field(2, Field(1, [.. Field(2, Text("get")), .. Field(5, Text("pods"))])))];
        // and some broken on purpose: the prefix alone, a key of ten bytes, a length near 2^64, each wire type protobuf
        // does not write here, a field number past 2^29, the inner message cut short
        byte[][] fixedCases =
        [
            [.. "k8s\0"u8],
            [.. "k8s\0"u8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            [.. "k8s\0"u8, 0x12, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            [.. "k8s\0"u8, 0x0b], [.. "k8s\0"u8, 0x0c], [.. "k8s\0"u8, 0x0e], [.. "k8s\0"u8, 0x0f],
            [.. "k8s\0"u8, 0x82, 0x80, 0x80, 0x80, 0x10, 0x00],
            [.. "k8s\0"u8, .. Field(1, [.. Field(2, Text("SelfSubjectAccessReview"))]), 0x12, 0x05, 0x12, 0x09, 0x0a],
        ];
        var random = new Random(20261205);
        var outcomes = new Dictionary<int, int>();
        for (var i = 0; i < 400 + fixedCases.Length; i++)
        {
            var body = i >= 400 ? fixedCases[i - 400] : valid.ToArray();
            if (i is > 0 and < 400)
                switch (random.Next(3))
                {
                    case 0: for (var n = random.Next(1, 4); n > 0; n--) body[random.Next(body.Length)] = (byte)random.Next(256); break;
                    case 1: body = body[..random.Next(body.Length)]; break;
                    default: body = [.. body, .. Enumerable.Range(0, random.Next(1, 40)).Select(_ => (byte)random.Next(256))]; break;
                }
            using var request = new HttpRequestMessage(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
            using var response = await Client.SendAsync(request);
            var status = (int)response.StatusCode;
            outcomes[status] = outcomes.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"answered {status} to {Convert.ToHexString(body)}: {await response.Content.ReadAsStringAsync()}");
            if (i == 0) Assert.Equal("true", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"]!["allowed"]!.ToJsonString());
            if (i >= 400) Assert.True(status == 400, $"the broken body {Convert.ToHexString(body)} answered {status}");
        }
        output.WriteLine(string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} x{o.Value}")));
        Assert.True(outcomes.ContainsKey(201) && outcomes.ContainsKey(400), string.Join(", ", outcomes));

        // an Eviction and a DeleteOptions as kubectl drain sends them (dry runs), broken the same ways
        byte[] options = [.. Field(5, Text("All"))];
        var typed = new (HttpMethod Method, string Path, byte[] Body)[]
        {
            (HttpMethod.Post, "/api/v1/namespaces/default/pods/fuzz-pod/eviction", [.. "k8s\0"u8, .. Field(1, [.. Field(1, Text("policy/v1")), .. Field(2, Text("Eviction"))]),
                .. Field(2, [.. Field(1, [.. Field(1, Text("fuzz-pod")), .. Field(3, Text("default"))]), .. Field(2, options)])]),
            (HttpMethod.Delete, "/api/v1/namespaces/default/pods/fuzz-pod", [.. "k8s\0"u8, .. Field(1, [.. Field(1, Text("v1")), .. Field(2, Text("DeleteOptions"))]), .. Field(2, options)]),
        };
        foreach (var (method, path, whole) in typed)
            for (var i = 0; i < 200; i++)
            {
                var body = whole.ToArray();
                if (i > 0)
                    switch (random.Next(3))
                    {
                        case 0: for (var n = random.Next(1, 4); n > 0; n--) body[random.Next(body.Length)] = (byte)random.Next(256); break;
                        case 1: body = body[..random.Next(body.Length)]; break;
                        default: body = [.. body, .. Enumerable.Range(0, random.Next(1, 40)).Select(_ => (byte)random.Next(256))]; break;
                    }
                using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
                using var response = await Client.SendAsync(request);
                Assert.True((int)response.StatusCode < 500, $"{method} {path} answered {(int)response.StatusCode} to {Convert.ToHexString(body)}: {await response.Content.ReadAsStringAsync()}");
            }
        // a protobuf body is at most 64 KiB
        using var huge = new HttpRequestMessage(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") { Content = new ByteArrayContent([.. valid, .. new byte[70_000]]) };
        huge.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await Client.SendAsync(huge)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task ANumberNoFloat64Holds_InATemplate_IsKeptAsWritten_AndItsRevisionIsServed()
    {
        // an unknown field is kept (fieldValidation Warn, the default); its number is past a float64's range
        var big = JsonNode.Parse(Http.Agent("""{"x-extra": 1e400}"""))!;
        big["metadata"]!["name"] = "big";
        var (status, body, _) = await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", big.ToJsonString());
        Assert.True(status == HttpStatusCode.Created, body?.ToJsonString());
        var revisions = await Client.GetStringAsync("/apis/apps/v1/namespaces/default/controllerrevisions");
        Assert.Contains("\"x-extra\":1e400", revisions);
        var name = JsonNode.Parse(revisions)!["items"]!.AsArray().Select(r => (string)r!["metadata"]!["name"]!).Single(n => n.StartsWith("big-", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/apis/apps/v1/namespaces/default/controllerrevisions/" + name)).StatusCode);
    }

    [Fact]
    public async Task TheDeepestTemplateABodyMayHold_ItsRevisionIsServed_ThoughItSitsDeeper()
    {
        // deeper and deeper until the body is refused (its depth limit): the last one taken is as deep as a body may be
        string? deepest = null;
        for (var levels = 40; levels < 80; levels++)
        {
            var nested = string.Concat(Enumerable.Repeat("{\"a\":", levels)) + "1" + new string('}', levels);
            const string start = """
                {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"deep-N","namespace":"default"},"spec":{"selector":{"matchLabels":{"app":"deep"}},"template":{"metadata":{"labels":{"app":"deep"}},"spec":{"containers":[{"name":"c","image":"i"}],"x-deep":
                """;
            var deep = start.Replace("deep-N", $"deep-{levels}") + nested + "}}}}";
            var (status, _, _) = await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", deep);
            if (status == HttpStatusCode.BadRequest) break;
            Assert.Equal(HttpStatusCode.Created, status);
            deepest = $"deep-{levels}";
        }
        Assert.NotNull(deepest);
        var list = await Client.GetAsync("/apis/apps/v1/namespaces/default/controllerrevisions");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var name = JsonNode.Parse(await list.Content.ReadAsStringAsync(), documentOptions: new() { MaxDepth = 256 })!["items"]!.AsArray()
            .Select(r => (string)r!["metadata"]!["name"]!).Single(n => n.StartsWith(deepest + "-", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/apis/apps/v1/namespaces/default/controllerrevisions/" + name)).StatusCode);
        using var table = new HttpRequestMessage(HttpMethod.Get, "/apis/apps/v1/namespaces/default/controllerrevisions");
        table.Headers.TryAddWithoutValidation("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io");
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(table)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/engine/v1/events?limit=500")).StatusCode);
    }

    [Theory]
    [InlineData("a: &a [*a]")]
    [InlineData("a: &a {b: *a}")]
    public async Task RecursiveAlias_Is400_NamingTheAlias(string yaml)
    {
        var (status, problem, _) = await Client.PostAsync("/engine/v1/apply", yaml, Http.Yaml);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("recursive alias", (string?)problem!["detail"]);
    }

    [Fact]
    public async Task AliasBomb_Is400_FastAndSmall()
    {
        var watch = Stopwatch.StartNew();
        var (status, problem, _) = await Client.PostAsync("/engine/v1/apply", AliasBomb(), Http.Yaml);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("an alias counts the values it repeats", (string?)problem!["detail"]);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task AForeignKind_OnATypedEndpoint_Is400_NamingKind_AndCreatesNothing()
    {
        var (status, problem, _) = await Client.PostAsync("/api/v1/nodes", """{"apiVersion":"v1","kind":"Banana","metadata":{"name":"banana"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["kind"], problem.Fields());
        Assert.Equal(HttpStatusCode.NotFound, (await Client.SendAsync(HttpMethod.Get, "/api/v1/nodes/banana")).Status);
    }

    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"x"},"spec":{"taints":[null]}}""", 422, "spec.taints[0]")]
    [InlineData("""{"apiVersion":"v1","kind":"Node","metadata":[]}""", 400, "metadata")]
    [InlineData("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"x","labels":{"a":"\ud800"}}}""", 400, "metadata.labels.a")]
    [InlineData("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"x","name":"y"}}""", 400, "metadata.name")]
    public async Task ShapeErrors_NameTheField(string body, int expected, string field)
    {
        var (status, problem, _) = await Client.PostAsync("/api/v1/nodes", body);
        Assert.Equal(expected, (int)status);
        Assert.Equal([field], problem.Fields());
    }

    private async Task<long> HeadAsync()
    {
        var items = (await Client.GetJsonAsync("/engine/v1/events?after=0&limit=10000"))["items"]!.AsArray();
        return items.Count == 0 ? 0 : (long)items[^1]!["seq"]!;
    }

    private static string Query(Random random, string[] parameters)
    {
        if (parameters.Length == 0) return random.Next(2) == 0 ? "" : "?" + Pick(random, HostileValues) + "=" + Pick(random, HostileValues);
        var parts = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pick(random, parameters) + "=" + Pick(random, HostileValues));
        return "?" + string.Join("&", parts);
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    /// <summary>A valid body with one to three of its values replaced by hostile ones, or a key dropped, or its type changed.</summary>
    private static JsonNode? Mutate(Random random, JsonNode? node)
    {
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            var all = Walk(node).ToList();
            var (parent, key, index) = all[random.Next(all.Count)];
            var replacement = Hostile(random);
            if (parent is null)
            {
                node = replacement;
                continue;
            }
            if (parent is JsonObject obj)
            {
                if (random.Next(6) == 0) obj.Remove(key!);
                else obj[key!] = replacement;
            }
            else if (parent is JsonArray array && index < array.Count) array[index] = replacement;
        }
        return node;
    }

    private static IEnumerable<(JsonNode? Parent, string? Key, int Index)> Walk(JsonNode? node)
    {
        yield return (null, null, 0);
        foreach (var step in Children(node)) yield return step;
    }

    private static IEnumerable<(JsonNode? Parent, string? Key, int Index)> Children(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    yield return (obj, key, 0);
                    foreach (var step in Children(value)) yield return step;
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    yield return (array, null, i);
                    foreach (var step in Children(array[i])) yield return step;
                }
                break;
        }
    }

    private static JsonNode? Hostile(Random random) => random.Next(16) switch
    {
        0 => null,
        1 => new JsonArray(),
        2 => new JsonObject(),
        3 => new JsonArray((JsonNode?)null),
        4 => JsonValue.Create(-1),
        5 => JsonValue.Create(long.MaxValue),
        6 => JsonValue.Create(1.5e300),
        7 => JsonValue.Create(""),
        8 => JsonValue.Create(new string('x', random.Next(1, 70_000))),
        9 => JsonValue.Create(true),
        10 => JsonValue.Create("\ud800"),
        11 => JsonValue.Create("a\u0000b"),
        12 => JsonValue.Create("Invalid Name!"),
        13 => Nested(random.Next(20, 60)),
        14 => JsonValue.Create("25%"),
        _ => new JsonObject { ["$patch"] = "delete", ["key"] = new JsonArray("a", 1, null) },
    };

    private static JsonNode Nested(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 0; i < depth; i++) node = new JsonArray(node);
        return node;
    }

    /// <summary>The JSON as YAML flow (YAML 1.2 reads JSON), with a hostile YAML feature now and then.</summary>
    private static string ToYamlFlow(JsonNode? node) => node?.ToJsonString() ?? "~";

    private static string Preview(byte[] body) => body.Length <= 200 ? Encoding.UTF8.GetString(body) : Encoding.UTF8.GetString(body, 0, 200) + "...";
}
