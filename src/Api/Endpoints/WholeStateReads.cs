using EventEngine.Api.Hosting;
using EventEngine.Api.Http;

namespace EventEngine.Api.Endpoints;

/// <summary>
/// Requests that build a whole cluster's state (a what-if, a divergence scan): each takes one of the places of
/// Engine:Limits:ConcurrentReplays, or is a 429, until its answer starts (every answer is made whole before it is
/// written, so the work is done then, and a client that asks again as soon as it has its answer finds the place free),
/// and counts as a large read for the memory trim until its answer is written.
/// </summary>
internal static class WholeStateReads
{
    /// <summary>Null when the place is taken (it is given back as the answer starts); else the 429 to answer.</summary>
    public static IResult? Enter(HttpContext context)
    {
        var services = context.RequestServices;
        if (services.GetRequiredService<Admission>().TryReplay() is not { } place)
            return Admission.Busy(context, $"{services.GetRequiredService<Limits>().ConcurrentReplays} what-if replays and divergence scans are running "
                + "(Engine:Limits:ConcurrentReplays); try again shortly");
        // given back before the client can see any of the answer; a request that never answers gives it back as it ends
        context.Response.OnStarting(() =>
        {
            place.Dispose();
            return Task.CompletedTask;
        });
        context.Response.RegisterForDispose(place);
        context.Response.RegisterForDispose(services.GetRequiredService<MemoryTrim>().LargeRead());
        return null;
    }
}
