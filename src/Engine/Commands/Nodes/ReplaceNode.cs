using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.Nodes;

/// <summary>PUT /api/v1/nodes/{name}: replace labels, taints, unschedulable and conditions.</summary>
public sealed record ReplaceNode(CommandContext Context, string Name, Node Node) : IRequest<CommandOutcome>;

public sealed class ReplaceNodeValidator : AbstractValidator<ReplaceNode>
{
    public ReplaceNodeValidator() => RuleFor(c => c.Name).MustBeDnsSubdomain("name");
}

public sealed class ReplaceNodeHandler(EngineRuntime runtime) : IRequestHandler<ReplaceNode, CommandOutcome>
{
    public Task<CommandOutcome> Handle(ReplaceNode c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => NodeDecisions.Replace(s, c.Name, c.Node, now),
            Preconditions.ResourceVersion(Subjects.NodeStream(c.Name), c.Node.Metadata?.ResourceVersion, $"node {c.Name}"), ct);
}
