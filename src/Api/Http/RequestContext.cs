using EventEngine.Runtime;

namespace EventEngine.Api.Http;

/// <summary>Who is calling: X-Actor until authentication exists (else "anonymous"); X-Correlation-Id or a new one.</summary>
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
}
