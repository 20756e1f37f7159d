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
