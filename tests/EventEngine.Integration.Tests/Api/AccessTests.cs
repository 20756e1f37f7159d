using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EventEngine.Integration.Tests.Api;

/// <summary>One server process serving TLS with three tokens: a viewer, an operator and an admin.</summary>
public sealed class TokenServer : IAsyncLifetime
{
    public const string Viewer = "viewer-token-5d3a";
    public const string Operator = "operator-token-9b1e";
    public const string Admin = "admin-token-77c0";

    public TestDatabase Database { get; private set; } = null!;
    public TestCertificate Certificate { get; } = TestCertificate.Create();
    public ServerProcess Server { get; private set; } = null!;

    public static string Sha256(string token) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = Database.ConnectionString,
            ["Engine:Clock"] = "Manual",
            ["Engine:SimulatedKubelet:Enabled"] = "false",
            ["Engine:Auth:Tokens:0:User"] = "vera", ["Engine:Auth:Tokens:0:Role"] = "viewer", ["Engine:Auth:Tokens:0:Sha256"] = Sha256(Viewer),
            ["Engine:Auth:Tokens:1:User"] = "otto", ["Engine:Auth:Tokens:1:Role"] = "operator", ["Engine:Auth:Tokens:1:Sha256"] = Sha256(Operator),
            ["Engine:Auth:Tokens:2:User"] = "ada", ["Engine:Auth:Tokens:2:Role"] = "Admin", ["Engine:Auth:Tokens:2:Sha256"] = Sha256(Admin),
        }, Certificate);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>
/// Authentication and roles through a real server over TLS: 401 without a valid token, 403 (a Kubernetes Status on
/// Kubernetes paths) for a role that may not, the actor of every event the authenticated user, and the same through
/// the real kubectl with a token in its kubeconfig.
/// </summary>
public sealed class AccessTests(TokenServer fixture) : IClassFixture<TokenServer>
{
    private static string Node(string name) => Http.Node(name);

    private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(
        string? token, HttpMethod method, string path, string? body = null, string type = "application/json", IDictionary<string, string>? headers = null)
    {
        using var client = fixture.Server.Client(token);
        return await client.SendAsync(method, path, body, type, headers);
    }

