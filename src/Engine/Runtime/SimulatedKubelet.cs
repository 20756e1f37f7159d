using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Runtime;

/// <summary>Engine__SimulatedKubelet: on by default for a standalone server; pods report ready after a delay.</summary>
public sealed record KubeletOptions(bool Enabled, TimeSpan ReadyAfter);

/// <summary>
/// A node agent for clusters that have none (like KWOK's fake nodes): pods the engine created report Running and
/// Ready ReadyAfter seconds after creation, through the same command path a real node agent uses.
/// </summary>
public sealed class SimulatedKubelet(EngineRuntime runtime, KubeletOptions options)
{
    public bool Enabled => options.Enabled;

    /// <summary>When the next pod becomes ready, if any is waiting.</summary>
    public DateTimeOffset? NextDue(ClusterState s)
    {
        if (!options.Enabled) return null;
        DateTimeOffset? next = null;
        foreach (var pod in s.Pods.Values)
            if (IsWaiting(pod) && (next is null || pod.CreatedAt + options.ReadyAfter < next)) next = pod.CreatedAt + options.ReadyAfter;
        return next;
    }

    /// <summary>
    /// Reports every pod whose time has come, as one command: for each, the report a node agent would send (Running,
    /// Ready since its time came), decided by the same rules as PUT .../pods/{name}/status.
    /// </summary>
    public async Task<CommandOutcome> ReportDueAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled) return runtime.Unchanged();
        return await runtime.ExecuteAsync(CommandContext.System(CommandContext.KubeletActor), (s, now) =>
        {
            var events = new List<IEvent>();
            // each report reads only its own pod, so reports decided on one state cannot disagree; a pending pod's report is never refused
            foreach (var pod in s.Pods.Values.Where(p => IsWaiting(p) && p.CreatedAt + options.ReadyAfter <= now).OrderBy(p => p.Key, StringComparer.Ordinal))
                events.AddRange(PodDecisions.ReportStatus(s, pod.Namespace, pod.Name, ReadySince(pod.CreatedAt + options.ReadyAfter), now).Events);
            return new Decided(events);
        }, null, cancellationToken);
    }

    private static PodStatus ReadySince(DateTimeOffset since) => new()
    {
        Phase = PodPhases.Running,
        Conditions = [new PodCondition { Type = "Ready", Status = "True", LastTransitionTime = since }],
    };

    private static bool IsWaiting(PodState p) => !p.Observed && p.Phase == PodPhases.Pending && !p.Ready && !p.IsTerminating;
}
