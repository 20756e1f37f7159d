using System.Diagnostics;
using EventEngine.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server of this test run: the one <c>EVENTENGINE_TEST_PG</c> names (a connection
/// string whose user may create databases), or else one throwaway embedded cluster in a temp
/// folder, started on first use, shared by every test, stopped and deleted when the run ends.
/// </summary>
public static class TestPostgres
{
    public const string EnvironmentVariable = "EVENTENGINE_TEST_PG";

    // Stops the server and deletes its folder once the test host is gone.
    private const string WatchdogScript = """
        exec </dev/null >/dev/null 2>&1
        tail --pid="$1" -f /dev/null
        if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$2" stop -D "$3" -m immediate -w
        else "$2" stop -D "$3" -m immediate -w; fi
        rm -rf "$4"
        """;

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

        var root = Path.Combine(Path.GetTempPath(), $"eventengine-tests-{Guid.NewGuid():N}");
        var server = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = Path.Combine(root, "pg"), Durable = false },
            NullLogger.Instance);
        StartWatchdog(server, root);
        return server.ConnectionString;
    }

    /// <summary>
    /// xunit 2 has no end-of-run hook, and the test runner kills the test host moments after the
    /// last test, too soon for cleanup inside it; the postmaster, started through pg_ctl, would
    /// outlive it. So a detached watchdog (its own session, not a child the runner could kill
    /// with the host) waits for this process to end, then stops the server and deletes its folder.
    /// </summary>
    private static void StartWatchdog(EmbeddedPostgres server, string root)
    {
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--fork", "sh", "-c", WatchdogScript, "eventengine-test-watchdog",
            Environment.ProcessId.ToString(), server.Binaries.PgCtl, server.DataDirectory, root,
        })
        {
            info.ArgumentList.Add(argument);
        }

        using var watchdog = Process.Start(info) ?? throw new InvalidOperationException("Could not start the test server watchdog.");
        watchdog.WaitForExit();
    }
}
