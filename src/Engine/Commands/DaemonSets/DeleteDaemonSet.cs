using EventEngine.Decisions;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.DaemonSets;

/// <summary>
/// DELETE .../daemonsets/{name}?propagationPolicy=Background|Foreground|Orphan; If-Match and the DeleteOptions'
/// preconditions, when given, must be the latest and the DaemonSet's.
/// </summary>
public sealed record DeleteDaemonSet(CommandContext Context, string Namespace, string Name, string? PropagationPolicy, string? IfMatch,
    Preconditions.OnDelete? Expected = null) : IRequest<CommandOutcome>;

public sealed class DeleteDaemonSetValidator : AbstractValidator<DeleteDaemonSet>
{
    public DeleteDaemonSetValidator() =>
        RuleFor(c => c.PropagationPolicy).Must(p => p is null or "" or State.DeletionPolicy.Background or State.DeletionPolicy.Foreground or State.DeletionPolicy.Orphan)
            .OverridePropertyName("propagationPolicy").WithMessage((_, p) => $"Unsupported value: \"{p}\": supported values: \"Background\", \"Foreground\", \"Orphan\"");
}

public sealed class DeleteDaemonSetHandler(EngineRuntime runtime) : IRequestHandler<DeleteDaemonSet, CommandOutcome>
{
    public Task<CommandOutcome> Handle(DeleteDaemonSet c, CancellationToken ct)
    {
        var (key, expected) = (c.Namespace + "/" + c.Name, c.Expected ?? Preconditions.OnDelete.None);
        return runtime.ExecuteAsync(c.Context,
            (s, _, streams) => expected.Unmet(s.DaemonSets.GetValueOrDefault(key)?.Uid, Events.Subjects.DaemonSetStreams(key).Max(streams.Seq))
                ?? DaemonSetDecisions.Delete(s, key, c.PropagationPolicy),
            Preconditions.DaemonSetVersion(c.Namespace, c.Name, c.IfMatch), ct);
    }
}
