using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>The engine's server in memory, configured with the given settings (configuration keys, ':'-separated).</summary>
public sealed class ApiFactory(IReadOnlyDictionary<string, string> settings, Action<IWebHostBuilder>? configure = null)
    : WebApplicationFactory<Program>
{
    private readonly TaskCompletionSource stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool started;

    /// <summary>The server on a test database.</summary>
    public static ApiFactory ForDatabase(TestDatabase database, Action<IWebHostBuilder>? configure = null) =>
        new(new Dictionary<string, string> { ["ConnectionStrings:Events"] = database.ConnectionString }, configure);

    /// <summary>The server with no connection string: it runs its own PostgreSQL under <paramref name="dataDirectory"/>.</summary>
    public static ApiFactory WithEmbeddedDatabase(string dataDirectory) =>
        new(new Dictionary<string, string> { ["ConnectionStrings:Events"] = "", ["Engine:DataDirectory"] = dataDirectory });

    /// <summary>Stops the server and waits until its host has stopped (and with it any embedded PostgreSQL).</summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        // The program's own Main finishes stopping the host after the factory lets go of it.
        if (started)
        {
            await stopped.Task.WaitAsync(TimeSpan.FromMinutes(1));
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // the servers in memory share the test process: none of them may stop every thread of it to hand memory back
        builder.UseSetting("Engine:Memory:Trim", "false");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        configure?.Invoke(builder);
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(() => stopped.TrySetResult());
        started = true;
        return host;
    }
}
