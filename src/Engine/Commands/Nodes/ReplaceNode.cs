using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.Nodes;

/// <summary>
/// PUT /api/v1/nodes/{name}: replace labels, annotations, taints, unschedulable and conditions; or PUT of its status
/// subresource (<paramref name="StatusOnly"/>: the conditions and resources, and the labels and annotations it gives; not the spec). metadata.resourceVersion or If-Match, when given,
/// must be the latest.
/// </summary>
public sealed record ReplaceNode(CommandContext Context, string Name, Node Node, string? IfMatch, bool StatusOnly = false) : IRequest<CommandOutcome>;

public sealed class ReplaceNodeValidator : AbstractValidator<ReplaceNode>
{
    public ReplaceNodeValidator() => RuleFor(c => c.Name).MustBeDnsSubdomain("name");
}

public sealed class ReplaceNodeHandler(EngineRuntime runtime) : IRequestHandler<ReplaceNode, CommandOutcome>
{
    public Task<CommandOutcome> Handle(ReplaceNode c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => NodeDecisions.Replace(s, c.Name, c.Node, now, c.StatusOnly),
            Preconditions.NodeVersion(c.Name, c.IfMatch, c.Node.Metadata?.ResourceVersion), ct);
}
