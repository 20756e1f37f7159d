using System.Diagnostics;
using System.Text;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>
/// The real kubectl (this machine image has v1.32 at /usr/bin/kubectl), run against a test server with a kubeconfig of
/// the test's own and a cache folder inside the test's scratch folder, so nothing is written to the home folder. A
/// missing kubectl fails the test saying so: these tests are never skipped.
/// </summary>
public sealed class Kubectl
{
    private readonly string _folder;

    public Kubectl(Uri server, string? token = null, TestCertificate? certificate = null, string user = "tester")
    {
        _folder = TestScratch.NewPath("kubectl");
        Directory.CreateDirectory(_folder);
        KubeconfigPath = Path.Combine(_folder, "kubeconfig");
        var cluster = certificate is null
            ? $"    server: {server.ToString().TrimEnd('/')}"
            : $"    server: {server.ToString().TrimEnd('/')}\n    certificate-authority-data: {certificate.AuthorityData}";
        var credentials = token is null ? "  user: {}" : $"  user:\n    token: {token}";
        File.WriteAllText(KubeconfigPath, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: eventengine
              cluster:
            {cluster}
            users:
            - name: {user}
            {credentials}
            contexts:
            - name: eventengine
              context:
                cluster: eventengine
                user: {user}
            current-context: eventengine
            """);
    }

    public string KubeconfigPath { get; }

    public static string Binary()
    {
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("EVENTENGINE_KUBECTL"), "/usr/bin/kubectl", "/usr/local/bin/kubectl" })
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate)) return candidate;
        throw new InvalidOperationException(
            "kubectl is not installed (looked for $EVENTENGINE_KUBECTL, /usr/bin/kubectl, /usr/local/bin/kubectl): the kubectl tests need the real binary; install kubectl v1.32");
    }

    /// <summary>Runs kubectl with these arguments (and stdin), returning its exit code and what it printed.</summary>
    public async Task<(int ExitCode, string Out, string Err)> RunAsync(IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(Binary())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _folder,
        };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(KubeconfigPath);
        info.ArgumentList.Add("--cache-dir");
        info.ArgumentList.Add(Path.Combine(_folder, "cache"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["HOME"] = _folder;
        info.Environment["KUBECONFIG"] = KubeconfigPath;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish: {await error}");
        }
        return (process.ExitCode, await output, await error);
    }

    public Task<(int ExitCode, string Out, string Err)> RunAsync(params string[] args) => RunAsync(args, null);

    /// <summary>Starts a kubectl that keeps running (get -w): what it prints is collected until it is disposed, which stops it.</summary>
    public Running Start(params string[] args)
    {
        var info = new ProcessStartInfo(Binary()) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder };
        foreach (var arg in new[] { "--kubeconfig", KubeconfigPath, "--cache-dir", Path.Combine(_folder, "cache") }.Concat(args)) info.ArgumentList.Add(arg);
        info.Environment["HOME"] = _folder;
        info.Environment["KUBECONFIG"] = KubeconfigPath;
        return new Running(Process.Start(info)!);
    }

    /// <summary>A kubectl still running, and what it has printed so far.</summary>
    public sealed class Running : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _out = new();
        private readonly StringBuilder _err = new();

        internal Running(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Out { get { lock (_out) return _out.ToString(); } }

        public string Err { get { lock (_err) return _err.ToString(); } }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
