using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Runtime;
using EventEngine.State;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands;

/// <summary>POST /apis/apps/v1/namespaces/{ns}/daemonsets.</summary>
public sealed record CreateDaemonSet(CommandContext Context, string Namespace, DaemonSet DaemonSet) : IRequest<CommandOutcome>;

/// <summary>PUT .../daemonsets/{name}; metadata.resourceVersion or IfMatch, when given, must be the latest.</summary>
public sealed record ReplaceDaemonSet(CommandContext Context, string Namespace, string Name, DaemonSet DaemonSet, string? IfMatch) : IRequest<CommandOutcome>;

/// <summary>PATCH .../daemonsets/{name} (JSON merge patch, defaulted like a create).</summary>
public sealed record PatchDaemonSet(CommandContext Context, string Namespace, string Name, JsonNode Patch, string? IfMatch) : IRequest<CommandOutcome>;

/// <summary>DELETE .../daemonsets/{name}?propagationPolicy=Background|Orphan.</summary>
public sealed record DeleteDaemonSet(CommandContext Context, string Namespace, string Name, string? PropagationPolicy) : IRequest<CommandOutcome>;

/// <summary>POST .../daemonsets/{name}/rollback {"toRevision": N}: kubectl rollout undo (0 = previous).</summary>
public sealed record RollbackDaemonSet(CommandContext Context, string Namespace, string Name, long ToRevision) : IRequest<CommandOutcome>;

public sealed class CreateDaemonSetValidator : AbstractValidator<CreateDaemonSet>
{
    public CreateDaemonSetValidator() => RuleFor(c => c.Namespace).MustBeNamespace();
}

public sealed class ReplaceDaemonSetValidator : AbstractValidator<ReplaceDaemonSet>
{
    public ReplaceDaemonSetValidator()
    {
        RuleFor(c => c.Namespace).MustBeNamespace();
        RuleFor(c => c.Name).MustBeDnsSubdomain("name");
    }
}

public sealed class PatchDaemonSetValidator : AbstractValidator<PatchDaemonSet>
{
    public PatchDaemonSetValidator()
    {
        RuleFor(c => c.Namespace).MustBeNamespace();
        RuleFor(c => c.Name).MustBeDnsSubdomain("name");
        RuleFor(c => c.Patch).Must(p => p is JsonObject).WithName("body").WithMessage("a merge patch must be a JSON object");
    }
}

public sealed class DeleteDaemonSetValidator : AbstractValidator<DeleteDaemonSet>
{
    public DeleteDaemonSetValidator() =>
        RuleFor(c => c.PropagationPolicy).Must(p => p is null or "" or DeletionPolicy.Background or DeletionPolicy.Orphan)
            .WithName("propagationPolicy").WithMessage((_, p) => $"Unsupported value: \"{p}\": supported values: \"Background\", \"Orphan\"");
}

public sealed class RollbackDaemonSetValidator : AbstractValidator<RollbackDaemonSet>
{
    public RollbackDaemonSetValidator() =>
        RuleFor(c => c.ToRevision).GreaterThanOrEqualTo(0).WithName("toRevision")
            .WithMessage((_, n) => $"Invalid value: {n}: unable to find specified revision {n} in history");
}

public sealed class DaemonSetCommandHandlers(EngineRuntime runtime) :
    IRequestHandler<CreateDaemonSet, CommandOutcome>,
    IRequestHandler<ReplaceDaemonSet, CommandOutcome>,
    IRequestHandler<PatchDaemonSet, CommandOutcome>,
    IRequestHandler<DeleteDaemonSet, CommandOutcome>,
    IRequestHandler<RollbackDaemonSet, CommandOutcome>
{
    public Task<CommandOutcome> Handle(CreateDaemonSet c, CancellationToken ct)
    {
        var ds = c.DaemonSet with { Metadata = (c.DaemonSet.Metadata ?? new ObjectMeta()) with { Namespace = c.DaemonSet.Metadata?.Namespace ?? c.Namespace } };
        return runtime.ExecuteAsync(c.Context,
            (s, now) => Preconditions.NamespaceMismatch(c.Namespace, ds.Metadata!.Namespace) is { } mismatch
                ? mismatch
                : DaemonSetDecisions.Create(s, ds, now, Guid.NewGuid), null, ct);
    }

    public Task<CommandOutcome> Handle(ReplaceDaemonSet c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context,
            (s, _) => Preconditions.NamespaceMismatch(c.Namespace, c.DaemonSet.Metadata?.Namespace) is { } mismatch
                ? mismatch
                : DaemonSetDecisions.Replace(s, Key(c.Namespace, c.Name), c.DaemonSet),
            Version(c.Namespace, c.Name, c.IfMatch ?? c.DaemonSet.Metadata?.ResourceVersion), ct);

    public Task<CommandOutcome> Handle(PatchDaemonSet c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, _) => DaemonSetDecisions.Patch(s, Key(c.Namespace, c.Name), c.Patch),
            Version(c.Namespace, c.Name, c.IfMatch ?? (string?)c.Patch["metadata"]?["resourceVersion"]), ct);

    public Task<CommandOutcome> Handle(DeleteDaemonSet c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, _) => DaemonSetDecisions.Delete(s, Key(c.Namespace, c.Name), c.PropagationPolicy), null, ct);

    public Task<CommandOutcome> Handle(RollbackDaemonSet c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, _) => DaemonSetDecisions.Rollback(s, Key(c.Namespace, c.Name), c.ToRevision), null, ct);

    private static string Key(string ns, string name) => ns + "/" + name;

    private static IReadOnlyList<VersionPrecondition>? Version(string ns, string name, string? resourceVersion) =>
        Preconditions.ResourceVersion(Subjects.DaemonSetStream(Key(ns, name)), resourceVersion, $"daemonset {ns}/{name}");
}
