using EventEngine.Api.Http;
using EventEngine.Commands.Nodes;
using EventEngine.Model;
using EventEngine.Projections.Queries;
using MediatR;

namespace EventEngine.Api.Endpoints;

/// <summary>/api/v1/nodes: nodes join, change and leave.</summary>
public static class NodeEndpoints
{
    public static void MapNodeEndpoints(this IEndpointRouteBuilder app)
    {
        var nodes = app.MapGroup("/api/v1/nodes").WithTags("Nodes");

        nodes.MapGet("/", async (int? limit, string? @continue, IMediator m, CancellationToken ct) =>
            Responses.List("v1", "NodeList", await m.Send(new ListNodes(Responses.Limit(limit), @continue), ct)));

        nodes.MapGet("/{name}", async (string name, HttpResponse response, IMediator m, CancellationToken ct) =>
            Responses.Object(response, await m.Send(new GetNode(name), ct)));

        nodes.MapPost("/", async (HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var node = await Bodies.ObjectAsync<Node>(request, ct);
            var outcome = await m.Send(new JoinNode(request.Command(), node), ct);
            return await Responses.ObjectAsync(request.HttpContext.Response, outcome, () => m.Send(new GetNode(node.Metadata?.Name ?? ""), ct), 201);
        });

        nodes.MapPut("/{name}", async (string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var node = await Bodies.ObjectAsync<Node>(request, ct);
            var outcome = await m.Send(new ReplaceNode(request.Command(), name, node, request.IfMatch()), ct);
            return await Responses.ObjectAsync(request.HttpContext.Response, outcome, () => m.Send(new GetNode(name), ct));
        });

        nodes.MapPatch("/{name}", async (string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var patch = await Bodies.MergePatchAsync(request, ct);
            var outcome = await m.Send(new PatchNode(request.Command(), name, patch, request.IfMatch()), ct);
            return await Responses.ObjectAsync(request.HttpContext.Response, outcome, () => m.Send(new GetNode(name), ct));
        });

        nodes.MapDelete("/{name}", async (string name, HttpRequest request, IMediator m, CancellationToken ct) =>
            Responses.Status(await m.Send(new RemoveNode(request.Command(), name, request.IfMatch()), ct), $"node {name} removed",
                new() { ["name"] = name, ["kind"] = "nodes" }));
    }
}
