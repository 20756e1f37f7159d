using EventEngine.Decisions;
using EventEngine.Runtime;
using MediatR;

namespace EventEngine.Commands.Nodes;

/// <summary>DELETE /api/v1/nodes/{name}: the node leaves.</summary>
public sealed record RemoveNode(CommandContext Context, string Name) : IRequest<CommandOutcome>;

public sealed class RemoveNodeHandler(EngineRuntime runtime) : IRequestHandler<RemoveNode, CommandOutcome>
{
    public Task<CommandOutcome> Handle(RemoveNode c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, _) => NodeDecisions.Remove(s, c.Name), null, ct);
}
