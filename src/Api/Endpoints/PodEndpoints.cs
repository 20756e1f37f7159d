using EventEngine.Api.Http;
using EventEngine.Api.Kubernetes;
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

        v1.MapGet("/pods", (HttpContext http, string? daemonset, string? node, int? limit, string? @continue, IMediator m) =>
            KubeReads.ListAsync(http, ApiResources.Pods, null, limit, @continue, Reader(m, null, daemonset, node)));

        v1.MapGet("/namespaces/{ns}/pods", (string ns, HttpContext http, string? daemonset, string? node, int? limit, string? @continue, IMediator m) =>
            KubeReads.ListAsync(http, ApiResources.Pods, ns, limit, @continue, Reader(m, ns, daemonset, node)));

        v1.MapGet("/namespaces/{ns}/pods/{name}", async (string ns, string name, HttpContext http, IMediator m, CancellationToken ct) =>
            KubeReads.Get(http, ApiResources.Pods, await m.Send(new GetPod(ns, name), ct)));

        // the status subresource reads the same object
        v1.MapGet("/namespaces/{ns}/pods/{name}/status", async (string ns, string name, HttpContext http, IMediator m, CancellationToken ct) =>
            KubeReads.Get(http, ApiResources.Pods, await m.Send(new GetPod(ns, name), ct)));

        v1.MapPost("/namespaces/{ns}/pods", async (string ns, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var pod = await Bodies.ObjectAsync<Pod>(request, ct);
            return await request.WriteAsync(c => m.Send(new RegisterPod(c, ns, pod), ct),
                Answers.Object(Responses.Pod(ns, pod.Metadata?.Name ?? ""), 201, outcome => AsRegistered(ns, pod, outcome)));
        });

        v1.MapPut("/namespaces/{ns}/pods/{name}/status", async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var pod = await Bodies.ObjectAsync<Pod>(request, ct);
            return await request.WriteAsync(c => m.Send(new ReportPodStatus(c, ns, name, pod.Status ?? new PodStatus(), request.IfMatch(), pod.Metadata?.ResourceVersion, pod.Metadata?.Labels), ct),
                Answers.Object(Responses.Pod(ns, name)));
        });

        v1.MapPatch("/namespaces/{ns}/pods/{name}/status", async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var patch = await Bodies.PatchAsync<Pod>(request, ct);
            return await request.WriteAsync(c => m.Send(new PatchPod(c, ns, name, patch, request.IfMatch(), Projections.Kubernetes.KubeViews.Pod, StatusOnly: true), ct),
                Answers.Object(Responses.Pod(ns, name)));
        });

        v1.MapPatch("/namespaces/{ns}/pods/{name}", async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var patch = await Bodies.PatchAsync<Pod>(request, ct);
            return await request.WriteAsync(c => m.Send(new PatchPod(c, ns, name, patch, request.IfMatch(), Projections.Kubernetes.KubeViews.Pod), ct),
                Answers.Object(Responses.Pod(ns, name)));
        });

        // kubectl logs, exec, attach and port-forward: the pod exists, but nothing runs in it here
        foreach (var subresource in new[] { "log", "exec", "attach", "portforward" })
            v1.MapMethods($"/namespaces/{{ns}}/pods/{{name}}/{subresource}", [HttpMethods.Get, HttpMethods.Post], async (string ns, string name, IMediator m, CancellationToken ct) =>
                await m.Send(new GetPod(ns, name), ct) is null
                    ? Problems.Problem(404, "Not found", $"pod {ns}/{name} does not exist")
                    : Problems.Problem(400, "Bad request",
                        $"pod {ns}/{name} runs no containers here: EventEngine records and simulates where pods are placed, not what they run, so there is nothing to {Verb(subresource)}"))
                .WithMetadata(new RequiresRole(Role.Viewer), RecordOnly.WritesNothing.Instance);

        // an eviction (kubectl drain): the pod deleted, as no disruption budget holds it here
        v1.MapPost("/namespaces/{ns}/pods/{name}/eviction", async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var options = await Bodies.EvictionAsync(request, ns, name, ct);
            return await request.WriteAsync(c => m.Send(new DeletePod(c, ns, name, request.IfMatch(), options.Expected), ct),
                Answers.Status($"pod {ns}/{name} evicted", new() { ["name"] = name, ["namespace"] = ns, ["kind"] = "pods" }, status: 201));
        });

        v1.MapDelete("/namespaces/{ns}/pods/{name}", async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var options = await Bodies.DeleteOptionsAsync(request, ct);
            return await request.WriteAsync(c => m.Send(new DeletePod(c, ns, name, request.IfMatch(), options.Expected), ct),
                Answers.Status($"pod {ns}/{name} deleted", new() { ["name"] = name, ["namespace"] = ns, ["kind"] = "pods" }));
        });
    }

    private static string Verb(string subresource) => subresource switch
    {
        "log" => "read logs from",
        "portforward" => "forward a port to",
        "attach" => "attach to",
        _ => subresource + " into",
    };

    /// <summary>The pod as registered, when the controller removed it in the same step: the body with the log's version and time.</summary>
    private static System.Text.Json.Nodes.JsonObject? AsRegistered(string ns, Pod pod, EventEngine.Runtime.CommandOutcome outcome)
    {
        if (outcome.Events.Count == 0 || Json.ToNode(pod) is not System.Text.Json.Nodes.JsonObject obj) return null;
        var first = outcome.Events[0];
        obj["apiVersion"] = "v1";
        obj["kind"] = "Pod";
        var metadata = obj["metadata"] as System.Text.Json.Nodes.JsonObject ?? [];
        obj["metadata"] = metadata;
        metadata["namespace"] = ns;
        metadata["resourceVersion"] = first.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
        metadata["creationTimestamp"] = EventEngine.Projections.Kubernetes.ClusterEvents.Seconds(first.RecordedAt);
        return obj;
    }

    /// <summary>
    /// Pages of pods; spec.nodeName=X in the field selector (kubectl describe node asks for it) narrows the read to that
    /// node's pods before the selectors are applied.
    /// </summary>
    private static KubeReads.PageReader Reader(IMediator m, string? ns, string? daemonset, string? node) =>
        (query, token, size, ct) =>
            m.Send(new ListPods(ns, daemonset, node ?? query.Fields.ExactValue("spec.nodeName"), size, token) { Keep = query.Keep }, ct);
}
