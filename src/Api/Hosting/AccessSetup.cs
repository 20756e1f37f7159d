using System.Net;
using EventEngine.Api.Http;

namespace EventEngine.Api.Hosting;

/// <summary>
/// Who may connect, decided before the server listens: the tokens (Engine:Auth), the addresses it binds, and the
/// host names it answers to. A server without tokens binds loopback only, or refuses to start, unless the operator
/// says the network in front of it is trusted (Engine:Auth:AllowUnauthenticated).
/// </summary>
internal static class AccessSetup
{
    public static WebApplicationBuilder UseEngineAccess(this WebApplicationBuilder builder)
    {
        var options = new AccessOptions(builder.Configuration);
        builder.Services.AddSingleton(options);
        var urls = ListenUrls(builder.Configuration);
        var exposed = urls.Where(u => !IsLoopback(u)).ToList();
        if (exposed.Count > 0 && !options.HasTokens && !options.AllowUnauthenticated)
            throw new InvalidOperationException(
                $"refusing to listen on {string.Join(", ", exposed)} without tokens: configure Engine:Auth:Tokens (see the README), " +
                "bind a loopback address, or set Engine:Auth:AllowUnauthenticated=true if the network in front of the server is trusted");

        // answer only to the names a loopback server is reached by (no DNS rebinding); elsewhere the tokens guard it
        if (string.IsNullOrEmpty(builder.Configuration["AllowedHosts"]) && exposed.Count == 0)
            builder.Configuration["AllowedHosts"] = "localhost;127.0.0.1;[::1]";
        return builder;
    }

    /// <summary>Says at start who may call, so nobody has to guess.</summary>
    public static void LogAccess(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<AccessOptions>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EventEngine.Access");
        if (options.HasTokens) logger.LogInformation("Bearer tokens are required (Engine:Auth:Tokens); /healthz, /readyz and /version are public");
        else if (options.AllowUnauthenticated) logger.LogWarning("No tokens configured and Engine:Auth:AllowUnauthenticated is set: every client that reaches this server may do anything");
        else logger.LogInformation("No tokens configured: serving loopback clients only, each with every right");
    }

    /// <summary>The addresses the server will listen on, as the host reads them (--urls, ASPNETCORE_URLS, ports, Kestrel endpoints).</summary>
    private static List<string> ListenUrls(IConfiguration configuration)
    {
        var urls = new List<string>();
        if (configuration["urls"] is { Length: > 0 } list) urls.AddRange(list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (var key in new[] { "http_ports", "https_ports" })
            if (configuration[key] is { Length: > 0 } ports) urls.AddRange(ports.Split(';').Select(p => $"http://*:{p.Trim()}"));
        urls.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        if (urls.Count == 0) urls.Add(HostDefaults.DefaultUrl);
        return urls;
    }

    private static bool IsLoopback(string url)
    {
        var host = url.Split("://", 2) is [_, var rest] ? rest : url;
        host = host.Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
