using System.Text.Json;
using System.Threading.Channels;
using EventEngine.Model;

namespace EventEngine.Api.Http;

/// <summary>
/// A long answer as it goes, for a client that asks for it with Accept: application/x-ndjson: a {"progress": ...} line for
/// each report, flushed as it is made, then {"&lt;last&gt;": result}. A failure before the first line is answered as usual.
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
        try
        {
            var result = await work(progress => lines.Writer.TryWrite(JsonSerializer.Serialize(new { progress }, Json.Options)));
            lines.Writer.TryWrite(JsonSerializer.Serialize(new Dictionary<string, object?> { [last] = result }, Json.Options));
        }
        finally
        {
            lines.Writer.Complete();
            await writer;
        }
        return Results.Empty;
    }
}
