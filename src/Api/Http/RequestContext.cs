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
        var context = Identity(request) with { DryRun = DryRun(request) };
        // a dry run is answered, never stored: a retry under its key runs it again
        return answer is not null && !context.DryRun && IdempotencyKeys.Of(request.HttpContext) is var (key, hash)
            ? context with { Idempotency = new IdempotentRequest(key, hash, answer) }
            : context;
    }

    /// <summary>?dryRun=All (kubectl diff, --dry-run=server): true; absent: false; any other value is refused, as the API server does.</summary>
    public static bool DryRun(this HttpRequest request)
    {
        if (request.HttpContext.Items[typeof(Bodies.DeleteOptions)] is Bodies.DeleteOptions { DryRun: true }) return true;
        if (!request.Query.TryGetValue("dryRun", out var values)) return false;
        foreach (var value in values)
            if (value != "All")
                throw new Model.ManifestException($"dryRun: Unsupported value: \"{value}\": supported values: \"All\"", "dryRun");
        return true;
    }

    /// <summary>A write that cannot be tried without taking effect refuses ?dryRun, rather than ignore it.</summary>
    public static IResult? RefuseDryRun(this HttpRequest request) =>
        request.Query.ContainsKey("dryRun")
            ? Problems.Problem(400, "Malformed request", "dryRun: this request cannot be tried without taking effect", [("dryRun", "Unsupported")])
            : null;

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
