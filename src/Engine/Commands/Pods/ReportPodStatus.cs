using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.Pods;

/// <summary>
/// PUT /api/v1/namespaces/{ns}/pods/{name}/status: a node agent reports phase and readiness, with the pod's labels when
/// the body gives them (null: kept); metadata.resourceVersion or If-Match, when given, must be the latest.
/// </summary>
public sealed record ReportPodStatus(CommandContext Context, string Namespace, string Name, PodStatus Status, string? IfMatch, string? ResourceVersion,
    IReadOnlyDictionary<string, string>? Labels = null) : IRequest<CommandOutcome>;

public sealed class ReportPodStatusValidator : AbstractValidator<ReportPodStatus>
{
    public ReportPodStatusValidator()
    {
        RuleFor(c => c.Namespace).MustBeNamespace();
        RuleFor(c => c.Name).MustBeDnsSubdomain("name");
    }
}

public sealed class ReportPodStatusHandler(EngineRuntime runtime) : IRequestHandler<ReportPodStatus, CommandOutcome>
{
    public Task<CommandOutcome> Handle(ReportPodStatus c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => PodDecisions.ReplaceStatus(s, c.Namespace, c.Name, c.Status, c.Labels, now),
            Preconditions.PodVersion(c.Namespace, c.Name, c.IfMatch, c.ResourceVersion), ct);
}
