using EventEngine.Decisions;
using EventEngine.Runtime;
using MediatR;

namespace EventEngine.Demo;

/// <summary>POST /engine/v1/demo/incident: writes the incident demo into the log; its phases, or a 409 if it ran already.</summary>
public sealed record RunIncidentDemo : IRequest<(IReadOnlyList<DemoPhase>? Phases, Failure? Failure)>;

public sealed class RunIncidentDemoHandler(EngineRuntime runtime, TimeProvider clock)
    : IRequestHandler<RunIncidentDemo, (IReadOnlyList<DemoPhase>? Phases, Failure? Failure)>
{
    public async Task<(IReadOnlyList<DemoPhase>? Phases, Failure? Failure)> Handle(RunIncidentDemo request, CancellationToken ct)
    {
        try
        {
            return (await new IncidentDemo(runtime, clock).RunAsync(ct), null);
        }
        catch (DemoAlreadyRunException e)
        {
            return (null, Failure.Conflict(e.Message));
        }
    }
}
