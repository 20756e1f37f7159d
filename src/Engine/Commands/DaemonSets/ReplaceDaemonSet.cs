using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.DaemonSets;

/// <summary>PUT .../daemonsets/{name}; metadata.resourceVersion or If-Match, when given, must be the latest.</summary>
public sealed record ReplaceDaemonSet(CommandContext Context, string Namespace, string Name, DaemonSet DaemonSet, string? IfMatch) : IRequest<CommandOutcome>;

public sealed class ReplaceDaemonSetValidator : AbstractValidator<ReplaceDaemonSet>
{
    public ReplaceDaemonSetValidator()
    {
        RuleFor(c => c.Namespace).MustBeNamespace();
        RuleFor(c => c.Name).MustBeDnsSubdomain("name");
    }
}

public sealed class ReplaceDaemonSetHandler(EngineRuntime runtime) : IRequestHandler<ReplaceDaemonSet, CommandOutcome>
{
    public Task<CommandOutcome> Handle(ReplaceDaemonSet c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context,
            (s, _) => Preconditions.NamespaceMismatch(c.Namespace, c.DaemonSet.Metadata?.Namespace)
                ?? DaemonSetDecisions.Replace(s, c.Namespace + "/" + c.Name, c.DaemonSet),
            Preconditions.DaemonSetVersion(c.Namespace, c.Name, c.IfMatch, c.DaemonSet.Metadata?.ResourceVersion), ct);
}
