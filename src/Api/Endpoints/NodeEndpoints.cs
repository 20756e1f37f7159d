using EventEngine.Api.Http;
using EventEngine.Api.Kubernetes;
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

        nodes.MapGet("/", (HttpContext http, int? limit, string? @continue, IMediator m) =>
            KubeReads.ListAsync(http, ApiResources.Nodes, null, limit, @continue,
                (query, token, size, ct) => m.Send(new ListNodes(size, token) { Keep = query.Keep }, ct)));

        nodes.MapGet("/{name}", async (string name, HttpContext http, IMediator m, CancellationToken ct) =>
            KubeReads.Get(http, ApiResources.Nodes, await m.Send(new GetNode(name), ct)));

        nodes.MapPost("/", async (HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var node = await Bodies.ObjectAsync<Node>(request, ct);
            return await request.WriteAsync(c => m.Send(new JoinNode(c, node), ct), Answers.Object(Responses.Node(node.Metadata?.Name ?? ""), 201));
        });

        nodes.MapPut("/{name}", async (string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var node = await Bodies.ObjectAsync<Node>(request, ct);
            return await request.WriteAsync(c => m.Send(new ReplaceNode(c, name, node, request.IfMatch()), ct), Answers.Object(Responses.Node(name)));
        });

        nodes.MapPatch("/{name}", async (string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var patch = await Bodies.PatchAsync<Node>(request, ct);
            return await request.WriteAsync(c => m.Send(new PatchNode(c, name, patch, request.IfMatch()), ct), Answers.Object(Responses.Node(name)));
        });

        // the status subresource: the same object, and writes that keep what they say of its status (conditions, resources) and
        // its labels and annotations, not of its spec
        nodes.MapGet("/{name}/status", async (string name, HttpContext http, IMediator m, CancellationToken ct) =>
            KubeReads.Get(http, ApiResources.Nodes, await m.Send(new GetNode(name), ct)));

        nodes.MapPut("/{name}/status", async (string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var node = await Bodies.ObjectAsync<Node>(request, ct);
            return await request.WriteAsync(c => m.Send(new ReplaceNode(c, name, node, request.IfMatch(), StatusOnly: true), ct), Answers.Object(Responses.Node(name)));
        });

        nodes.MapPatch("/{name}/status", async (string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var patch = await Bodies.PatchAsync<Node>(request, ct);
            return await request.WriteAsync(c => m.Send(new PatchNode(c, name, patch, request.IfMatch(), StatusOnly: true), ct), Answers.Object(Responses.Node(name)));
        });

        nodes.MapDelete("/{name}", async (string name, HttpRequest request, IMediator m, CancellationToken ct) =>
        {
            var options = await Bodies.DeleteOptionsAsync(request, ct);
            return await request.WriteAsync(c => m.Send(new RemoveNode(c, name, request.IfMatch(), options.Expected), ct),
                Answers.Status($"node {name} removed", new() { ["name"] = name, ["kind"] = "nodes" }));
        });
    }
}
