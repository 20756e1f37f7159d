using System.Diagnostics;

namespace EventEngine.Api.Http;

/// <summary>One log line per request: method, path and query, the status answered and how long it took (a watch: until it ended).</summary>
public sealed class RequestLog(RequestDelegate next, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("EventEngine.Requests");

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            if (_logger.IsEnabled(LogLevel.Information))
                _logger.LogInformation("{Method} {Path}{Query} {Status} {Milliseconds:0.0} ms", context.Request.Method, context.Request.Path.Value,
                    context.Request.QueryString.Value, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}
