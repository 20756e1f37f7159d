using EventEngine.Api.Http;
using EventEngine.Api.Kubernetes;
using EventEngine.Projections.Queries;

namespace EventEngine.Api.Endpoints;

/// <summary>/api/v1 events and namespaces: derived from the log, read only.</summary>
public static class ClusterEventEndpoints
{
    public static void MapClusterEventEndpoints(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/api/v1").WithTags("Events");

        v1.MapGet("/events", (HttpContext http, int? limit, string? @continue, KubeEvents events) =>
            KubeReads.ListAsync(http, ApiResources.Events, null, limit, @continue,
                (query, token, size, ct) => events.PageAsync(null, query.Keep, size, token, ct)));

        v1.MapGet("/namespaces/{ns}/events", (string ns, HttpContext http, int? limit, string? @continue, KubeEvents events) =>
            KubeReads.ListAsync(http, ApiResources.Events, ns, limit, @continue,
                (query, token, size, ct) => events.PageAsync(ns, query.Keep, size, token, ct)));

        v1.MapGet("/namespaces/{ns}/events/{name}", async (string ns, string name, HttpContext http, KubeEvents events, CancellationToken ct) =>
        {
            // an Event's name ends in its log event's seq (15 hex digits) and its index: one log event to read
            if (name.Length < 17 || !long.TryParse(name.AsSpan(name.Length - 16, 15), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var seq) || seq < 1)
                return KubeReads.Get(http, ApiResources.Events, null);
            var from = ContinueToken.Encode((seq - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            var page = await events.PageAsync(ns, text => text.Contains($"\"name\":\"{name}\"", StringComparison.Ordinal), 1, from, ct);
            return KubeReads.Get(http, ApiResources.Events, page?.Items.FirstOrDefault());
        });

        v1.MapGet("/namespaces", (HttpContext http, int? limit, string? @continue, KubeEvents events) =>
            KubeReads.ListAsync(http, ApiResources.Namespaces, null, limit, @continue, async (query, token, size, ct) =>
            {
                if (!string.IsNullOrEmpty(token)) return null;
                var (head, items) = await events.NamespacesAsync(ct);
                return new Page(items.Select(i => i.ToJsonString()).Where(t => query.Keep is null || query.Keep(t)).ToList(), null) { ResourceVersion = head };
            }));

        v1.MapGet("/namespaces/{name}", async (string name, HttpContext http, KubeEvents events, CancellationToken ct) =>
        {
            var (_, items) = await events.NamespacesAsync(ct);
            return KubeReads.Get(http, ApiResources.Namespaces, items.FirstOrDefault(n => (string?)n["metadata"]?["name"] == name)?.ToJsonString());
        });
    }
}
