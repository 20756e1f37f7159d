using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EventEngine.Harness;

/// <summary>The engine's server as users run it: its own process, Kestrel on a free loopback port.</summary>
public sealed class Server : IAsyncDisposable
{
    private readonly Process _process;

    private Server(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }
    public int Pid => _process.Id;
    public long ResidentBytes => Memory.ResidentBytes(_process.Id);

    /// <summary>The server's assembly, built beside the harness (same configuration).</summary>
    private static string Assembly()
    {
        var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var configuration = new DirectoryInfo(here).Parent!.Name;
        for (var dir = new DirectoryInfo(here); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "src", "Api", "bin", configuration, "net10.0", "EventEngine.Api.dll");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("EventEngine.Api.dll is not built: run dotnet build EventEngine.sln -c Release first");
    }

    public static async Task<(Server Server, TimeSpan Started)> StartAsync(string connectionString, IDictionary<string, string>? settings = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Assembly());
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["ConnectionStrings__Events"] = connectionString;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) info.Environment[key.Replace(":", "__")] = value;
        var watch = Stopwatch.StartNew();
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("server: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new Server(process, new Uri($"http://127.0.0.1:{port}"));
        using var client = server.Client();
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"the server exited with {process.ExitCode}");
            try
            {
                if ((await client.GetAsync("/readyz")).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(50);
        }
        return (server, watch.Elapsed);
    }

    public HttpClient Client() => new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(10) };

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) _process.Kill(entireProcessTree: true);
        }
        await Task.CompletedTask;
        _process.Dispose();
    }
}
