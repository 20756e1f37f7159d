using EventEngine.Decisions;
using EventEngine.Runtime;
using MediatR;

namespace EventEngine.Commands.Pods;

/// <summary>DELETE /api/v1/namespaces/{ns}/pods/{name}: the controller replaces it if it is still desired; If-Match, when given, must be the latest.</summary>
public sealed record DeletePod(CommandContext Context, string Namespace, string Name, string? IfMatch) : IRequest<CommandOutcome>;

public sealed class DeletePodHandler(EngineRuntime runtime) : IRequestHandler<DeletePod, CommandOutcome>
{
    public Task<CommandOutcome> Handle(DeletePod c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, _) => PodDecisions.Delete(s, c.Namespace, c.Name), Preconditions.PodVersion(c.Namespace, c.Name, c.IfMatch), ct);
}
