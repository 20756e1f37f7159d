using EventEngine.Runtime;

namespace EventEngine.Api.Http;

/// <summary>
/// What a request says about itself: who is calling (the authenticated caller, see <see cref="Access"/>),
/// X-Correlation-Id (or a new one), and If-Match, the version the caller last saw.
/// </summary>
public static class RequestContext
{
    /// <summary>kubectl --as: act in another user's name. Only an admin may, and the event keeps who did.</summary>
    public const string ImpersonateHeader = "Impersonate-User";

    /// <summary>The older form of <see cref="ImpersonateHeader"/>, kept for scripts; the same rules apply.</summary>
    public const string ActorHeader = "X-Actor";

    public const string CorrelationHeader = "X-Correlation-Id";

    /// <summary>
    /// The command's context: the actor is the authenticated user; an admin (or the owner of a loopback server without
    /// tokens) naming another with Impersonate-User or X-Actor acts in that name, and the event records who did.
    /// </summary>
    public static CommandContext Command(this HttpRequest request, Func<CommandOutcome, string>? answer = null)
    {
        var context = Identity(request);
        return answer is not null && IdempotencyKeys.Of(request.HttpContext) is var (key, hash)
            ? context with { Idempotency = new IdempotentRequest(key, hash, answer) }
            : context;
    }

    private static CommandContext Identity(HttpRequest request)
    {
        var correlation = request.Headers[CorrelationHeader].ToString();
        if (correlation.Length == 0 || correlation.Length > 128) correlation = Guid.NewGuid().ToString();
        request.HttpContext.Response.Headers[CorrelationHeader] = correlation;
        var caller = Caller.Of(request.HttpContext);
        var named = request.Headers[ImpersonateHeader].ToString() is { Length: > 0 } impersonated ? impersonated : request.Headers[ActorHeader].ToString();
        if (named.Length == 0 || named == caller.User || caller.Role < Role.Admin) return new CommandContext(correlation, caller.User);
        return new CommandContext(correlation, named, caller.User);
    }

    /// <summary>The entity tag of If-Match without its quotes ("*" as is), or null; every write to a named object honours it.</summary>
    public static string? IfMatch(this HttpRequest request) =>
        request.Headers.IfMatch.ToString().Trim() is { Length: > 0 } tag ? tag.Trim('"') : null;
}
