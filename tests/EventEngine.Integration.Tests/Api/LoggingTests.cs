using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Api;

/// <summary>The server's console: a line a person reads per log entry by default, one per request; JSON lines when asked.</summary>
public sealed class LoggingTests
{
    [Fact]
    public async Task EveryRequestIsALine_ReadableByDefault_JsonWhenAsked()
    {
        await using var database = await TestDatabase.CreateAsync();
        foreach (var formatter in new[] { "simple", "json" })
        {
            await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
            {
                ["ConnectionStrings:Events"] = database.ConnectionString,
                ["Logging:Console:FormatterName"] = formatter,
            });
            using var client = server.Client();
            Assert.True((await client.GetAsync("/api/v1/nodes?limit=5")).IsSuccessStatusCode);
            string? line = null;
            await Wait.UntilAsync(() => Task.FromResult((line = server.Output.Split('\n').FirstOrDefault(l => l.Contains("GET /api/v1/nodes?limit=5 200", StringComparison.Ordinal))) is not null),
                TimeSpan.FromSeconds(10));
            if (formatter == "simple")
            {
                Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: EventEngine\.Requests\[0\] GET /api/v1/nodes\?limit=5 200 \d+\.\d ms", line!.TrimEnd());
            }
            else
            {
                var entry = JsonNode.Parse(line!)!;
                Assert.Equal(("EventEngine.Requests", "GET", 200), ((string?)entry["Category"], (string?)entry["State"]!["Method"], (int)entry["State"]!["Status"]!));
            }
        }
    }
}
