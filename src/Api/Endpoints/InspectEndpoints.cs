using EventEngine.Api.Http;
using EventEngine.Model;
using EventEngine.Projections.History;
using MediatR;

namespace EventEngine.Api.Endpoints;

/// <summary>/engine/v1 explain and placement: why a pod runs where it does, at any point of the log.</summary>
public static class InspectEndpoints
{
    public static void MapInspectEndpoints(this IEndpointRouteBuilder app)
    {
        var engine = app.MapGroup("/engine/v1").WithTags("Inspect");

        engine.MapGet("/explain", async (string? daemonset, string? node, string? at, IMediator m, CancellationToken ct) =>
            Answer(await m.Send(new ExplainPlacement(daemonset, node, at), ct)))
            .WithSummary("Why a DaemonSet's pod should or should not run on a node, rule by rule").Produces<Explanation>()
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(422);

        engine.MapGet("/placement", async (string? daemonset, string? at, bool? all, IMediator m, CancellationToken ct) =>
            Answer(await m.Send(new GetPlacement(daemonset, at, all ?? false), ct)))
            .WithSummary("Desired against actual placement of a DaemonSet, node by node").Produces<PlacementView>()
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(422);

        engine.MapGet("/divergences", async (string? from, string? to, string? daemonset, string? node, double? minSeconds, IMediator m,
            HttpContext context, CancellationToken ct) =>
        {
            // a scan starts from the whole state at its "from", as a what-if does
            if (WholeStateReads.Enter(context) is { } busy) return busy;
            return Answer(await m.Send(new FindDivergences(from, to, daemonset, node, minSeconds ?? 0), ct));
        })
            .WithSummary("Where placement differed from Kubernetes' DaemonSet rules, and for how long (a recorded cluster's controller audited)")
            .Produces<DivergenceReport>().ProducesProblem(400).ProducesProblem(422).ProducesProblem(429);
    }

    private static IResult Answer<T>(Inspected<T> answer) where T : class =>
        answer.Failure is { } failure ? Problems.From(failure) : Results.Json(answer.Value, Json.Options);
}
