using System.Diagnostics;
using EventEngine.Api.Hosting;
using EventEngine.Api.Http;
using EventEngine.Projections.History;
using EventEngine.Projections.ReadModels;
using MediatR;

namespace EventEngine.Api.Endpoints;

/// <summary>/engine/v1 history: the cluster at any point, placement history by revision, rebuilding read models.</summary>
public static class HistoryEndpoints
{
    public static void MapHistoryEndpoints(this IEndpointRouteBuilder app)
    {
        var engine = app.MapGroup("/engine/v1").WithTags("History");

        engine.MapGet("/state", async (string? at, int? limit, string? @continue, string? kind, string? @namespace, string? daemonset, string? node,
            IMediator m, CancellationToken ct) =>
            Results.Text((await m.Send(new GetStateAt(at, Responses.Limit(limit), @continue, kind, @namespace, daemonset, node), ct)).ToJsonString(), "application/json"))
            .WithSummary("The whole cluster at a seq or time, a page at a time").Produces<StatePage>().ProducesProblem(400).ProducesProblem(422);

        engine.MapGet("/timeline", async (string? from, string? to, string? node, string? daemonset, int? limit, string? @continue,
            bool? includeStatus, bool? divergences, IMediator m, HttpContext context, CancellationToken ct) =>
        {
            // with divergences, the page is scanned from the whole state before it, as a what-if starts
            if (divergences == true && WholeStateReads.Enter(context) is { } busy) return busy;
            return Results.Text((await m.Send(new GetTimeline(from, to, node, daemonset, Math.Clamp(limit ?? 200, 1, 1_000), @continue, includeStatus ?? false,
                    divergences ?? false), ct))
                .ToJsonString(), "application/json");
        })
            .WithSummary("The incident timeline: events with actor, sentence, cause and placement change").Produces<TimelinePage>().ProducesProblem(400).ProducesProblem(422).ProducesProblem(429);

        engine.MapGet("/daemonsets/{ns}/{name}/revisions/{rev}/placements", async (string ns, string name, long rev, int? limit, string? @continue,
            IMediator m, CancellationToken ct) =>
            await m.Send(new GetRevisionPlacements(ns, name, rev, Responses.Limit(limit), @continue), ct) is { } placements
                ? Results.Text(placements.ToJsonString(), "application/json")
                : Problems.Problem(404, "Not found", $"daemonset {ns}/{name} has no revision {rev}"))
            .WithSummary("Every pod that ran a revision of a DaemonSet: node, from, to, why it ended").Produces<RevisionPlacements>().ProducesProblem(400).ProducesProblem(404);

        // a what-if writes nothing: a viewer may ask one
        engine.MapPost("/replay", async (HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            if (WholeStateReads.Enter(request.HttpContext) is { } busy) return busy;
            var (result, failure) = await m.Send(new ReplayWindow(await Bodies.JsonObjectAsync(request, ct)), ct);
            return failure is not null ? Problems.From(failure) : Results.Text(result!.ToJsonString(), "application/json");
        }).WithMetadata(new RequiresRole(Role.Viewer))
            .WithSummary("What-if: replay a window of the log with altered history, in memory").Accepts<ReplayRequest>("application/json", "application/yaml")
            .Produces<ReplayAnswer>().ProducesProblem(400).ProducesProblem(422).ProducesProblem(429);

        engine.MapPost("/projections/rebuild", async (Rebuild rebuild, HttpRequest request, MemoryTrim memory, CancellationToken ct) =>
        {
            if (request.RefuseDryRun() is { } refused) return refused;
            var watch = Stopwatch.StartNew();
            request.HttpContext.Response.RegisterForDispose(memory.LargeRead());
            if (!Ndjson.Accepted(request))
            {
                var seq = await rebuild.RunAsync(ct);
                return Results.Json(new { seq, tookMilliseconds = watch.ElapsedMilliseconds });
            }
            // as it goes (Accept: application/x-ndjson): the seq reached and the head after each page of the log, then the answer
            return await Ndjson.StreamAsync(request.HttpContext.Response, "result", async report =>
            {
                var seq = await rebuild.RunAsync(ct, (reached, head) => report(new { seq = reached, head }));
                return new { seq, tookMilliseconds = watch.ElapsedMilliseconds };
            }, ct);
        }).WithMetadata(new RequiresRole(Role.Admin))
            .WithSummary("Rebuild every read model from the log").Produces<RebuildAnswer>().ProducesProblem(409);
    }
}
