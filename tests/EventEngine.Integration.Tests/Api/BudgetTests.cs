using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Api.Http;
using EventEngine.Integration.Tests.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using EventEngine.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EventEngine.Integration.Tests.Api;

/// <summary>
/// Every budget is a clear error that changes nothing: objects per apply (413), annotation size (422), a what-if's
/// window (422), replays at once and watches (429 with Retry-After), and the whole-cluster state comes in pages.
/// </summary>
public sealed class BudgetTests : ApiTest
{
    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Engine:Limits:ApplyObjects"] = "3",
        ["Engine:Limits:ReplayEvents"] = "5",
        ["Engine:Limits:ConcurrentReplays"] = "1",
        ["Engine:Limits:Watches"] = "3",
        ["Engine:Limits:WatchesPerClient"] = "2",
    };

    [Fact]
    public async Task AnApplyOfMoreObjectsThanTheBudget_Is413_AndAppendsNothing()
    {
        var nodes = "[" + string.Join(",", Enumerable.Range(1, 4).Select(i => Http.Node($"n{i}"))) + "]";
        var (status, problem, _) = await Client.PostAsync("/engine/v1/apply", nodes);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("at most 3 (Engine:Limits:ApplyObjects)", (string?)problem!["detail"]);
        Assert.Equal(0, await Client.EventCountAsync());
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync("/engine/v1/apply", "[" + string.Join(",", Enumerable.Range(1, 3).Select(i => Http.Node($"n{i}"))) + "]")).Status);
    }

    [Fact]
    public async Task AnnotationsPastKubernetesLimit_Are422_NamingTheField()
    {
        var big = new string('x', 256 * 1024);
        var (status, problem, _) = await Client.PostAsync("/api/v1/nodes", Http.Node("annotated", $",\"annotations\":{{\"note\":\"{big}\"}}"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["metadata.annotations"], problem.Fields());
        Assert.Equal(0, await Client.EventCountAsync());
    }

    [Fact]
    public async Task AWhatIfOverMoreEventsThanTheBudget_Is422_NamingTo()
    {
        foreach (var i in Enumerable.Range(1, 8)) await Client.PostAsync("/api/v1/nodes", Http.Node($"w{i}"));
        var (status, problem, _) = await Client.PostAsync("/engine/v1/replay", "{}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["to"], problem.Fields());
        Assert.Contains("at most 5 (Engine:Limits:ReplayEvents)", (string?)problem!["detail"]);
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync("/engine/v1/replay", """{"from":3,"to":8}""")).Status);
    }

    [Fact]
    public async Task AWhatIfsPlace_IsFreeOnceItsAnswerIsWritten_BeforeItsRequestEnds()
    {
        // one place (Engine:Limits:ConcurrentReplays): a client that asks again as soon as it has an answer, refused or
        // not, must find the place free, though the server may not have ended the request that answered it
        var free = new System.Collections.Concurrent.ConcurrentQueue<bool>();
        await using var api = new ApiFactory(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = Database.ConnectionString,
            ["Engine:Limits:ReplayEvents"] = "5",
            ["Engine:Limits:ConcurrentReplays"] = "1",
        }, web => web.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new PlaceAfterTheAnswer(free))));
        var client = api.CreateClient();
        foreach (var i in Enumerable.Range(1, 8)) await client.PostAsync("/api/v1/nodes", Http.Node($"w{i}"));

        var statuses = new List<HttpStatusCode>();
        foreach (var body in new[] { "{}", """{"from":3,"to":8}""", "{}", """{"from":3,"to":8}""" })
            statuses.Add((await client.PostAsync("/engine/v1/replay", body)).Status);

        Assert.Equal([HttpStatusCode.UnprocessableEntity, HttpStatusCode.OK, HttpStatusCode.UnprocessableEntity, HttpStatusCode.OK], statuses);
        Assert.Equal([true, true, true, true], free.ToArray());
    }

    /// <summary>Once a what-if's answer is written, and before its request ends, tries to take the replays' place.</summary>
    private sealed class PlaceAfterTheAnswer(System.Collections.Concurrent.ConcurrentQueue<bool> free) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (HttpContext context, RequestDelegate nextMiddleware) =>
            {
                await nextMiddleware(context);
                if (!context.Request.Path.StartsWithSegments("/engine/v1/replay", StringComparison.Ordinal)) return;
                using var place = context.RequestServices.GetRequiredService<Admission>().TryReplay();
                free.Enqueue(place is not null);
            });
            next(app);
        };
    }

    [Fact]
    public async Task ATimelinePageReadsAtMostTheBudget_AndItsPagesTogetherHoldEveryMatch()
    {
        foreach (var i in Enumerable.Range(1, 8)) await Client.PostAsync("/api/v1/nodes", Http.Node($"w{i}"));
        await Client.PatchAsync("/api/v1/nodes/w7", """{"metadata":{"labels":{"rack":"r1"}}}""");
        await Client.PatchAsync("/api/v1/nodes/w2", """{"metadata":{"labels":{"rack":"r2"}}}""");
        await Client.PatchAsync("/api/v1/nodes/w7", """{"metadata":{"labels":{"rack":"r3"}}}""");
        var expected = (await Client.EventsAsync()).Where(e => (string?)e["data"]!["node"] == "w7").Select(e => (long)e["seq"]!).ToList();
        Assert.Equal(3, expected.Count);

        // a filter few events match: the first page stops after five events (none of them about w7) and says where to go on
        var first = await Client.GetJsonAsync("/engine/v1/timeline?node=w7&limit=10");
        Assert.Empty(first["items"]!.AsArray());
        Assert.Equal("5", (string?)first["continue"]);

        var seen = new List<long>();
        var pages = 1;
        for (var page = first; page["continue"] is { } token; pages++)
        {
            page = await Client.GetJsonAsync($"/engine/v1/timeline?node=w7&limit=10&continue={(string)token!}");
            seen.AddRange(page["items"]!.AsArray().Select(i => (long)i!["seq"]!));
        }
        Assert.Equal(expected, seen);
        Assert.Equal(3, pages); // 11 events, five a page
    }

    [Fact]
    public async Task AReplayWhileTheOnlyPlaceIsTaken_Is429_WithRetryAfter()
    {
        using (var taken = Api.Services.GetRequiredService<Admission>().TryReplay())
        {
            Assert.NotNull(taken);
            var (status, problem, response) = await Client.PostAsync("/engine/v1/replay", """{"from":0,"to":0}""");
            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            Assert.Equal("5", response.Headers.RetryAfter?.ToString());
            Assert.Contains("Engine:Limits:ConcurrentReplays", (string?)problem!["detail"]);
        }
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync("/engine/v1/replay", """{"from":0,"to":0}""")).Status);
    }

    [Fact]
    public async Task ADivergenceScanWhileTheOnlyPlaceIsTaken_Is429_ATimelineWithoutOneIsNot()
    {
        using (var taken = Api.Services.GetRequiredService<Admission>().TryReplay())
        {
            Assert.NotNull(taken);
            foreach (var path in new[] { "/engine/v1/divergences?from=0&to=0", "/engine/v1/timeline?divergences=true" })
            {
                var (status, problem, response) = await Client.SendAsync(HttpMethod.Get, path);
                Assert.Equal(HttpStatusCode.TooManyRequests, status);
                Assert.Equal("5", response.Headers.RetryAfter?.ToString());
                Assert.Contains("divergence scans are running (Engine:Limits:ConcurrentReplays)", (string?)problem!["detail"]);
            }
            Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Get, "/engine/v1/timeline")).Status);
        }
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Get, "/engine/v1/divergences?from=0&to=0")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Get, "/engine/v1/timeline?divergences=true")).Status);
    }

    [Fact]
    public async Task WatchesBeyondTheClientsBudget_Are429_AndAFreedPlaceIsTakenAgain()
    {
        using var first = await OpenWatchAsync();
        using var second = await OpenWatchAsync();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        using (var third = await OpenWatchAsync())
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            Assert.Contains("WatchesPerClient", await third.Content.ReadAsStringAsync());
        }
        second.Dispose();
        await Infrastructure.Wait.UntilAsync(async () =>
        {
            using var again = await OpenWatchAsync();
            return again.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(20));
    }

    private Task<HttpResponseMessage> OpenWatchAsync() =>
        Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/engine/v1/events?watch=true"), HttpCompletionOption.ResponseHeadersRead);

    [Fact]
    public async Task TheState_ComesInPages_EachObjectOnce_AllOfOneSeq()
    {
        await Client.PostAsync("/engine/v1/apply", "[" + string.Join(",", Enumerable.Range(1, 3).Select(i => Http.Node($"p{i}"))) + "]");
        await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent());
        var whole = await Client.GetJsonAsync("/engine/v1/state");
        Assert.Null(whole["continue"]);
        var expected = Names(whole);
        Assert.Equal(7, expected.Count); // 3 nodes, 1 DaemonSet, 3 pods

        var seen = new List<string>();
        var seqs = new HashSet<long>();
        var page = await Client.GetJsonAsync("/engine/v1/state?limit=2");
        await Client.PostAsync("/api/v1/nodes", Http.Node("late")); // the pages still describe the first page's state
        while (true)
        {
            seen.AddRange(Names(page));
            seqs.Add((long)page["at"]!["seq"]!);
            Assert.True(Names(page).Count <= 2);
            if ((string?)page["continue"] is not { } token) break;
            page = await Client.GetJsonAsync($"/engine/v1/state?limit=2&continue={Uri.EscapeDataString(token)}");
        }
        Assert.Equal(expected, seen);
        Assert.Single(seqs);
        var (status, problem, _) = await Client.SendAsync(HttpMethod.Get, "/engine/v1/state?continue=bogus");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["continue"], problem.Fields());
    }

    private static List<string> Names(JsonNode state) =>
        state["nodes"]!.AsArray().Select(n => "node/" + (string)n!["metadata"]!["name"]!)
            .Concat(state["daemonSets"]!.AsArray().Select(d => "ds/" + (string)d!["metadata"]!["name"]!))
            .Concat(state["pods"]!.AsArray().Select(p => "pod/" + (string)p!["metadata"]!["name"]!))
            .ToList();
}
