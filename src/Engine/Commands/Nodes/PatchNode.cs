using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Model.Patches;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.Nodes;

/// <summary>
/// PATCH /api/v1/nodes/{name} (JSON merge patch, strategic merge patch or JSON patch), or of its status subresource
/// (<paramref name="StatusOnly"/>: the patched status, labels and annotations are kept, not the spec); metadata.resourceVersion or If-Match, when given,
/// must be the latest.
/// </summary>
public sealed record PatchNode(CommandContext Context, string Name, ObjectPatch Patch, string? IfMatch, bool StatusOnly = false) : IRequest<CommandOutcome>;

public sealed class PatchNodeValidator : AbstractValidator<PatchNode>
{
    public PatchNodeValidator()
    {
        RuleFor(c => c.Name).MustBeDnsSubdomain("name");
    }
}

public sealed class PatchNodeHandler(EngineRuntime runtime) : IRequestHandler<PatchNode, CommandOutcome>
{
    public Task<CommandOutcome> Handle(PatchNode c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => NodeDecisions.Patch(s, c.Name, c.Patch, now, c.StatusOnly),
            Preconditions.NodeVersion(c.Name, c.IfMatch, c.Patch.ResourceVersion), ct);
}
