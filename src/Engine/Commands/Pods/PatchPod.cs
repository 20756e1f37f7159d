using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Model.Patches;
using EventEngine.Runtime;
using EventEngine.State;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.Pods;

/// <summary>
/// PATCH /api/v1/namespaces/{ns}/pods/{name} (merge, strategic merge or JSON patch): the pod's labels; or of its status
/// subresource (<paramref name="StatusOnly"/>: the patched status, its phase and readiness, and its labels; not its spec). Served renders
/// the pod as the API serves it (the patch applies to that); metadata.resourceVersion or If-Match, when given, must be
/// the latest.
/// </summary>
public sealed record PatchPod(CommandContext Context, string Namespace, string Name, ObjectPatch Patch, string? IfMatch,
    Func<PodState, ClusterState, JsonObject> Served, bool StatusOnly = false) : IRequest<CommandOutcome>;

public sealed class PatchPodValidator : AbstractValidator<PatchPod>
{
    public PatchPodValidator()
    {
        RuleFor(c => c.Namespace).MustBeNamespace();
        RuleFor(c => c.Name).MustBeDnsSubdomain("name");
    }
}

public sealed class PatchPodHandler(EngineRuntime runtime) : IRequestHandler<PatchPod, CommandOutcome>
{
    public Task<CommandOutcome> Handle(PatchPod c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => !s.Pods.TryGetValue(c.Namespace + "/" + c.Name, out var pod)
                ? Failure.NotFound($"pod {c.Namespace}/{c.Name}")
                : c.StatusOnly
                    ? PodDecisions.PatchStatus(s, c.Namespace, c.Name, c.Patch, c.Served(pod, s), now)
                    : PodDecisions.Patch(s, c.Namespace, c.Name, c.Patch, c.Served(pod, s)),
            Preconditions.PodVersion(c.Namespace, c.Name, c.IfMatch, c.Patch.ResourceVersion), ct);
}
