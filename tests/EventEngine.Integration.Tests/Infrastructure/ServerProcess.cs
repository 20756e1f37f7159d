using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using EventEngine.Tests.Scenarios;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>
/// The engine's server as users run it: its own process (dotnet EventEngine.Api.dll), Kestrel on a free loopback
/// port, configured through the environment. For what an in-memory host cannot show: real sockets for kubectl and
/// Kubernetes clients, TLS, a process killed with SIGKILL, two processes on one database.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    /// <summary>Every server started and not yet gone: killed when the test run ends, so a failed test leaves none behind.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, Process> Started = new();

    static ServerProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var process in Started.Values)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // gone meanwhile
            }
        }
    };

    private ServerProcess(Process process, Uri baseAddress, HttpMessageHandler handler)
    {
        _process = process;
        BaseAddress = baseAddress;
        Handler = handler;
    }

    public Uri BaseAddress { get; }

    /// <summary>A handler that trusts the test certificate (when the server serves TLS).</summary>
    public HttpMessageHandler Handler { get; }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>What the server printed so far (its logs), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>The server's assembly, built beside the tests by the solution build (same configuration).</summary>
    public static string ServerAssembly()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var path = Path.Combine(Scenario.RepositoryRoot(), "src", "Api", "bin", configuration, "net10.0", "EventEngine.Api.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"the server is not built at {path}: build EventEngine.sln first");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts a server with the given settings (configuration keys, ':'-separated) and waits until /healthz answers.
    /// With a certificate it serves https. A server that exits first fails the start, with its output.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> settings, TestCertificate? certificate = null,
        int? port = null, string host = "127.0.0.1", TimeSpan? timeout = null)
    {
        var scheme = certificate is null ? "http" : "https";
        var url = $"{scheme}://{host}:{port ?? FreePort()}";
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestScratch.NewPath("server"),
        };
        Directory.CreateDirectory(info.WorkingDirectory);
        info.ArgumentList.Add(ServerAssembly());
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(url);
        foreach (var (key, value) in settings) info.Environment[key.Replace(":", "__")] = value;
        if (certificate is not null)
        {
            info.Environment["Kestrel__Certificates__Default__Path"] = certificate.CertificatePath;
            info.Environment["Kestrel__Certificates__Default__KeyPath"] = certificate.KeyPath;
        }
        // plain console lines are easier to read in a failure message than JSON (unless a test asks otherwise)
        if (!settings.ContainsKey("Logging:Console:FormatterName")) info.Environment["Logging__Console__FormatterName"] = "simple";

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        Started[process.Id] = process;
        var handler = certificate?.Handler() ?? new SocketsHttpHandler();
        var server = new ServerProcess(process, new Uri(url), handler);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitReadyAsync(timeout ?? TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = Client();
        client.Timeout = TimeSpan.FromSeconds(5);
        var deadline = DateTime.UtcNow + timeout;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the server exited with code {_process.ExitCode} before it served:\n{Output}");
            try
            {
                if ((await client.GetAsync("/healthz")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await timer.WaitForNextTickAsync();
        }
        throw new TimeoutException($"the server did not serve within {timeout}:\n{Output}");
    }

    /// <summary>A client of this server, with a bearer token when one is given.</summary>
    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient(Handler, disposeHandler: false) { BaseAddress = BaseAddress };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Ends the process at once, as a crash or an OOM kill would: no shutdown code runs.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        Process.Start("kill", ["-KILL", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        _process.WaitForExit();
    }

    /// <summary>Waits for a process that is stopping by itself (one that refused to start, say), and gives its exit code.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyDictionary<string, string> settings, string url, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestScratch.NewPath("server") };
        Directory.CreateDirectory(info.WorkingDirectory);
        info.ArgumentList.Add(ServerAssembly());
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(url);
        foreach (var (key, value) in settings) info.Environment[key.Replace(":", "__")] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the server was still running after {timeout}");
        }
        return (process.ExitCode, await output + await error);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the host stops gracefully (and with it any embedded database)
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        Started.TryRemove(_process.Id, out _);
        _process.Dispose();
        Handler.Dispose();
    }
}
