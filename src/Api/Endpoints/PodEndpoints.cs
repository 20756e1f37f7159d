using EventEngine.Api.Http;
using EventEngine.Commands.Pods;
using EventEngine.Model;
using EventEngine.Projections.Queries;
using MediatR;

namespace EventEngine.Api.Endpoints;

/// <summary>/api/v1 pods: actual placement, observed pods, node-agent status reports.</summary>
public static class PodEndpoints
{
    public static void MapPodEndpoints(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/api/v1").WithTags("Pods");

        v1.MapGet("/pods", async (string? daemonset, string? node, int? limit, string? @continue, IMediator m, CancellationToken ct) =>
            Responses.List("v1", "PodList", await m.Send(new ListPods(null, daemonset, node, Responses.Limit(limit), @continue), ct)));

        v1.MapGet("/namespaces/{ns}/pods", async (string ns, string? daemonset, string? node, int? limit, string? @continue, IMediator m, CancellationToken ct) =>
            Responses.List("v1", "PodList", await m.Send(new ListPods(ns, daemonset, node, Responses.Limit(limit), @continue), ct)));

        v1.MapGet("/namespaces/{ns}/pods/{name}", async (string ns, string name, HttpResponse response, IMediator m, CancellationToken ct) =>
            Responses.Object(response, await m.Send(new GetPod(ns, name), ct)));

        v1.MapPost("/namespaces/{ns}/pods", async (string ns, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var pod = await Bodies.ObjectAsync<Pod>(request, ct);
            var outcome = await m.Send(new RegisterPod(request.Command(), ns, pod), ct);
            return await Responses.ObjectAsync(request.HttpContext.Response, outcome, () => m.Send(new GetPod(ns, pod.Metadata?.Name ?? ""), ct), 201);
        });

        v1.MapPut("/namespaces/{ns}/pods/{name}/status", async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var pod = await Bodies.ObjectAsync<Pod>(request, ct);
            var outcome = await m.Send(new ReportPodStatus(request.Command(), ns, name, pod.Status ?? new PodStatus(), request.IfMatch(), pod.Metadata?.ResourceVersion), ct);
            return await Responses.ObjectAsync(request.HttpContext.Response, outcome, () => m.Send(new GetPod(ns, name), ct));
        });

        v1.MapDelete("/namespaces/{ns}/pods/{name}", async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
            Responses.Status(await m.Send(new DeletePod(request.Command(), ns, name, request.IfMatch()), ct), $"pod {ns}/{name} deleted",
                new() { ["name"] = name, ["namespace"] = ns, ["kind"] = "pods" }));
    }
}
