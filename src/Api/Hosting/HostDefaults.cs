namespace EventEngine.Api.Hosting;

/// <summary>Logging and listening defaults of the engine's server.</summary>
internal static class HostDefaults
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>
    /// Console logs a person reads, a line each with its UTC time (Logging:Console:FormatterName=json for JSON lines a
    /// collector reads); listen on <see cref="DefaultUrl"/> unless told otherwise.
    /// </summary>
    public static WebApplicationBuilder UseEngineHostDefaults(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        if (string.Equals(builder.Configuration["Logging:Console:FormatterName"], "json", StringComparison.OrdinalIgnoreCase))
            builder.Logging.AddJsonConsole(options =>
            {
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        else
            builder.Logging.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });

        // --urls and ASPNETCORE_URLS arrive as "urls"; container images set the ports keys instead.
        string[] addressKeys = ["urls", "http_ports", "https_ports"];
        if (addressKeys.All(key => string.IsNullOrEmpty(builder.Configuration[key])))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return builder;
    }
}
