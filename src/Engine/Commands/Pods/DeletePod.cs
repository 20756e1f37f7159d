using EventEngine.Decisions;
using EventEngine.Runtime;
using MediatR;

namespace EventEngine.Commands.Pods;

/// <summary>
/// DELETE /api/v1/namespaces/{ns}/pods/{name} (or its eviction): the controller replaces it if it is still desired;
/// If-Match and the DeleteOptions' preconditions, when given, must be the latest and the pod's.
/// </summary>
public sealed record DeletePod(CommandContext Context, string Namespace, string Name, string? IfMatch, Preconditions.OnDelete? Expected = null)
    : IRequest<CommandOutcome>;

public sealed class DeletePodHandler(EngineRuntime runtime) : IRequestHandler<DeletePod, CommandOutcome>
{
    public Task<CommandOutcome> Handle(DeletePod c, CancellationToken ct)
    {
        var (key, expected) = (c.Namespace + "/" + c.Name, c.Expected ?? Preconditions.OnDelete.None);
        return runtime.ExecuteAsync(c.Context,
            (s, _, streams) => expected.Unmet(s.Pods.GetValueOrDefault(key)?.Origin.ToString(), streams.Seq(Events.Subjects.PodStream(key)))
                ?? PodDecisions.Delete(s, c.Namespace, c.Name),
            Preconditions.PodVersion(c.Namespace, c.Name, c.IfMatch), ct);
    }
}
