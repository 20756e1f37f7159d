using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.DaemonSets;

/// <summary>POST /apis/apps/v1/namespaces/{ns}/daemonsets.</summary>
public sealed record CreateDaemonSet(CommandContext Context, string Namespace, DaemonSet DaemonSet) : IRequest<CommandOutcome>;

public sealed class CreateDaemonSetValidator : AbstractValidator<CreateDaemonSet>
{
    public CreateDaemonSetValidator() => RuleFor(c => c.Namespace).MustBeNamespace();
}

public sealed class CreateDaemonSetHandler(EngineRuntime runtime) : IRequestHandler<CreateDaemonSet, CommandOutcome>
{
    public Task<CommandOutcome> Handle(CreateDaemonSet c, CancellationToken ct)
    {
        var ds = c.DaemonSet with { Metadata = Preconditions.InNamespace(c.DaemonSet.Metadata, c.Namespace) };
        return runtime.ExecuteAsync(c.Context,
            (s, now) => Preconditions.NamespaceMismatch(c.Namespace, ds.Metadata!.Namespace) ?? DaemonSetDecisions.Create(s, ds, now, Guid.NewGuid),
            null, ct);
    }
}
