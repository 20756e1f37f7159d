using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands;

/// <summary>POST /api/v1/nodes: a node joins.</summary>
public sealed record JoinNode(CommandContext Context, Node Node) : IRequest<CommandOutcome>;

/// <summary>PUT /api/v1/nodes/{name}: replace labels, taints, unschedulable and conditions.</summary>
public sealed record ReplaceNode(CommandContext Context, string Name, Node Node) : IRequest<CommandOutcome>;

/// <summary>PATCH /api/v1/nodes/{name} (JSON merge patch).</summary>
public sealed record PatchNode(CommandContext Context, string Name, JsonNode Patch) : IRequest<CommandOutcome>;

/// <summary>DELETE /api/v1/nodes/{name}: the node leaves.</summary>
public sealed record RemoveNode(CommandContext Context, string Name) : IRequest<CommandOutcome>;

public sealed class NodeNameValidator : AbstractValidator<ReplaceNode>
{
    public NodeNameValidator() => RuleFor(c => c.Name).MustBeDnsSubdomain("name");
}

public sealed class PatchNodeValidator : AbstractValidator<PatchNode>
{
    public PatchNodeValidator()
    {
        RuleFor(c => c.Name).MustBeDnsSubdomain("name");
        RuleFor(c => c.Patch).Must(p => p is JsonObject).WithName("body").WithMessage("a merge patch must be a JSON object");
    }
}

public sealed class NodeCommandHandlers(EngineRuntime runtime) :
    IRequestHandler<JoinNode, CommandOutcome>,
    IRequestHandler<ReplaceNode, CommandOutcome>,
    IRequestHandler<PatchNode, CommandOutcome>,
    IRequestHandler<RemoveNode, CommandOutcome>
{
    public Task<CommandOutcome> Handle(JoinNode c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => NodeDecisions.Join(s, c.Node, now, Guid.NewGuid), null, ct);

    public Task<CommandOutcome> Handle(ReplaceNode c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => NodeDecisions.Replace(s, c.Name, c.Node, now),
            Preconditions.ResourceVersion(Events.Subjects.NodeStream(c.Name), c.Node.Metadata?.ResourceVersion, $"node {c.Name}"), ct);

    public Task<CommandOutcome> Handle(PatchNode c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => NodeDecisions.Patch(s, c.Name, c.Patch, now),
            Preconditions.ResourceVersion(Events.Subjects.NodeStream(c.Name), (string?)c.Patch["metadata"]?["resourceVersion"], $"node {c.Name}"), ct);

    public Task<CommandOutcome> Handle(RemoveNode c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, _) => NodeDecisions.Remove(s, c.Name), null, ct);
}