    public static TheoryData<string?, string, string, int> Matrix => new()
    {
        { null, "GET", "/api/v1/nodes", 401 },
        { "not-a-token", "GET", "/api/v1/nodes", 401 },
        { null, "GET", "/healthz", 200 },
        { null, "GET", "/version", 200 },
        { TokenServer.Viewer, "GET", "/api/v1/nodes", 200 },
        { TokenServer.Viewer, "GET", "/engine/v1/events", 200 },
        { null, "GET", "/metrics", 401 },
        { TokenServer.Viewer, "POST", "/api/v1/nodes", 403 },
        { TokenServer.Viewer, "POST", "/engine/v1/projections/rebuild", 403 },
        { TokenServer.Operator, "GET", "/apis/apps/v1/daemonsets", 200 },
        { TokenServer.Operator, "POST", "/engine/v1/projections/rebuild", 403 },
        { TokenServer.Operator, "POST", "/engine/v1/clock", 403 },
        { TokenServer.Operator, "POST", "/engine/v1/demo/incident", 403 },
        { TokenServer.Admin, "POST", "/engine/v1/projections/rebuild", 200 },
        // discovery and the OpenAPI documents are reads, as a Kubernetes API server's are for authenticated users
        { null, "GET", "/api", 401 },
        { null, "GET", "/openapi/v3", 401 },
        { TokenServer.Viewer, "GET", "/api", 200 },
        { TokenServer.Viewer, "GET", "/apis", 200 },
        { TokenServer.Viewer, "GET", "/apis/apps/v1", 200 },
        { TokenServer.Viewer, "GET", "/openapi/v3", 200 },
        { TokenServer.Viewer, "GET", "/openapi/v3/apis/apps/v1", 200 },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task EachRole_MayDoWhatItMay_AndNoMore(string? token, string method, string path, int expected)
    {
        var (status, body, response) = await SendAsync(token, new HttpMethod(method), path, method == "GET" ? null : "{}");
        Assert.True((int)status == expected, $"{method} {path}: {status} {body}");
        if (expected is 401 or 403)
        {
            if (path.StartsWith("/api", StringComparison.Ordinal))
                Assert.Equal(("Status", "Failure", expected == 401 ? "Unauthorized" : "Forbidden", expected),
                    ((string?)body!["kind"], (string?)body["status"], (string?)body["reason"], (int)body["code"]!));
            else
                Assert.Equal(("application/problem+json", expected), (response.Content.Headers.ContentType?.MediaType, (int)body!["status"]!));
        }
        if (expected == 401) Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task AViewer_MayAskAWhatIf_WhichWritesNothing()
    {
        var (status, body, _) = await SendAsync(TokenServer.Viewer, HttpMethod.Post, "/engine/v1/replay", """{"from":0,"to":0}""");
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
    }

    [Fact]
    public async Task TheActor_IsTheAuthenticatedUser_WhateverXActorSays()
    {
        var (status, _, _) = await SendAsync(TokenServer.Operator, HttpMethod.Post, "/api/v1/nodes", Node("by-otto"), headers: new Dictionary<string, string> { ["X-Actor"] = "mallory" });
        Assert.Equal(HttpStatusCode.Created, status);
        var joined = await LastEventAsync("node-by-otto");
        Assert.Equal("otto", (string?)joined["metadata"]!["actor"]);
        Assert.Null(joined["metadata"]!["impersonatedBy"]);
    }

    [Fact]
    public async Task AnAdmin_MayActInAnotherName_AndTheEventKeepsWhoDid()
    {
        var (status, _, _) = await SendAsync(TokenServer.Admin, HttpMethod.Post, "/api/v1/nodes", Node("as-bob"), headers: new Dictionary<string, string> { ["Impersonate-User"] = "bob" });
        Assert.Equal(HttpStatusCode.Created, status);
        var joined = await LastEventAsync("node-as-bob");
        Assert.Equal(("bob", "ada"), ((string?)joined["metadata"]!["actor"], (string?)joined["metadata"]!["impersonatedBy"]));

        var (refused, body, _) = await SendAsync(TokenServer.Operator, HttpMethod.Post, "/api/v1/nodes", Node("as-eve"), headers: new Dictionary<string, string> { ["Impersonate-User"] = "eve" });
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Contains("cannot impersonate", (string?)body!["message"]);
    }

    [Fact]
    public async Task WritesABrowserCouldForge_AreRefused_AndChangeNothing()
    {
        var before = await HeadAsync();
        var cases = new (IDictionary<string, string> Headers, string Type, HttpStatusCode Expected)[]
        {
            (new Dictionary<string, string> { ["Origin"] = "https://evil.example" }, "application/json", HttpStatusCode.Forbidden),
            (new Dictionary<string, string> { ["Sec-Fetch-Site"] = "cross-site" }, "application/json", HttpStatusCode.Forbidden),
            (new Dictionary<string, string>(), "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType),
            (new Dictionary<string, string>(), "text/plain", HttpStatusCode.UnsupportedMediaType),
            (new Dictionary<string, string>(), "multipart/form-data; boundary=x", HttpStatusCode.UnsupportedMediaType),
        };
        foreach (var (headers, type, expected) in cases)
        {
            Assert.Equal(expected, (await SendAsync(TokenServer.Admin, HttpMethod.Post, "/engine/v1/projections/rebuild", "a=b", type, headers)).Status);
            Assert.Equal(expected, (await SendAsync(TokenServer.Admin, HttpMethod.Post, "/api/v1/nodes", Node("forged"), type, headers)).Status);
        }
        Assert.Equal(before, await HeadAsync());
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(TokenServer.Admin, HttpMethod.Post, "/api/v1/nodes", Node("same-origin"),
            headers: new Dictionary<string, string> { ["Origin"] = fixture.Server.BaseAddress.GetLeftPart(UriPartial.Authority) })).Status);
    }

    [Fact]
    public async Task AHostNameItIsNotBoundTo_IsRefused()
    {
        using var client = fixture.Server.Client(TokenServer.Viewer);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/nodes");
        request.Headers.Host = "evil.example";
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Kubectl_WithATokenInItsKubeconfig_ReadsAsAViewer_WritesAsAnOperator_AndIsToldWhyNot()
    {
        var server = fixture.Server.BaseAddress;
        var node = """{"apiVersion":"v1","kind":"Node","metadata":{"name":"from-kubectl"}}""";

        var viewer = new Kubectl(server, TokenServer.Viewer, fixture.Certificate, "vera");
        var (read, listed, readError) = await viewer.RunAsync("get", "--raw", "/api/v1/nodes");
        Assert.True(read == 0, readError);
        Assert.Equal("NodeList", (string?)JsonNode.Parse(listed)!["kind"]);
        var (denied, _, deniedError) = await viewer.RunAsync(["create", "--raw", "/api/v1/nodes", "-f", "-"], node);
        Assert.NotEqual(0, denied);
        Assert.Contains("Forbidden", deniedError);

        var @operator = new Kubectl(server, TokenServer.Operator, fixture.Certificate, "otto");
        var (created, output, createError) = await @operator.RunAsync(["create", "--raw", "/api/v1/nodes", "-f", "-"], node);
        Assert.True(created == 0, createError);
        Assert.Equal("from-kubectl", (string?)JsonNode.Parse(output)!["metadata"]!["name"]);
        Assert.Equal("otto", (string?)(await LastEventAsync("node-from-kubectl"))["metadata"]!["actor"]);

        // (a kubeconfig with no credentials at all makes kubectl ask for a user name on its terminal)
        var stranger = new Kubectl(server, "not-a-token", fixture.Certificate, "mallory");
        var (unauthorized, _, unauthorizedError) = await stranger.RunAsync("get", "--raw", "/api/v1/nodes");
        Assert.NotEqual(0, unauthorized);
        Assert.Contains("Unauthorized", unauthorizedError);
    }

    [Fact]
    public async Task Kubectl_AsAViewer_DiscoversTheServedKinds_AndExplainsThem()
    {
        var viewer = new Kubectl(fixture.Server.BaseAddress, TokenServer.Viewer, fixture.Certificate, "vera");
        var (listed, resources, listError) = await viewer.RunAsync("api-resources");
        Assert.True(listed == 0, listError);
        Assert.Contains("daemonsets", resources);
        var (explained, fields, explainError) = await viewer.RunAsync("explain", "nodes.spec.taints");
        Assert.True(explained == 0, explainError);
        Assert.Contains("FIELD: taints <[]Taint>", fields);
    }

    [Fact]
    public async Task KubectlAuth_WhoamiAndCanI_AnswerAsTheServerJudgesEachRole()
    {
        var viewer = new Kubectl(fixture.Server.BaseAddress, TokenServer.Viewer, fixture.Certificate, "vera");
        var @operator = new Kubectl(fixture.Server.BaseAddress, TokenServer.Operator, fixture.Certificate, "otto");
        var admin = new Kubectl(fixture.Server.BaseAddress, TokenServer.Admin, fixture.Certificate, "ada");
        async Task<string> Answer(Kubectl kubectl, params string[] args)
        {
            var (code, output, error) = await kubectl.RunAsync(["auth", .. args]);
            // can-i exits 1 for a no; anything else is a failure to ask
            Assert.True(code == 0 || (code == 1 && output.StartsWith("no", StringComparison.Ordinal)), $"kubectl auth {string.Join(' ', args)} exited {code}: {error}");
            return output.TrimEnd();
        }

        Assert.Matches(@"Username\s+vera\s*\nGroups\s+\[eventengine:viewer system:authenticated\]", await Answer(viewer, "whoami"));
        Assert.Matches(@"Username\s+otto", await Answer(@operator, "whoami"));
        Assert.Matches(@"Username\s+bob\s*\nGroups\s+\[eventengine:admin system:authenticated\]\s*\nExtra: eventengine.io/acting-as-by\s+\[ada\]", await Answer(admin, "whoami", "--as", "bob"));

        Assert.Equal("yes", await Answer(viewer, "can-i", "list", "nodes"));
        Assert.Equal("yes", await Answer(viewer, "can-i", "watch", "pods", "-A"));
        Assert.Equal("no - create pods needs the operator role; User \"vera\" is viewer", await Answer(viewer, "can-i", "create", "pods"));
        Assert.Equal("yes", await Answer(@operator, "can-i", "create", "pods"));
        Assert.Equal("yes", await Answer(@operator, "can-i", "patch", "nodes", "--subresource=status"));
        Assert.Equal("yes", await Answer(@operator, "can-i", "delete", "daemonsets.apps", "-n", "monitoring"));
        Assert.Equal("yes", await Answer(@operator, "can-i", "create", "pods", "--subresource=eviction"));
        Assert.Equal("no - this server does not serve get on pods/eviction", await Answer(admin, "can-i", "get", "pods", "--subresource=eviction"));
        // a subresource posted to: the engine's DaemonSet rollback
        Assert.Equal("yes", await Answer(@operator, "can-i", "create", "daemonsets.apps", "--subresource=rollback"));
        Assert.Equal("no - create daemonsets.apps/rollback needs the operator role; User \"vera\" is viewer", await Answer(viewer, "can-i", "create", "daemonsets.apps", "--subresource=rollback"));
        // what the server does not serve is a no, whoever asks, and says so
        Assert.Equal("no - this server does not serve update on daemonsets.apps/status", await Answer(admin, "can-i", "update", "daemonsets.apps", "--subresource=status"));
        Assert.Equal("no - this server does not serve deletecollection on pods", await Answer(admin, "can-i", "deletecollection", "pods"));
        Assert.StartsWith("no - this server does not serve secrets", await Answer(admin, "can-i", "get", "secrets"));
        // the engine's own paths, by the role each endpoint needs
        Assert.Equal("yes", await Answer(viewer, "can-i", "get", "/engine/v1/state"));
        Assert.Equal("no - post /engine/v1/projections/rebuild needs the admin role; User \"otto\" is operator",
            await Answer(@operator, "can-i", "post", "/engine/v1/projections/rebuild"));
        Assert.Equal("yes", await Answer(admin, "can-i", "post", "/engine/v1/projections/rebuild"));
        Assert.Equal("no - only admins may act in another user's name; User \"otto\" is operator", await Answer(@operator, "can-i", "impersonate", "users"));
        // everything served: an operator may do all of it to the Kubernetes kinds, a viewer may not
        Assert.Equal("yes", await Answer(@operator, "can-i", "*", "*"));
        Assert.Equal("no - create nodes needs the operator role; User \"vera\" is viewer", await Answer(viewer, "can-i", "*", "*"));

        // the whole list, as a table of what each role is given
        var listed = await Answer(viewer, "can-i", "--list");
        Assert.Matches(@"\nnodes\s+\[\]\s+\[\]\s+\[get list watch\]", listed);
        Assert.Matches(@"\ndaemonsets.apps\s+\[\]\s+\[\]\s+\[get list watch\]", listed);
        Assert.Matches(@"\n\s+\[/engine/v1/state\]\s+\[\]\s+\[get\]", listed);
        Assert.DoesNotContain("/engine/v1/projections/rebuild", listed);
        var operatorList = await Answer(@operator, "can-i", "--list");
        // a pod is never replaced whole (PUT is not served for it), and a DaemonSet's status is its controller's to write
        Assert.Matches(@"\npods\s+\[\]\s+\[\]\s+\[get list watch create patch delete\]", operatorList);
        Assert.Matches(@"\nnodes\s+\[\]\s+\[\]\s+\[get list watch create update patch delete\]", operatorList);
        Assert.Matches(@"\nnodes/status\s+\[\]\s+\[\]\s+\[get update patch\]", operatorList);
        Assert.Matches(@"\ndaemonsets.apps/status\s+\[\]\s+\[\]\s+\[get\]", operatorList);
        Assert.Matches(@"\n\s+\[/engine/v1/apply\]\s+\[\]\s+\[post\]", operatorList);
        Assert.Matches(@"\ndaemonsets.apps/rollback\s+\[\]\s+\[\]\s+\[create\]", operatorList);
        // RBAC's URLs: a path with parameters is its literal start and *
        Assert.Matches(@"\n\s+\[/engine/v1/daemonsets/\*\]\s+\[\]\s+\[get\]", listed);

        // a question that cannot be read is refused, naming the field
        using var client = fixture.Server.Client(TokenServer.Viewer);
        var (status, body, _) = await client.PostAsync(AccessReviewPath, """{"spec":{"resourceAttributes":{"verb":"get"}}}""");
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "spec.resourceAttributes.resource"), (status, (string?)body!["details"]!["causes"]![0]!["field"]));
        (status, body, _) = await client.PostAsync(AccessReviewPath, """{"spec":{}}""");
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "spec.resourceAttributes"), (status, (string?)body!["details"]!["causes"]![0]!["field"]));
        (status, body, _) = await client.PostAsync(AccessReviewPath, """{"kind":"TokenReview","spec":{"nonResourceAttributes":{"verb":"get","path":"/"}}}""");
        Assert.Equal((HttpStatusCode.BadRequest, "kind"), (status, (string?)body!["details"]!["causes"]![0]!["field"]));
        using var protobuf = new HttpRequestMessage(HttpMethod.Post, AccessReviewPath) { Content = new ByteArrayContent("k8s\0\u0012\u00ff"u8.ToArray()) };
        protobuf.Content.Headers.ContentType = new("application/vnd.kubernetes.protobuf");
        var truncated = await client.SendAsync(protobuf);
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
        Assert.Contains("malformed protobuf body", await truncated.Content.ReadAsStringAsync());
    }

    private const string AccessReviewPath = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

    private async Task<JsonNode> LastEventAsync(string stream)
    {
        using var client = fixture.Server.Client(TokenServer.Viewer);
        return (await client.EventsAsync()).Last(e => (string?)e["stream"] == stream);
    }

    private async Task<long> HeadAsync()
    {
        using var client = fixture.Server.Client(TokenServer.Viewer);
        var events = await client.EventsAsync();
        return events.Count == 0 ? 0 : (long)events[^1]["seq"]!;
    }
}

