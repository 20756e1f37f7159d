using EventEngine.Model;
using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.Engine;

/// <summary>
/// POST /engine/v1/apply: every Node, DaemonSet and observed Pod of a body, as one command. An object that carries
/// metadata.resourceVersion must be at that version, or the whole body is a 409; without one it is applied
/// unconditionally, as kubectl apply does.
/// </summary>
public sealed record ApplyObjects(CommandContext Context, IReadOnlyList<JsonObject> Objects) : IRequest<CommandOutcome>;

/// <summary>One object of an apply: created, configured or unchanged, and its resourceVersion after the command.</summary>
public sealed record AppliedObject(JsonObject Object, string Action, long ResourceVersion);

public sealed class ApplyObjectsValidator : AbstractValidator<ApplyObjects>
{
    public ApplyObjectsValidator() => RuleFor(c => c.Objects).NotEmpty().OverridePropertyName("body").WithMessage("there are no objects to apply");
}

public sealed class ApplyObjectsHandler(EngineRuntime runtime) : IRequestHandler<ApplyObjects, CommandOutcome>
{
    private static readonly string[] Creations = [EventTypes.NameOf(typeof(NodeJoined)), EventTypes.NameOf(typeof(DaemonSetCreated)), EventTypes.NameOf(typeof(PodRegistered))];

    public Task<CommandOutcome> Handle(ApplyObjects c, CancellationToken ct)
    {
        var targets = c.Objects.Select(Target).ToList();
        var preconditions = new List<VersionPrecondition>();
        for (var i = 0; i < c.Objects.Count; i++)
        {
            if (targets[i] is not var (streams, what)) continue;
            var field = $"[{i}].{Preconditions.ResourceVersionField}";
            preconditions.AddRange(Preconditions.Versions(streams, what, null, Preconditions.ResourceVersionOf(c.Objects[i], field), field) ?? []);
        }

        return runtime.ExecuteAsync(c.Context, (s, now) => ApplyDecisions.Apply(s, c.Objects, now, Guid.NewGuid), preconditions, ct);
    }

    /// <summary>
    /// For each object of the body in order, what the command did to it and its resourceVersion after: read from the
    /// command's outcome alone (its events and positions), so a stored answer and a fresh one agree.
    /// </summary>
    public static IReadOnlyList<AppliedObject> Items(IReadOnlyList<JsonObject> objects, CommandOutcome outcome)
    {
        var byStream = outcome.Events.ToLookup(e => e.Stream, StringComparer.Ordinal);
        return objects.Select(o =>
        {
            var streams = Target(o)!.Value.Streams;
            var written = byStream[streams[0]].ToList();
            var action = written.Any(e => Creations.Contains(e.Type)) ? "created" : written.Count > 0 ? "configured" : "unchanged";
            return new AppliedObject(o, action, streams.Max(outcome.Positions.Seq));
        }).ToList();
    }

    /// <summary>
    /// The streams an object of the body is kept in (the first is the one it is written to; a DaemonSet's status has its
    /// own) and how to name it; null when the decision will refuse its shape.
    /// </summary>
    private static (string[] Streams, string What)? Target(JsonObject o)
    {
        var name = JsonFields.Text(o, "metadata", "name");
        var ns = JsonFields.Text(o, "metadata", "namespace");
        return (JsonFields.Text(o, "apiVersion"), JsonFields.Text(o, "kind")) switch
        {
            _ when name is null => null,
            ("v1", "Node") => ([Subjects.NodeStream(name)], $"node {name}"),
            ("apps/v1", "DaemonSet") when ns is not null =>
                (Subjects.DaemonSetStreams(ns + "/" + name), $"daemonset {ns}/{name}"),
            ("v1", "Pod") when ns is not null => ([Subjects.PodStream(ns + "/" + name)], $"pod {ns}/{name}"),
            _ => null,
        };
    }
}
