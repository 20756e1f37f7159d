using System.Text.Json.Nodes;
using EventEngine.Api.Http;
using EventEngine.Commands.Engine;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Projections.Queries;
using EventEngine.Runtime;
using EventEngine.Storage;
using MediatR;

namespace EventEngine.Api.Endpoints;

/// <summary>/engine/v1: apply, the manual clock, the audit log.</summary>
public static class EngineEndpoints
{
    public static void MapEngineEndpoints(this IEndpointRouteBuilder app)
    {
        var engine = app.MapGroup("/engine/v1").WithTags("Engine");

        engine.MapPost("/apply", async (HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var objects = await Bodies.ObjectsAsync(request, ct);
            var outcome = await m.Send(new ApplyObjects(request.Command(), objects), ct);
            if (outcome.Failure is { } failure) return Problems.From(failure);
            var streams = outcome.Events.Select(e => e.Stream).ToHashSet(StringComparer.Ordinal);
            var created = outcome.Events.Where(e => e.Type is "node_joined.v1" or "daemonset_created.v1" or "pod_registered.v1")
                .Select(e => e.Stream).ToHashSet(StringComparer.Ordinal);
            var items = new JsonArray(objects.Select(o =>
            {
                var stream = StreamOf(o);
                var action = created.Contains(stream) ? "created" : streams.Contains(stream) ? "configured" : "unchanged";
                return (JsonNode)new JsonObject
                {
                    ["apiVersion"] = (string?)o["apiVersion"], ["kind"] = (string?)o["kind"],
                    ["namespace"] = (string?)o["metadata"]?["namespace"], ["name"] = (string?)o["metadata"]?["name"], ["action"] = action,
                };
            }).ToArray());
            return Results.Text(new JsonObject { ["items"] = items, ["events"] = outcome.Events.Count, ["head"] = outcome.Events.LastOrDefault()?.Seq }.ToJsonString(), "application/json");
        });

        engine.MapPost("/demo/incident", async (IMediator m, CancellationToken ct) =>
        {
            var (phases, failure) = await m.Send(new RunIncidentDemo(), ct);
            if (failure is not null) return Problems.From(failure);
            return Results.Json(new
            {
                phases = phases!.Select(p => new { p.Name, p.Story, p.FromSeq, p.ToSeq, from = Json.FormatTime(p.From), to = Json.FormatTime(p.To) }),
            });
        });

        engine.MapPost("/clock", async (HttpRequest request, IMediator m, TimeProvider clock, CancellationToken ct) =>
        {
            var body = await Bodies.JsonObjectAsync(request, ct);
            if (body["advanceSeconds"] is not JsonValue value || !value.TryGetValue<double>(out var seconds))
                return Problems.Problem(422, "Invalid request", "advanceSeconds is required and must be a number", [("advanceSeconds", "Required value")]);
            var outcome = await m.Send(new AdvanceClock(request.Command(), seconds), ct);
            if (outcome.Failure is { } failure) return Problems.From(failure);
            return Results.Json(new { now = Json.FormatTime(clock.GetUtcNow()), events = outcome.Events.Count });
        });

        engine.MapGet("/events", async (long? after, string? @continue, int? limit, bool? watch, HttpContext http, IMediator m, CancellationToken ct) =>
        {
            if (watch == true)
            {
                await EventWatch.StreamAsync(http, Math.Max(0, after ?? 0), http.RequestServices.GetRequiredService<EventStore>(),
                    http.RequestServices.GetRequiredService<EngineRuntime>());
                return Results.Empty;
            }
            // continue (the token a previous page gave) and after are the same thing: the seq to read after
            if (@continue is { Length: > 0 } && !long.TryParse(@continue, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                return Problems.Problem(400, "Malformed request", "the continue token is not valid", [("continue", "not a token this server gave")]);
            var from = @continue is { Length: > 0 } token ? long.Parse(token, System.Globalization.CultureInfo.InvariantCulture) : Math.Max(0, after ?? 0);
            var size = Responses.Limit(limit);
            var items = await m.Send(new ListEvents(from, size), ct);
            var list = new JsonObject { ["items"] = new JsonArray(items.Cast<JsonNode>().ToArray()) };
            if (items.Count == size) list["continue"] = ((long)items[^1]["seq"]!).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Text(list.ToJsonString(), "application/json");
        });
    }

    private static string StreamOf(JsonObject o)
    {
        var name = (string?)o["metadata"]?["name"] ?? "";
        var ns = (string?)o["metadata"]?["namespace"] ?? "";
        return (string?)o["kind"] switch
        {
            "Node" => Subjects.NodeStream(name),
            "DaemonSet" => Subjects.DaemonSetStream(ns + "/" + name),
            _ => Subjects.PodStream(ns + "/" + name),
        };
    }
}
