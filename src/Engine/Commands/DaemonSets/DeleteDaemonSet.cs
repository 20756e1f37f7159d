using EventEngine.Decisions;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.DaemonSets;

/// <summary>DELETE .../daemonsets/{name}?propagationPolicy=Background|Foreground|Orphan; If-Match, when given, must be the latest.</summary>
public sealed record DeleteDaemonSet(CommandContext Context, string Namespace, string Name, string? PropagationPolicy, string? IfMatch) : IRequest<CommandOutcome>;

public sealed class DeleteDaemonSetValidator : AbstractValidator<DeleteDaemonSet>
{
    public DeleteDaemonSetValidator() =>
        RuleFor(c => c.PropagationPolicy).Must(p => p is null or "" or State.DeletionPolicy.Background or State.DeletionPolicy.Foreground or State.DeletionPolicy.Orphan)
            .OverridePropertyName("propagationPolicy").WithMessage((_, p) => $"Unsupported value: \"{p}\": supported values: \"Background\", \"Foreground\", \"Orphan\"");
}

public sealed class DeleteDaemonSetHandler(EngineRuntime runtime) : IRequestHandler<DeleteDaemonSet, CommandOutcome>
{
    public Task<CommandOutcome> Handle(DeleteDaemonSet c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, _) => DaemonSetDecisions.Delete(s, c.Namespace + "/" + c.Name, c.PropagationPolicy),
            Preconditions.DaemonSetVersion(c.Namespace, c.Name, c.IfMatch), ct);
}
