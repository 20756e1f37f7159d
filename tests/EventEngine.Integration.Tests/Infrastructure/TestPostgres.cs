using EventEngine.Api.Hosting;
using EventEngine.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server of this test run: the one <c>EVENTENGINE_TEST_PG</c> names (a connection
/// string whose user may create databases), or else one throwaway embedded cluster in
/// <see cref="TestScratch"/>, started on first use and shared by every test.
/// </summary>
public static class TestPostgres
{
    public const string EnvironmentVariable = "EVENTENGINE_TEST_PG";

    private static readonly Lazy<Task<string>> Server = new(StartAsync);

    /// <summary>A connection string to the server, for creating and dropping test databases.</summary>
    public static Task<string> ConnectionStringAsync() => Server.Value;

    private static async Task<string> StartAsync()
    {
        var given = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            return given;
        }

        // stopped by the scratch folder's watchdog when the run ends
        var server = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = TestScratch.NewPath("shared"), Durable = false },
            NullLogger.Instance);
        return server.ConnectionString;
    }
}
