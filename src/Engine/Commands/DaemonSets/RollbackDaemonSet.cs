using EventEngine.Decisions;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.DaemonSets;

/// <summary>POST .../daemonsets/{name}/rollback {"toRevision": N}: kubectl rollout undo (0 = previous).</summary>
public sealed record RollbackDaemonSet(CommandContext Context, string Namespace, string Name, long ToRevision) : IRequest<CommandOutcome>;

public sealed class RollbackDaemonSetValidator : AbstractValidator<RollbackDaemonSet>
{
    public RollbackDaemonSetValidator() =>
        RuleFor(c => c.ToRevision).Must(n => n >= 0).OverridePropertyName("toRevision")
            .WithMessage((_, n) => $"Invalid value: {n}: unable to find specified revision {n} in history");
}

public sealed class RollbackDaemonSetHandler(EngineRuntime runtime) : IRequestHandler<RollbackDaemonSet, CommandOutcome>
{
    public Task<CommandOutcome> Handle(RollbackDaemonSet c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, _) => DaemonSetDecisions.Rollback(s, c.Namespace + "/" + c.Name, c.ToRevision), null, ct);
}
