using EventEngine.Events;
using EventEngine.State;

namespace EventEngine.Reconciliation;

/// <summary>A command's own events (folded) and the controller's answer to them (settled).</summary>
public sealed record StepResult(ClusterState State, IReadOnlyList<Recorded> Command, SettleResult Settled)
{
    /// <summary>Everything to append, in order: the command's events, then the controller's.</summary>
    public IEnumerable<Emitted> All => Command.Select(e => new Emitted(e, null, null)).Concat(Settled.Events);
}

/// <summary>One step of the engine: fold a command's events, then reconcile what they touched until settled.</summary>
public static class Steps
{
    public static StepResult Run(ClusterState state, IReadOnlyList<IEvent> commandEvents, DateTimeOffset now, Func<Guid> newId)
    {
        var recorded = commandEvents.Select(e => new Recorded(newId(), now, e)).ToList();
        return Settle(Fold.EvolveAll(state, recorded), recorded, now, newId);
    }

    /// <summary>The same step for a command whose events are already folded into <paramref name="folded"/>.</summary>
    public static StepResult Settle(ClusterState folded, IReadOnlyList<Recorded> command, DateTimeOffset now, Func<Guid> newId)
    {
        var settled = Settler.Settle(folded, now, ReconcileScope.Of(command.Select(r => r.Event)), newId);
        return new StepResult(settled.State, command, settled);
    }

    /// <summary>Events as observed in a cluster the engine does not control: folded, and the controller left out.</summary>
    public static StepResult Record(ClusterState state, IReadOnlyList<IEvent> observed, DateTimeOffset now, Func<Guid> newId)
    {
        var recorded = observed.Select(e => new Recorded(newId(), now, e)).ToList();
        state = Fold.EvolveAll(state, recorded);
        return new StepResult(state, recorded, new SettleResult(state, [], null, []));
    }

    /// <summary>Time passed (or the engine started): reconcile everything.</summary>
    public static StepResult Tick(ClusterState state, DateTimeOffset now, Func<Guid> newId)
    {
        var settled = Settler.Settle(state, now, ReconcileScope.All, newId);
        return new StepResult(settled.State, [], settled);
    }
}
