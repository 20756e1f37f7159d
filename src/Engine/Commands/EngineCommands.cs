using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands;

/// <summary>POST /engine/v1/apply: every Node, DaemonSet and observed Pod of a body, as one command.</summary>
public sealed record ApplyObjects(CommandContext Context, IReadOnlyList<JsonObject> Objects) : IRequest<CommandOutcome>;

/// <summary>POST /engine/v1/clock {"advanceSeconds": n}: move the manual clock, then do what time makes due.</summary>
public sealed record AdvanceClock(CommandContext Context, double AdvanceSeconds) : IRequest<CommandOutcome>;

public sealed class ApplyObjectsValidator : AbstractValidator<ApplyObjects>
{
    public ApplyObjectsValidator() => RuleFor(c => c.Objects).NotEmpty().WithName("body").WithMessage("there are no objects to apply");
}

public sealed class AdvanceClockValidator : AbstractValidator<AdvanceClock>
{
    public AdvanceClockValidator() =>
        RuleFor(c => c.AdvanceSeconds).GreaterThan(0).LessThanOrEqualTo(366 * 24 * 3600).WithName("advanceSeconds")
            .WithMessage((_, s) => $"Invalid value: {s}: must be more than 0 and at most a year of seconds");
}

public sealed class EngineCommandHandlers(EngineRuntime runtime, TimeProvider clock, SimulatedKubelet kubelet) :
    IRequestHandler<ApplyObjects, CommandOutcome>,
    IRequestHandler<AdvanceClock, CommandOutcome>
{
    public Task<CommandOutcome> Handle(ApplyObjects c, CancellationToken ct) =>
        runtime.ExecuteAsync(c.Context, (s, now) => ApplyDecisions.Apply(s, c.Objects, now, Guid.NewGuid), null, ct);

    public async Task<CommandOutcome> Handle(AdvanceClock c, CancellationToken ct)
    {
        if (clock is not ManualClock manual)
            return new CommandOutcome(Failure.Conflict("the engine runs on the system clock; set Engine__Clock=Manual to move time by hand"),
                runtime.State, [], null);
        manual.Advance(TimeSpan.FromSeconds(c.AdvanceSeconds));
        var kubeletOutcome = await kubelet.ReportDueAsync(ct);
        var tick = await runtime.TickAsync(c.Context, ct);
        return tick with { Events = [.. kubeletOutcome.Events, .. tick.Events] };
    }
}
