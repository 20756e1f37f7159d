using EventEngine.Api.Http;
using EventEngine.Api.Kubernetes;
using EventEngine.Commands.DaemonSets;
using EventEngine.Model;
using EventEngine.Projections.Queries;
using MediatR;

namespace EventEngine.Api.Endpoints;

/// <summary>/apis/apps/v1: DaemonSets, their revisions and rollbacks.</summary>
public static class DaemonSetEndpoints
{
    public static void MapDaemonSetEndpoints(this IEndpointRouteBuilder app)
    {
        var apps = app.MapGroup("/apis/apps/v1").WithTags("DaemonSets");
        var one = "/namespaces/{ns}/daemonsets/{name}";

        apps.MapGet("/daemonsets", (HttpContext http, int? limit, string? @continue, IMediator m) =>
            KubeReads.ListAsync(http, ApiResources.DaemonSets, null, limit, @continue,
                (query, token, size, ct) => m.Send(new ListDaemonSets(null, size, token) { Keep = query.Keep }, ct)));

        apps.MapGet("/namespaces/{ns}/daemonsets", (string ns, HttpContext http, int? limit, string? @continue, IMediator m) =>
            KubeReads.ListAsync(http, ApiResources.DaemonSets, ns, limit, @continue,
                (query, token, size, ct) => m.Send(new ListDaemonSets(ns, size, token) { Keep = query.Keep }, ct)));

        apps.MapGet(one, async (string ns, string name, HttpContext http, IMediator m, CancellationToken ct) =>
            KubeReads.Get(http, ApiResources.DaemonSets, await m.Send(new GetDaemonSet(ns, name), ct)));

        // the status subresource reads the same object (kubectl rollout status watches the DaemonSet itself)
        apps.MapGet(one + "/status", async (string ns, string name, HttpContext http, IMediator m, CancellationToken ct) =>
            KubeReads.Get(http, ApiResources.DaemonSets, await m.Send(new GetDaemonSet(ns, name), ct)));

        apps.MapPost("/namespaces/{ns}/daemonsets", async (string ns, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var ds = await Bodies.ObjectAsync<DaemonSet>(request, ct);
            return await request.WriteAsync(c => m.Send(new CreateDaemonSet(c, ns, ds), ct), Answers.Object(Responses.DaemonSet(ns, ds.Metadata?.Name ?? ""), 201));
        });

        apps.MapPut(one, async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var ds = await Bodies.ObjectAsync<DaemonSet>(request, ct);
            return await request.WriteAsync(c => m.Send(new ReplaceDaemonSet(c, ns, name, ds, request.IfMatch()), ct), Answers.Object(Responses.DaemonSet(ns, name)));
        });

        apps.MapPatch(one, async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var patch = await Bodies.PatchAsync<DaemonSet>(request, ct);
            return await request.WriteAsync(c => m.Send(new PatchDaemonSet(c, ns, name, patch, request.IfMatch()), ct), Answers.Object(Responses.DaemonSet(ns, name)));
        });

        apps.MapDelete(one, async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var options = await Bodies.DeleteOptionsAsync(request, ct);
            var propagationPolicy = options.PropagationPolicy;
            return await request.WriteAsync(c => m.Send(new DeleteDaemonSet(c, ns, name, propagationPolicy, request.IfMatch(), options.Expected), ct),
                Answers.Status($"daemonset.apps/{name} deleted ({propagationPolicy ?? "Background"})",
                    new() { ["name"] = name, ["namespace"] = ns, ["group"] = "apps", ["kind"] = "daemonsets" }));
        });

        apps.MapGet(one + "/revisions", async (string ns, string name, int? limit, string? @continue, IMediator m, CancellationToken ct) =>
            await m.Send(new ListRevisions(ns, name, Responses.Limit(limit), @continue), ct) is (true, var page)
                ? Responses.List("apps/v1", "ControllerRevisionList", page)
                : Problems.Problem(404, "Not found", $"daemonset {ns}/{name} not found"));

        apps.MapPost(one + "/rollback", async (string ns, string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var body = await Bodies.JsonObjectAsync(request, ct);
            long toRevision = 0;
            if (body["toRevision"] is { } given && !(given is System.Text.Json.Nodes.JsonValue value && value.TryGetValue(out toRevision)))
                return Problems.Problem(400, "Malformed request", "toRevision must be an integer", [("toRevision", "must be an integer")]);
            return await request.WriteAsync(c => m.Send(new RollbackDaemonSet(c, ns, name, toRevision), ct),
                Answers.Status($"daemonset.apps/{name} rolled back",
                    new() { ["name"] = name, ["namespace"] = ns, ["group"] = "apps", ["kind"] = "daemonsets", ["toRevision"] = toRevision }));
        });
    }
}
