using EventEngine.Decisions;
using EventEngine.Runtime;
using MediatR;

namespace EventEngine.Commands.Nodes;

/// <summary>
/// DELETE /api/v1/nodes/{name}: the node leaves; If-Match and the DeleteOptions' preconditions, when given, must be the
/// latest and the node's.
/// </summary>
public sealed record RemoveNode(CommandContext Context, string Name, string? IfMatch, Preconditions.OnDelete? Expected = null) : IRequest<CommandOutcome>;

public sealed class RemoveNodeHandler(EngineRuntime runtime) : IRequestHandler<RemoveNode, CommandOutcome>
{
    public Task<CommandOutcome> Handle(RemoveNode c, CancellationToken ct)
    {
        var expected = c.Expected ?? Preconditions.OnDelete.None;
        return runtime.ExecuteAsync(c.Context,
            (s, _, streams) => expected.Unmet(s.Nodes.GetValueOrDefault(c.Name)?.Uid, streams.Seq(Events.Subjects.NodeStream(c.Name)))
                ?? NodeDecisions.Remove(s, c.Name),
            Preconditions.NodeVersion(c.Name, c.IfMatch), ct);
    }
}
