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
            return await request.WriteAsync(c => m.Send(new RegisterPod(c, ns, pod), ct), Answers.Object(Responses.Pod(ns, pod.Metadata?.Name ?? ""), 201));
        });

        v1.MapPut("/namespaces/{ns}/pods/{name}/status", async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var pod = await Bodies.ObjectAsync<Pod>(request, ct);
            return await request.WriteAsync(c => m.Send(new ReportPodStatus(c, ns, name, pod.Status ?? new PodStatus(), request.IfMatch(), pod.Metadata?.ResourceVersion), ct),
                Answers.Object(Responses.Pod(ns, name)));
        });

        v1.MapPatch("/namespaces/{ns}/pods/{name}", async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var patch = await Bodies.PatchAsync<Pod>(request, ct);
            return await request.WriteAsync(c => m.Send(new PatchPod(c, ns, name, patch, request.IfMatch(), Projections.Kubernetes.KubeViews.Pod), ct),
                Answers.Object(Responses.Pod(ns, name)));
        });

        v1.MapDelete("/namespaces/{ns}/pods/{name}", (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
            request.WriteAsync(c => m.Send(new DeletePod(c, ns, name, request.IfMatch()), ct),
                Answers.Status($"pod {ns}/{name} deleted", new() { ["name"] = name, ["namespace"] = ns, ["kind"] = "pods" })));
    }
}