/// <summary>A server without tokens: loopback clients only, and it will not listen anywhere else.</summary>
public sealed class LoopbackOnlyTests
{
    [Fact]
    public async Task WithoutTokens_ListeningBeyondLoopback_RefusesToStart_SayingWhy()
    {
        await using var database = await TestDatabase.CreateAsync();
        var (code, output) = await ServerProcess.RunToExitAsync(
            new Dictionary<string, string> { ["ConnectionStrings:Events"] = database.ConnectionString },
            $"http://0.0.0.0:{ServerProcess.FreePort()}", TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, code);
        Assert.Contains("refusing to listen on http://0.0.0.0", output);
    }

    [Fact]
    public async Task WithoutTokens_AClientBeyondLoopback_IsRefused_AndALoopbackOneServed()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var remote = new ApiFactory(new Dictionary<string, string> { ["ConnectionStrings:Events"] = database.ConnectionString },
            web => web.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new FromAddress(IPAddress.Parse("192.0.2.10")))));
        var (status, body, _) = await remote.CreateClient().SendAsync(HttpMethod.Get, "/engine/v1/events");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("loopback clients only", (string?)body!["detail"]);

        await using var local = ApiFactory.ForDatabase(database);
        Assert.Equal(HttpStatusCode.OK, (await local.CreateClient().SendAsync(HttpMethod.Get, "/engine/v1/events")).Status);
    }

    /// <summary>Makes every request come from the given address, as if it came over the network.</summary>
    private sealed class FromAddress(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
