using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.Runtime;
using MediatR;

namespace EventEngine.Commands.Nodes;

/// <summary>POST /api/v1/nodes: a node joins.</summary>
public sealed record JoinNode(CommandContext Context, Node Node) : IRequest<CommandOutcome>;

public sealed class JoinNodeHandler(EngineRuntime runtime) : IRequestHandler<JoinNode, CommandOutcome>
{
    public Task<CommandOutcome> Handle(JoinNode c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => NodeDecisions.Join(s, c.Node, now, Guid.NewGuid), null, ct);
}
