using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>The engine's server in memory, configured with the given settings (configuration keys, ':'-separated).</summary>
public sealed class ApiFactory(IReadOnlyDictionary<string, string> settings, Action<IWebHostBuilder>? configure = null)
    : WebApplicationFactory<Program>
{
    /// <summary>The server on a test database.</summary>
    public static ApiFactory ForDatabase(TestDatabase database, Action<IWebHostBuilder>? configure = null) =>
        new(new Dictionary<string, string> { ["ConnectionStrings:Events"] = database.ConnectionString }, configure);

    /// <summary>The server with no connection string: it runs its own PostgreSQL under <paramref name="dataDirectory"/>.</summary>
    public static ApiFactory WithEmbeddedDatabase(string dataDirectory) =>
        new(new Dictionary<string, string> { ["ConnectionStrings:Events"] = "", ["Engine:DataDirectory"] = dataDirectory });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        configure?.Invoke(builder);
    }
}
