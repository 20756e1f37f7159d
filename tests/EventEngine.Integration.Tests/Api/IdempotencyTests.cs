using System.Net;
using EventEngine.Integration.Tests.Engine;

namespace EventEngine.Integration.Tests.Api;

/// <summary>
/// Idempotency-Key on writes: a retry with the same key and request gets the first answer back, byte for byte, and
/// appends nothing; the same key with another request is a 422 naming the header; concurrent retries append once.
/// </summary>
public sealed class IdempotencyTests : ApiTest
{
    private Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonNode? Body, HttpResponseMessage Response)> SendAsync(
        HttpMethod method, string path, string body, string key, string type = "application/json") =>
        Client.SendAsync(method, path, body, type, new Dictionary<string, string> { ["Idempotency-Key"] = key });

    [Fact]
    public async Task ACreateRetried_GetsTheFirstAnswer_AndAppendsNothing_WhereWithoutAKeyItWouldConflict()
    {
        var (first, body, response) = await SendAsync(HttpMethod.Post, "/api/v1/nodes", Http.Node("once"), "create-once");
        Assert.Equal(HttpStatusCode.Created, first);
        var events = await Client.EventCountAsync();

        var (again, repeated, retried) = await SendAsync(HttpMethod.Post, "/api/v1/nodes", Http.Node("once"), "create-once");
        Assert.Equal(HttpStatusCode.Created, again);
        Assert.Equal(body!.ToJsonString(), repeated!.ToJsonString());
        Assert.Equal(response.Headers.ETag, retried.Headers.ETag);
        Assert.Equal(events, await Client.EventCountAsync());

        Assert.Equal(HttpStatusCode.Conflict, (await Client.PostAsync("/api/v1/nodes", Http.Node("once"))).Status);
    }

    [Fact]
    public async Task APatchRetriedAfterLaterChanges_StillGetsItsOwnAnswer()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        var (_, first, _) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", """{"metadata":{"labels":{"zone":"a"}}}""", "label-a", "application/merge-patch+json");
        await Client.PatchAsync("/api/v1/nodes/n1", """{"metadata":{"labels":{"zone":"b"}}}""");
        var events = await Client.EventCountAsync();

        var (status, again, _) = await SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", """{"metadata":{"labels":{"zone":"a"}}}""", "label-a", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("a", (string?)again!["metadata"]!["labels"]!["zone"]);
        Assert.Equal(first!.ToJsonString(), again.ToJsonString());
        Assert.Equal(events, await Client.EventCountAsync());
        Assert.Equal("b", (string?)(await Client.GetJsonAsync("/api/v1/nodes/n1"))["metadata"]!["labels"]!["zone"]);
    }

    [Fact]
    public async Task TheSameKey_WithAnotherRequest_Is422NamingTheHeader_AndChangesNothing()
    {
        await SendAsync(HttpMethod.Post, "/engine/v1/apply", $"[{Http.Node("a1")}]", "apply-1");
        var events = await Client.EventCountAsync();
        var (status, problem, _) = await SendAsync(HttpMethod.Post, "/engine/v1/apply", $"[{Http.Node("a2")}]", "apply-1");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["Idempotency-Key"], problem.Fields());
        Assert.Equal(events, await Client.EventCountAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await Client.SendAsync(HttpMethod.Get, "/api/v1/nodes/a2")).Status);
    }

    [Fact]
    public async Task AnApplyRetried_AnswersItsItemsAsFirstAnswered()
    {
        var (_, first, _) = await SendAsync(HttpMethod.Post, "/engine/v1/apply", $"[{Http.Node("b1")},{Http.Node("b2")}]", "apply-b");
        Assert.Equal(["created", "created"], first!["items"]!.AsArray().Select(i => (string)i!["action"]!));
        var (_, again, _) = await SendAsync(HttpMethod.Post, "/engine/v1/apply", $"[{Http.Node("b1")},{Http.Node("b2")}]", "apply-b");
        Assert.Equal(first.ToJsonString(), again!.ToJsonString());
    }

    [Fact]
    public async Task ConcurrentRetries_AppendOnce_AndAllGetTheSameAnswer()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => SendAsync(HttpMethod.Post, "/api/v1/nodes", Http.Node("raced"), "race-key")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.Status));
        Assert.Single(answers.Select(a => a.Body!.ToJsonString()).Distinct());
        Assert.Single(await Client.EventsAsync(), e => (string?)e["type"] == "node_joined.v1");
    }

    [Fact]
    public async Task AnOverlongKey_Is400()
    {
        var (status, _, _) = await SendAsync(HttpMethod.Post, "/api/v1/nodes", Http.Node("long"), new string('k', 300));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(0, await Client.EventCountAsync());
    }
}
