using EventEngine.Runtime;

namespace EventEngine.Api.Http;

/// <summary>
/// What a request says about itself: who is calling (X-Actor until authentication exists, else "anonymous"),
/// X-Correlation-Id (or a new one), and If-Match, the version the caller last saw.
/// </summary>
public static class RequestContext
{
    public const string ActorHeader = "X-Actor";
    public const string CorrelationHeader = "X-Correlation-Id";

    public static CommandContext Command(this HttpRequest request)
    {
        var actor = request.Headers[ActorHeader].ToString();
        var correlation = request.Headers[CorrelationHeader].ToString();
        if (correlation.Length == 0) correlation = Guid.NewGuid().ToString();
        request.HttpContext.Response.Headers[CorrelationHeader] = correlation;
        return new CommandContext(correlation, actor.Length == 0 ? "anonymous" : actor);
    }

    /// <summary>The entity tag of If-Match without its quotes ("*" as is), or null; every write to a named object honours it.</summary>
    public static string? IfMatch(this HttpRequest request) =>
        request.Headers.IfMatch.ToString().Trim() is { Length: > 0 } tag ? tag.Trim('"') : null;
}
