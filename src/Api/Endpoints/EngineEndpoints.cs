using System.Text.Json.Nodes;
using EventEngine.Api.Http;
using EventEngine.Commands.Engine;
using EventEngine.Demo;
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

        engine.MapPost("/apply", async (HttpRequest request, IMediator m, Limits limits, CancellationToken ct) =>
        {
            // its answer says what was created or configured, from what was appended: kubectl diff per object instead
            if (request.RefuseDryRun() is { } refused) return refused;
            var objects = await Bodies.ObjectsAsync(request, ct);
            if (objects.Count > limits.ApplyObjects)
                return Problems.Problem(413, "Request body too large", $"the body holds {objects.Count} objects; an apply takes at most {limits.ApplyObjects} (Engine:Limits:ApplyObjects)");
            return await request.WriteAsync(c => m.Send(new ApplyObjects(c, objects), ct), Answers.Json(outcome => new JsonObject
            {
                ["items"] = new JsonArray(ApplyObjectsHandler.Items(objects, outcome).Select(i => (JsonNode)new JsonObject
                {
                    ["apiVersion"] = JsonFields.Text(i.Object, "apiVersion"), ["kind"] = JsonFields.Text(i.Object, "kind"),
                    ["namespace"] = JsonFields.Text(i.Object, "metadata", "namespace"), ["name"] = JsonFields.Text(i.Object, "metadata", "name"),
                    ["action"] = i.Action, ["resourceVersion"] = i.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                }).ToArray()),
                ["events"] = outcome.Events.Count,
                ["head"] = outcome.Events.LastOrDefault()?.Seq,
            }));
        }).WithSummary("Apply Nodes, DaemonSets and Pods as one command (multi-document YAML, a JSON array or a List)")
            .Accepts<JsonObject[]>("application/json", "application/yaml").Produces<ApplyAnswer>()
            .ProducesProblem(400).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422);

        engine.MapPost("/demo/incident", async (HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            if (request.RefuseDryRun() is { } refused) return refused;
            var (phases, failure) = await m.Send(new RunIncidentDemo(), ct);
            if (failure is not null) return Problems.From(failure);
            return Results.Json(new
            {
                phases = phases!.Select(p => new { p.Name, p.Story, p.FromSeq, p.ToSeq, from = Json.FormatTime(p.From), to = Json.FormatTime(p.To) }),
            });
        }).WithMetadata(new RequiresRole(Role.Admin))
            .WithSummary("Write the demo incident into an empty log").Produces<IncidentAnswer>().ProducesProblem(409);

        engine.MapPost("/import", async (HttpRequest request, EventEngine.Api.Recording.ClusterImport import, EngineMode mode, CancellationToken ct) =>
        {
            if (request.RefuseDryRun() is { } refused) return refused;
            if (!mode.Observes)
                return Problems.Problem(409, "Conflict",
                    "an import records a cluster's history, which this engine's own controller would act on: run a server with Engine:Mode=Observe to import");
            // a file said to be too large is refused before any of it is recorded
            if (request.ContentLength > EventEngine.Api.Recording.ClusterImport.MaxBytes)
                return Problems.Problem(413, "Request body too large", new EventEngine.Api.Recording.ClusterImport.TooLargeException().Message);
            // an audit log is larger than any request the API takes otherwise
            if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
                size.MaxRequestBodySize = EventEngine.Api.Recording.ClusterImport.MaxBytes + 1;
            try
            {
                if (!Ndjson.Accepted(request)) return Results.Json(await import.ImportAsync(request.Body, null, ct), Json.Options);
                // as it goes: a line of counts every few dozen commands, the summary last
                return await Ndjson.StreamAsync(request.HttpContext.Response, "summary", report => import.ImportAsync(request.Body, report, ct), ct);
            }
            catch (EventEngine.Api.Recording.ClusterImport.TooLargeException e)
            {
                return Problems.Problem(413, "Request body too large", e.Message);
            }
        }).WithMetadata(new RequiresRole(Role.Admin))
            .WithSummary("Observe mode: import a cluster's history (audit log lines, kubectl watch output, List snapshots); importing again appends nothing")
            .Accepts<JsonObject>("application/json", "application/yaml").Produces<EventEngine.Api.Recording.ClusterImport.Summary>().ProducesProblem(409).ProducesProblem(413);

        engine.MapPost("/clock", async (HttpRequest request, IMediator m, TimeProvider clock, CancellationToken ct) =>
        {
            if (request.RefuseDryRun() is { } refused) return refused;
            var body = await Bodies.JsonObjectAsync(request, ct);
            if (body["advanceSeconds"] is not JsonValue value || !value.TryGetValue<double>(out var seconds))
                return Problems.Problem(422, "Invalid request", "advanceSeconds is required and must be a number", [("advanceSeconds", "Required value")]);
            var outcome = await m.Send(new AdvanceClock(request.Command(), seconds), ct);
            if (outcome.Failure is { } failure) return Problems.From(failure);
            return Results.Json(new { now = Json.FormatTime(clock.GetUtcNow()), events = outcome.Events.Count });
        }).WithMetadata(new RequiresRole(Role.Admin))
            .WithSummary("Move the manual clock").Accepts<ClockRequest>("application/json").Produces<ClockAnswer>().ProducesProblem(422);

        engine.MapGet("/events", async (long? after, string? @continue, int? limit, bool? watch, HttpContext http, IMediator m, CancellationToken ct) =>
        {
            if (after < 0) return Problems.Problem(400, "Malformed request", "after must be 0 or more", [("after", $"Invalid value: {after}: must be 0 or more")]);
            if (watch == true)
            {
                var limits = http.RequestServices.GetRequiredService<Limits>();
                using var place = http.RequestServices.GetRequiredService<Admission>().TryWatch(Admission.ClientOf(http));
                if (place is null)
                    return Admission.Busy(http, $"too many watches: at most {limits.Watches} in all and {limits.WatchesPerClient} per client (Engine:Limits:Watches, WatchesPerClient)");
                await EventWatch.StreamAsync(http, after ?? 0, http.RequestServices.GetRequiredService<EventStore>(),
                    http.RequestServices.GetRequiredService<EngineRuntime>());
                return Results.Empty;
            }
            // continue (the token a previous page gave) and after are the same thing: the seq to read after
            if (@continue is { Length: > 0 } && !long.TryParse(@continue, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                return Problems.Problem(400, "Malformed request", "the continue token is not valid", [("continue", "not a token this server gave")]);
            var from = @continue is { Length: > 0 } token ? long.Parse(token, System.Globalization.CultureInfo.InvariantCulture) : after ?? 0;
            var size = Responses.Limit(limit);
            var items = await m.Send(new ListEvents(from, size), ct);
            var list = new JsonObject { ["items"] = new JsonArray(items.Cast<JsonNode>().ToArray()) };
            if (items.Count == size) list["continue"] = ((long)items[^1]["seq"]!).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Text(list.ToJsonString(), "application/json");
        }).WithSummary("The audit log, a page at a time")
            .WithDescription("With watch=true, the log as server-sent events (text/event-stream) as it is written; Last-Event-ID resumes after a seq.")
            .Produces<EventPage>().ProducesProblem(400).ProducesProblem(429);
    }
}
