using EventEngine.Decisions;
using EventEngine.Runtime;
using MediatR;

namespace EventEngine.Commands.Nodes;

/// <summary>DELETE /api/v1/nodes/{name}: the node leaves; If-Match, when given, must be the latest.</summary>
public sealed record RemoveNode(CommandContext Context, string Name, string? IfMatch) : IRequest<CommandOutcome>;

public sealed class RemoveNodeHandler(EngineRuntime runtime) : IRequestHandler<RemoveNode, CommandOutcome>
{
    public Task<CommandOutcome> Handle(RemoveNode c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, _) => NodeDecisions.Remove(s, c.Name), Preconditions.NodeVersion(c.Name, c.IfMatch), ct);
}
