using EventEngine.Api.Hosting;
using System.Diagnostics;
using EventEngine.Storage;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>
/// This test run's temp folder. Every PostgreSQL cluster a test starts lives in it, so that when the
/// test host is gone every server in it is stopped and the folder deleted, however the run ended.
/// </summary>
public static class TestScratch
{
    // Waits for the test host to exit, then stops every cluster under the folder and deletes it.
    private const string WatchdogScript = """
        exec </dev/null >/dev/null 2>&1
        tail --pid="$1" -f /dev/null
        find "$3" -name postmaster.pid | while read -r pid; do
          if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$2" stop -D "$(dirname "$pid")" -m immediate -w
          else "$2" stop -D "$(dirname "$pid")" -m immediate -w; fi
        done
        rm -rf "$3"
        """;

    private static readonly Lazy<string> Folder = new(Create);

    /// <summary>A new, not yet existing, path in the folder; <paramref name="name"/> says what it is for.</summary>
    public static string NewPath(string name) => Path.Combine(Folder.Value, $"{name}-{Guid.NewGuid():N}");

    private static string Create()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"eventengine-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        StartWatchdog(folder);
        return folder;
    }

    /// <summary>
    /// xunit 2 has no end-of-run hook, and the test runner kills the test host moments after the
    /// last test, too soon for cleanup inside it, while a postmaster started through pg_ctl outlives
    /// its starter. So a detached watchdog (its own session, not a child the runner could kill with
    /// the host) cleans up once this process has ended.
    /// </summary>
    private static void StartWatchdog(string folder)
    {
        string pgCtl;
        try
        {
            pgCtl = PostgresBinaries.Find().PgCtl;
        }
        catch (InvalidOperationException)
        {
            pgCtl = "pg_ctl"; // no local server programs: no cluster will be started either
        }

        var info = new ProcessStartInfo("setsid") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--fork", "sh", "-c", WatchdogScript, "eventengine-test-watchdog", Environment.ProcessId.ToString(), pgCtl, folder })
        {
            info.ArgumentList.Add(argument);
        }

        using var watchdog = Process.Start(info) ?? throw new InvalidOperationException("Could not start the test cleanup watchdog.");
        watchdog.WaitForExit();
    }
}
