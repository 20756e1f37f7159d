using System.Net;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>
/// Typed query and route values: one that does not parse (or is empty) is a 400 problem naming the parameter, on every
/// endpoint. The tests share one server: none of them needs a log of its own.
/// </summary>
public sealed class QueryParameterTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient Client => api.Client;

    private static readonly (string Path, string Field)[] BadlyTyped =
    [
        ("/engine/v1/events?after=abc", "after"),
        ("/engine/v1/events?limit=abc", "limit"),
        ("/engine/v1/events?watch=maybe", "watch"),
        ("/engine/v1/events?limit=1&limit=2", "limit"),
        ("/engine/v1/events?limit=", "limit"),
        ("/engine/v1/timeline?limit=abc", "limit"),
        ("/engine/v1/timeline?includeStatus=yes", "includeStatus"),
        ("/engine/v1/timeline?includeStatus=", "includeStatus"),
        ("/engine/v1/placement?all=1", "all"),
        ("/engine/v1/placement?all=", "all"),
        ("/api/v1/nodes?limit=ten", "limit"),
        ("/api/v1/pods?limit=1.5", "limit"),
        ("/api/v1/namespaces/default/pods?limit=x", "limit"),
        ("/apis/apps/v1/daemonsets?limit=x", "limit"),
        ("/apis/apps/v1/namespaces/default/daemonsets?limit=x", "limit"),
        ("/engine/v1/daemonsets/default/agent/revisions/one/placements", "rev"),
    ];

    [Fact]
    public async Task BadlyTypedValue_Is400_NamingTheParameter()
    {
        foreach (var (path, field) in BadlyTyped)
        {
            var (status, problem, response) = await Client.SendAsync(HttpMethod.Get, path);
            Assert.True(status == HttpStatusCode.BadRequest, $"{path}: {status}");
            var expected = path.StartsWith("/engine/") ? "application/problem+json" : "application/json";
            Assert.Equal(expected, response.Content.Headers.ContentType?.MediaType);
            Assert.True(problem.Fields().SequenceEqual([field]), $"{path}: {problem}");
        }
    }

    [Fact]
    public async Task NegativeAfter_Is400NamingIt_NotClampedToZero()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        var (status, problem, _) = await Client.SendAsync(HttpMethod.Get, "/engine/v1/events?after=-1");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["after"], problem.Fields());
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.SendAsync(HttpMethod.Get, "/engine/v1/events?watch=true&after=-5")).Status);
    }

    [Fact]
    public async Task WellTypedValues_AreTaken()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        Assert.Single((await Client.GetJsonAsync("/engine/v1/events?after=0&limit=5&watch=false"))["items"]!.AsArray());
        Assert.Single((await Client.GetJsonAsync("/api/v1/nodes?limit=5"))["items"]!.AsArray());
        await Client.GetJsonAsync("/engine/v1/timeline?limit=10&includeStatus=TRUE");
        var (status, problem, _) = await Client.SendAsync(HttpMethod.Get, "/engine/v1/daemonsets/default/agent/revisions/1/placements");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("no revision 1", (string?)problem!["detail"]);
    }
}
