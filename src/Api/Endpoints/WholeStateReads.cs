using EventEngine.Api.Hosting;
using EventEngine.Api.Http;

namespace EventEngine.Api.Endpoints;

/// <summary>
/// Requests that build a whole cluster's state (a what-if, a divergence scan): each takes one of the places of
/// Engine:Limits:ConcurrentReplays, or is a 429, and counts as a large read for the memory trim; both until its answer
/// is written.
/// </summary>
internal static class WholeStateReads
{
    /// <summary>Null when the place is taken (it is given back once the answer is written); else the 429 to answer.</summary>
    public static IResult? Enter(HttpContext context)
    {
        var services = context.RequestServices;
        if (services.GetRequiredService<Admission>().TryReplay() is not { } place)
            return Admission.Busy(context, $"{services.GetRequiredService<Limits>().ConcurrentReplays} what-if replays and divergence scans are running "
                + "(Engine:Limits:ConcurrentReplays); try again shortly");
        context.Response.RegisterForDispose(place);
        context.Response.RegisterForDispose(services.GetRequiredService<MemoryTrim>().LargeRead());
        return null;
    }
}
