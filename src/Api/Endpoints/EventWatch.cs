using System.Text;
using EventEngine.Projections.Queries;
using EventEngine.Runtime;
using EventEngine.Storage;

namespace EventEngine.Api.Endpoints;

/// <summary>
/// GET /engine/v1/events?watch=true: the audit log as server-sent events, live. It tails the log with the store's
/// gap-safe read (seq order is commit order), so no event is ever skipped; Last-Event-ID resumes after a seq.
/// </summary>
public static class EventWatch
{
    /// <summary>Another process may append too: look again at least this often even without a local signal.</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    public static async Task StreamAsync(HttpContext context, long after, EventStore store, EngineRuntime runtime)
    {
        var ct = context.RequestAborted;
        if (long.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), out var resume)) after = resume;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        using var changed = new CommitSignal(runtime);
        try
        {
            await context.Response.WriteAsync(": watching the event log\n\n", ct);
            await context.Response.Body.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                var page = await store.ReadAllAsync(after, 1_000, ct);
                foreach (var e in page)
                {
                    var data = EventQueryHandler.ToJson(e).ToJsonString();
                    await context.Response.WriteAsync(new StringBuilder()
                        .Append("id: ").Append(e.Seq).Append('\n')
                        .Append("event: ").Append(e.Type).Append('\n')
                        .Append("data: ").Append(data).Append("\n\n").ToString(), ct);
                    after = e.Seq;
                }
                await context.Response.Body.FlushAsync(ct);
                if (page.Count == 0) await changed.WaitAsync(Recheck, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client went away: the normal end of a watch
        }
    }
}
