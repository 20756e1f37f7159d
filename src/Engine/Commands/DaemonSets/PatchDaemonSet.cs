using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Model.Patches;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.DaemonSets;

/// <summary>PATCH .../daemonsets/{name} (merge, strategic merge or JSON patch, defaulted like a create).</summary>
public sealed record PatchDaemonSet(CommandContext Context, string Namespace, string Name, ObjectPatch Patch, string? IfMatch) : IRequest<CommandOutcome>;

public sealed class PatchDaemonSetValidator : AbstractValidator<PatchDaemonSet>
{
    public PatchDaemonSetValidator()
    {
        RuleFor(c => c.Namespace).MustBeNamespace();
        RuleFor(c => c.Name).MustBeDnsSubdomain("name");
    }
}

public sealed class PatchDaemonSetHandler(EngineRuntime runtime) : IRequestHandler<PatchDaemonSet, CommandOutcome>
{
    public Task<CommandOutcome> Handle(PatchDaemonSet c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, _) => DaemonSetDecisions.Patch(s, c.Namespace + "/" + c.Name, c.Patch),
            Preconditions.DaemonSetVersion(c.Namespace, c.Name, c.IfMatch, c.Patch.ResourceVersion), ct);
}
