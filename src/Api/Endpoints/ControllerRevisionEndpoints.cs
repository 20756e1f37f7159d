using EventEngine.Api.Http;
using EventEngine.Projections.Queries;
using MediatR;

namespace EventEngine.Api.Endpoints;

/// <summary>/apis/apps/v1 controllerrevisions: DaemonSet revisions as Kubernetes stores them (read only).</summary>
public static class ControllerRevisionEndpoints
{
    public static void MapControllerRevisionEndpoints(this IEndpointRouteBuilder app)
    {
        var apps = app.MapGroup("/apis/apps/v1").WithTags("DaemonSets");

        apps.MapGet("/controllerrevisions", async (string? daemonset, int? limit, string? @continue, IMediator m, CancellationToken ct) =>
            Responses.List("apps/v1", "ControllerRevisionList", await m.Send(new ListControllerRevisions(null, daemonset, Responses.Limit(limit), @continue), ct)));

        apps.MapGet("/namespaces/{ns}/controllerrevisions", async (string ns, string? daemonset, int? limit, string? @continue, IMediator m, CancellationToken ct) =>
            Responses.List("apps/v1", "ControllerRevisionList", await m.Send(new ListControllerRevisions(ns, daemonset, Responses.Limit(limit), @continue), ct)));

        apps.MapGet("/namespaces/{ns}/controllerrevisions/{name}", async (string ns, string name, HttpResponse response, IMediator m, CancellationToken ct) =>
            Responses.Object(response, await m.Send(new GetControllerRevision(ns, name), ct)));
    }
}
