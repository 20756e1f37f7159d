using EventEngine.Decisions;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Commands.Engine;

/// <summary>POST /engine/v1/clock {"advanceSeconds": n}: move the manual clock, then do what time makes due.</summary>
public sealed record AdvanceClock(CommandContext Context, double AdvanceSeconds) : IRequest<CommandOutcome>;

public sealed class AdvanceClockValidator : AbstractValidator<AdvanceClock>
{
    public AdvanceClockValidator() =>
        RuleFor(c => c.AdvanceSeconds).Must(s => s > 0 && s <= 366 * 24 * 3600).OverridePropertyName("advanceSeconds")
            .WithMessage((_, s) => $"Invalid value: {s}: must be more than 0 and at most a year of seconds");
}

public sealed class AdvanceClockHandler(EngineRuntime runtime, TimeProvider clock, SimulatedKubelet kubelet) : IRequestHandler<AdvanceClock, CommandOutcome>
{
    public async Task<CommandOutcome> Handle(AdvanceClock c, CancellationToken ct)
    {
        if (clock is not ManualClock manual)
            return runtime.Unchanged(Failure.Conflict("the engine runs on the system clock; set Engine__Clock=Manual to move time by hand"));
        manual.Advance(TimeSpan.FromSeconds(c.AdvanceSeconds));
        var kubeletOutcome = await kubelet.ReportDueAsync(ct);
        var tick = await runtime.TickAsync(c.Context, ct);
        return tick with { Events = [.. kubeletOutcome.Events, .. tick.Events] };
    }
}
