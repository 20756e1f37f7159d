using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.Pods;

/// <summary>POST /api/v1/namespaces/{ns}/pods: a pod that already runs on a node (imported; the controller may adopt it).</summary>
public sealed record RegisterPod(CommandContext Context, string Namespace, Pod Pod) : IRequest<CommandOutcome>;

public sealed class RegisterPodValidator : AbstractValidator<RegisterPod>
{
    public RegisterPodValidator() => RuleFor(c => c.Namespace).MustBeNamespace();
}

public sealed class RegisterPodHandler(EngineRuntime runtime) : IRequestHandler<RegisterPod, CommandOutcome>
{
    public Task<CommandOutcome> Handle(RegisterPod c, CancellationToken ct)
    {
        var pod = c.Pod with { Metadata = Preconditions.InNamespace(c.Pod.Metadata, c.Namespace) };
        return runtime.ExecuteAsync(c.Context,
            (s, now) => Preconditions.NamespaceMismatch(c.Namespace, pod.Metadata!.Namespace) ?? PodDecisions.Register(s, pod, now), null, ct);
    }
}
