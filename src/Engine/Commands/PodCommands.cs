using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands;

/// <summary>POST /api/v1/namespaces/{ns}/pods: a pod that already runs on a node (imported; the controller may adopt it).</summary>
public sealed record RegisterPod(CommandContext Context, string Namespace, Pod Pod) : IRequest<CommandOutcome>;

/// <summary>PUT /api/v1/namespaces/{ns}/pods/{name}/status: a node agent reports phase and readiness.</summary>
public sealed record ReportPodStatus(CommandContext Context, string Namespace, string Name, PodStatus Status) : IRequest<CommandOutcome>;

/// <summary>DELETE /api/v1/namespaces/{ns}/pods/{name}: the controller replaces it if it is still desired.</summary>
public sealed record DeletePod(CommandContext Context, string Namespace, string Name) : IRequest<CommandOutcome>;

public sealed class RegisterPodValidator : AbstractValidator<RegisterPod>
{
    public RegisterPodValidator() => RuleFor(c => c.Namespace).MustBeNamespace();
}

public sealed class ReportPodStatusValidator : AbstractValidator<ReportPodStatus>
{
    public ReportPodStatusValidator()
    {
        RuleFor(c => c.Namespace).MustBeNamespace();
        RuleFor(c => c.Name).MustBeDnsSubdomain("name");
    }
}

public sealed class PodCommandHandlers(EngineRuntime runtime) :
    IRequestHandler<RegisterPod, CommandOutcome>,
    IRequestHandler<ReportPodStatus, CommandOutcome>,
    IRequestHandler<DeletePod, CommandOutcome>
{
    public Task<CommandOutcome> Handle(RegisterPod c, CancellationToken ct)
    {
        var pod = c.Pod with { Metadata = (c.Pod.Metadata ?? new ObjectMeta()) with { Namespace = c.Pod.Metadata?.Namespace ?? c.Namespace } };
        return runtime.ExecuteAsync(c.Context,
            (s, now) => Preconditions.NamespaceMismatch(c.Namespace, pod.Metadata!.Namespace) is { } mismatch
                ? mismatch
                : PodDecisions.Register(s, pod, now), null, ct);
    }

    public Task<CommandOutcome> Handle(ReportPodStatus c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => PodDecisions.ReportStatus(s, c.Namespace, c.Name, c.Status, now), null, ct);

    public Task<CommandOutcome> Handle(DeletePod c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, _) => PodDecisions.Delete(s, c.Namespace, c.Name), null, ct);
}
