using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.Nodes;

/// <summary>PATCH /api/v1/nodes/{name} (JSON merge patch).</summary>
public sealed record PatchNode(CommandContext Context, string Name, JsonNode Patch) : IRequest<CommandOutcome>;

public sealed class PatchNodeValidator : AbstractValidator<PatchNode>
{
    public PatchNodeValidator()
    {
        RuleFor(c => c.Name).MustBeDnsSubdomain("name");
        RuleFor(c => c.Patch).Must(p => p is JsonObject).OverridePropertyName("body").WithMessage("a merge patch must be a JSON object");
    }
}

public sealed class PatchNodeHandler(EngineRuntime runtime) : IRequestHandler<PatchNode, CommandOutcome>
{
    public Task<CommandOutcome> Handle(PatchNode c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => NodeDecisions.Patch(s, c.Name, c.Patch, now),
            Preconditions.ResourceVersion(Subjects.NodeStream(c.Name), (string?)c.Patch["metadata"]?["resourceVersion"], $"node {c.Name}"), ct);
}
