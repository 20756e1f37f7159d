using System.Text.Json;
using System.Threading.Channels;
using EventEngine.Model;

namespace EventEngine.Api.Http;

/// <summary>
/// A long answer as it goes, for a client that asks for it with Accept: application/x-ndjson: a {"progress": ...} line for
/// each report, flushed as it is made, then {"&lt;last&gt;": result}. A failure before the first line is answered as usual;
/// one after it ends the answer with an {"error": ...} line.
/// </summary>
public static class Ndjson
{
    public static bool Accepted(HttpRequest request) =>
        request.Headers.Accept.Any(a => a?.Contains("application/x-ndjson", StringComparison.OrdinalIgnoreCase) == true);

    public static async Task<IResult> StreamAsync<T>(HttpResponse response, string last, Func<Action<object>, Task<T>> work, CancellationToken ct)
    {
        response.ContentType = "application/x-ndjson";
        var lines = Channel.CreateUnbounded<string>();
        var writer = Task.Run(async () =>
        {
            await foreach (var line in lines.Reader.ReadAllAsync(ct))
            {
                await response.WriteAsync(line + "\n", ct);
                await response.Body.FlushAsync(ct);
            }
        }, ct);
        var started = false;
        try
        {
            var result = await work(progress =>
            {
                started = true;
                lines.Writer.TryWrite(JsonSerializer.Serialize(new { progress }, Json.Options));
            });
            lines.Writer.TryWrite(JsonSerializer.Serialize(new Dictionary<string, object?> { [last] = result }, Json.Options));
        }
        catch (Exception e) when (started && !ct.IsCancellationRequested)
        {
            // lines are out, so the status is sent: the failure is the last line, and the server logs it
            lines.Writer.TryWrite(JsonSerializer.Serialize(new { error = e.Message }, Json.Options));
            response.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Ndjson)).LogError(e, "A streamed answer failed after it began");
        }
        finally
        {
            lines.Writer.Complete();
            await writer;
        }
        return Results.Empty;
    }
}
