using System.Net;
using System.Text.RegularExpressions;
using EventEngine.Api.Hosting;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Reliability;

/// <summary>
/// Memory handed back (<see cref="MemoryTrim"/>) by a server process of its own (a trim pauses every thread of its
/// process): when the last large read ends, and when a process that grew is quiet, never while requests keep coming.
/// </summary>
public sealed partial class MemoryTrimTests
{
    [Fact]
    public async Task AWhatIf_HandsMemoryBackWhenItEnds()
    {
        await using var db = await TestDatabase.CreateAsync();
        // a quiet process may trim once an hour only: after start-up, a trim here is the end of a large read
        await using var server = await StartAsync(db, quietTrimEverySeconds: 3600);
        using var client = server.Client();
        await GrowAsync(client);
        var before = await TrimsAsync(client);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/engine/v1/replay", """{"from":0}""")).Status);
        await Wait.UntilAsync(async () => await TrimsAsync(client) == before + 1, TimeSpan.FromSeconds(20));
        Assert.Contains("Memory handed back (a large read ended)", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProcessThatGrew_HandsMemoryBackOnceQuiet_NotWhileRequestsKeepComing()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var server = await StartAsync(db, quietTrimEverySeconds: 1);
        using var client = server.Client();
        await GrowAsync(client);

        // a request every 100 ms for 4 s: never a quiet second. A window shows that only if this process kept to it (a
        // loaded machine can hold a test's threads up for a second, and the server then rightly sees a quiet one): a
        // window with a gap of half a second between two requests is tried again
        for (var attempt = 1; ; attempt++)
        {
            var before = await TrimsAsync(client);
            var gap = await RequestsEveryTenthOfASecondAsync(client, 40);
            var after = await TrimsAsync(client);
            if (gap < TimeSpan.FromMilliseconds(500))
            {
                Assert.Equal(before, after);
                break;
            }
            Assert.True(attempt < 5, $"requests could not be kept coming every 100 ms: a gap of {gap.TotalMilliseconds:0} ms in each of {attempt} windows");
        }

        // then no request at all (the log says when it trims): a quiet second comes
        var during = QuietTrims(server);
        await Wait.UntilAsync(() => Task.FromResult(QuietTrims(server) > during), TimeSpan.FromSeconds(20));
        Assert.True(await TrimsAsync(client) >= 1);
    }

    /// <summary>Sends a request every 100 ms; the longest time between the starts of two of them.</summary>
    private static async Task<TimeSpan> RequestsEveryTenthOfASecondAsync(HttpClient client, int count)
    {
        var (longest, last) = (TimeSpan.Zero, System.Diagnostics.Stopwatch.GetTimestamp());
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        for (var i = 0; i < count && await timer.WaitForNextTickAsync(); i++)
        {
            var gap = System.Diagnostics.Stopwatch.GetElapsedTime(last);
            longest = gap > longest ? gap : longest;
            last = System.Diagnostics.Stopwatch.GetTimestamp();
            await client.GetStringAsync("/api/v1/nodes/node-0001");
        }
        return longest;
    }

    private static int QuietTrims(ServerProcess server) =>
        Regex.Count(server.Output, Regex.Escape("Memory handed back (the process grew and is quiet)"));

    private static Task<ServerProcess> StartAsync(TestDatabase db, int quietTrimEverySeconds) =>
        ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = db.ConnectionString,
            ["Engine:SimulatedKubelet:Enabled"] = "false",
            ["Engine:Memory:TrimAfterGrowthMiB"] = "1",
            ["Engine:Memory:QuietTrimEverySeconds"] = quietTrimEverySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    /// <summary>A thousand nodes and a DaemonSet on each: megabytes of state, events and garbage.</summary>
    private static async Task GrowAsync(HttpClient client)
    {
        var nodes = string.Join(",", Enumerable.Range(0, 1_000).Select(i => Http.Node($"node-{i:0000}")));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/engine/v1/apply", $"[{nodes}]")).Status);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml)).Status);
    }

    /// <summary>How many trims the server has made, from its /metrics.</summary>
    private static async Task<int> TrimsAsync(HttpClient client) =>
        TrimCount().Match(await client.GetStringAsync("/metrics")) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"^eventengine_memory_trim_duration_seconds_count (\d+)$", RegexOptions.Multiline)]
    private static partial Regex TrimCount();
}
