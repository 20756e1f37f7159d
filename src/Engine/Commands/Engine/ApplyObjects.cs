using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.Engine;

/// <summary>POST /engine/v1/apply: every Node, DaemonSet and observed Pod of a body, as one command.</summary>
public sealed record ApplyObjects(CommandContext Context, IReadOnlyList<JsonObject> Objects) : IRequest<CommandOutcome>;

public sealed class ApplyObjectsValidator : AbstractValidator<ApplyObjects>
{
    public ApplyObjectsValidator() => RuleFor(c => c.Objects).NotEmpty().OverridePropertyName("body").WithMessage("there are no objects to apply");
}

public sealed class ApplyObjectsHandler(EngineRuntime runtime) : IRequestHandler<ApplyObjects, CommandOutcome>
{
    public Task<CommandOutcome> Handle(ApplyObjects c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => ApplyDecisions.Apply(s, c.Objects, now, Guid.NewGuid), null, ct);
}
