using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EventEngine.Api.Hosting;

/// <summary>
/// Runs initdb and pg_ctl. PostgreSQL refuses to run as root, so a root process runs them as the
/// <c>postgres</c> user through runuser, on files that user owns and can reach.
/// </summary>
internal sealed class PostgresTool(ILogger logger)
{
    public const string ServiceUser = "postgres";

    public static bool RunsAsRoot => Environment.IsPrivilegedProcess;

    public sealed record Outcome(int ExitCode, string Output);

    /// <summary>Runs a PostgreSQL program (as <see cref="ServiceUser"/> when this process is root).</summary>
    public Task<Outcome> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ExecuteAsync(program, arguments, RunsAsRoot, cancellationToken);

    /// <summary>Runs a PostgreSQL program and fails with its output when it exits non-zero.</summary>
    public async Task<string> RunCheckedAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var outcome = await RunAsync(program, arguments, cancellationToken);
        return outcome.ExitCode == 0
            ? outcome.Output
            : throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments)} failed with exit code {outcome.ExitCode}: {outcome.Output.Trim()}");
    }

    /// <summary>Gives a directory tree to <see cref="ServiceUser"/> when this process is root.</summary>
    public async Task GiveToServiceUserAsync(string directory, CancellationToken cancellationToken)
    {
        if (!RunsAsRoot)
        {
            return;
        }

        var chown = await ExecuteAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", directory], false, cancellationToken);
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown of {directory} to {ServiceUser} failed: {chown.Output.Trim()}");
        }
    }

    /// <summary>
    /// Lets <see cref="ServiceUser"/> reach <paramref name="directory"/> when this process is root:
    /// a checkout under a private directory (mktemp -d makes mode 700) would otherwise keep the
    /// server out of its own data directory. Adds only the missing o+x bits, and says so.
    /// </summary>
    public void MakeAncestorsTraversable(string directory)
    {
        if (!RunsAsRoot || OperatingSystem.IsWindows())
        {
            return;
        }

        for (var parent = Path.GetDirectoryName(directory); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            var mode = File.GetUnixFileMode(parent);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                File.SetUnixFileMode(parent, mode | UnixFileMode.OtherExecute);
                logger.LogWarning(
                    "Added o+x to {Directory} so the {User} user can reach the PostgreSQL data directory", parent, ServiceUser);
            }
        }
    }

    private async Task<Outcome> ExecuteAsync(
        string program, IReadOnlyList<string> arguments, bool asServiceUser, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo
        {
            FileName = asServiceUser ? "runuser" : program,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // the caller's directory may be one the postgres user cannot enter, and initdb and
            // pg_ctl stop with "could not identify current directory" when that happens
            WorkingDirectory = "/",
        };
        IEnumerable<string> prefix = asServiceUser ? ["-u", ServiceUser, "--", program] : [];
        foreach (var argument in prefix.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        logger.LogDebug("Running {Program} {Arguments}", program, string.Join(' ', arguments));
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return new Outcome(process.ExitCode, await output + await error);
    }
}
