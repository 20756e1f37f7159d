using EventEngine.Api.Http;
using EventEngine.Api.Kubernetes;
using EventEngine.Projections.Queries;
using MediatR;

namespace EventEngine.Api.Endpoints;

/// <summary>/apis/apps/v1 controllerrevisions: DaemonSet revisions as Kubernetes stores them (read only).</summary>
public static class ControllerRevisionEndpoints
{
    public static void MapControllerRevisionEndpoints(this IEndpointRouteBuilder app)
    {
        var apps = app.MapGroup("/apis/apps/v1").WithTags("DaemonSets");

        apps.MapGet("/controllerrevisions", (HttpContext http, string? daemonset, int? limit, string? @continue, IMediator m) =>
            KubeReads.ListAsync(http, ApiResources.ControllerRevisions, null, limit, @continue,
                (query, token, size, ct) => m.Send(new ListControllerRevisions(null, daemonset, size, token) { Keep = query.Keep }, ct)));

        apps.MapGet("/namespaces/{ns}/controllerrevisions", (string ns, HttpContext http, string? daemonset, int? limit, string? @continue, IMediator m) =>
            KubeReads.ListAsync(http, ApiResources.ControllerRevisions, ns, limit, @continue,
                (query, token, size, ct) => m.Send(new ListControllerRevisions(ns, daemonset, size, token) { Keep = query.Keep }, ct)));

        apps.MapGet("/namespaces/{ns}/controllerrevisions/{name}", async (string ns, string name, HttpContext http, IMediator m, CancellationToken ct) =>
            KubeReads.Get(http, ApiResources.ControllerRevisions, await m.Send(new GetControllerRevision(ns, name), ct)));
    }
}
