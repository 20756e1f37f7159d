using System.Globalization;
using EventEngine.Reconciliation;
using EventEngine.Runtime;
using EventEngine.State;
using FluentValidation;
using MediatR;

namespace EventEngine.Projections.History;

/// <summary>
/// GET /engine/v1/placement?daemonset=ns/name&amp;at=&amp;all=: per node, desired versus actual and the differences.
/// Nodes where the DaemonSet neither should run nor has pods are left out unless All.
/// </summary>
public sealed record GetPlacement(string? DaemonSet, string? At, bool All) : IRequest<Inspected<PlacementView>>;

public sealed class GetPlacementValidator : AbstractValidator<GetPlacement>
{
    public GetPlacementValidator() => RuleFor(q => q.DaemonSet).MustBeDaemonSetKey();
}

/// <summary>Desired versus actual placement of one DaemonSet at one point of the log, nodes in natural name order.</summary>
public sealed record PlacementView(string DaemonSet, LogPoint At, RevisionRef CurrentRevision, PlacementSummary Summary, IReadOnlyList<NodePlacement> Nodes);

/// <summary>A revision by number and template hash, as the revisions list names them (no number if it was pruned).</summary>
public sealed record RevisionRef(long? Revision, string Hash);

/// <summary>Node counts over the whole cluster: desired (shouldRun), actual (a live pod), and nodes with each difference.</summary>
public sealed record PlacementSummary(int Desired, int Actual, int Missing, int Misscheduled, int Outdated, int NotReady);

/// <summary>
/// One node: desired is shouldRun; pods are the DaemonSet's live pods there (not terminating, not Failed or
/// Succeeded), oldest first.
/// </summary>
public sealed record NodePlacement(string Node, bool Desired, bool ShouldContinueRunning, IReadOnlyList<PodView> Pods,
    IReadOnlyList<PlacementDifference> Differences, IReadOnlyList<PendingAction> Next);

/// <summary>
/// What the controller's next sync does on the node at that point (create, delete, orphan, adopt, relabel), with its
/// reason: the reconciler itself, run on the state there. Empty where the engine had settled.
/// </summary>
public sealed record PendingAction(string Action, string Reason, string Message, string? Pod);

/// <summary>
/// One difference: missing (desired, no live pod), misscheduled (a live pod where shouldRun is false), outdated (a
/// live pod not on the current revision), notReady (a live pod not Ready); with a sentence saying why.
/// </summary>
public sealed record PlacementDifference(string Kind, string Reason, string? Pod = null, long? Revision = null, long? CurrentRevision = null);

/// <summary>The kinds of <see cref="PlacementDifference"/>.</summary>
public static class DifferenceKinds
{
    public const string Missing = "missing";
    public const string Misscheduled = "misscheduled";
    public const string Outdated = "outdated";
    public const string NotReady = "notReady";
}

public sealed class GetPlacementHandler(TimeTravel timeTravel) : IRequestHandler<GetPlacement, Inspected<PlacementView>>
{
    public async Task<Inspected<PlacementView>> Handle(GetPlacement q, CancellationToken ct)
    {
        using var timing = EngineMetrics.TimeTravel("placement");
        var resolved = await Inspection.ResolveAsync(timeTravel, q.At, ct);
        if (resolved.Value is not { } at) return resolved.Failure!;
        var state = await timeTravel.PartAtAsync(at.Seq, Inspection.DaemonSetScopes(q.DaemonSet!), ct);
        if (!state.DaemonSets.TryGetValue(q.DaemonSet!, out var ds)) return Inspection.NotFound("daemonset", $"daemonset {q.DaemonSet}", at);

        var current = new RevisionRef(state.CurrentRevision(ds)?.Number, ds.CurrentHash);
        var revisions = Inspection.RevisionNumbers(state, ds);
        var next = Next(state, ds, at);
        var all = state.NodeNames.Select(node => Compare(state, ds, node, current, revisions, next[node].ToList())).ToList();
        var summary = new PlacementSummary(
            all.Count(n => n.Desired), all.Count(n => n.Pods.Count > 0), Having(all, DifferenceKinds.Missing),
            Having(all, DifferenceKinds.Misscheduled), Having(all, DifferenceKinds.Outdated), Having(all, DifferenceKinds.NotReady));
        var shown = q.All ? all : all.Where(n => n.Desired || n.Pods.Count > 0).ToList();
        return new PlacementView(ds.Key, at, current, summary, shown);
    }

    /// <summary>podsShouldBeOnNode, as a report: what the slot wants against what runs there.</summary>
    public static NodePlacement Compare(ClusterState state, DaemonSetState ds, string node, RevisionRef current,
        IReadOnlyDictionary<string, long> revisions, IReadOnlyList<PendingAction> next)
    {
        var slot = ds.SlotOf(node);
        var claimed = slot.Pods.Select(key => state.Pods[key]).ToList();
        var live = claimed.Where(p => p.IsLive).ToList();
        var differences = new List<PlacementDifference>();
        if (slot.ShouldRun && live.Count == 0)
            differences.Add(new(DifferenceKinds.Missing, claimed.Count == 0
                ? "a pod should run here and there is none"
                : "a pod should run here and none is live: " + string.Join(", ", claimed.Select(p => $"{p.Name} is {(p.IsTerminating ? "terminating" : p.Phase)}"))));
        if (!slot.ShouldRun && live.Count > 0)
        {
            // the reconciler's own words: why no pod may start here, and whether running ones must go
            var n = state.Nodes[node];
            var reason = slot.ShouldContinueRunning
                ? $"no pod should be created here ({Reconciler.WhyNotRun(n, ds)}); a running pod may stay"
                : $"no pod should be created here ({Reconciler.WhyNotContinue(n, ds).Message}); running pods must go";
            differences.AddRange(live.Select(p => new PlacementDifference(DifferenceKinds.Misscheduled, reason, p.Name)));
        }
        var currentName = current.Revision?.ToString(CultureInfo.InvariantCulture) ?? current.Hash;
        foreach (var pod in live.Where(p => !ds.IsUpdated(p)))
        {
            long? number = pod.Hash is { } hash && revisions.TryGetValue(hash, out var r) ? r : null;
            var runs = number is { } known ? $"revision {known}" : $"hash {pod.Hash ?? "(none)"}, a revision no longer in the history";
            differences.Add(new(DifferenceKinds.Outdated, $"{pod.Name} runs {runs}; the current revision is {currentName}", pod.Name, number, current.Revision));
        }
        foreach (var pod in live.Where(p => !p.Ready))
            differences.Add(new(DifferenceKinds.NotReady, $"{pod.Name} is {pod.Phase} and not Ready", pod.Name));
        return new NodePlacement(node, slot.ShouldRun, slot.ShouldContinueRunning,
            live.Select(p => Inspection.Pod(p, ds, revisions)).ToList(), differences, next);
    }

    /// <summary>The DaemonSet's next sync at that point, by node.</summary>
    private static ILookup<string, PendingAction> Next(ClusterState state, DaemonSetState ds, LogPoint at)
    {
        var plan = Reconciler.Reconcile(state, at.Time ?? DateTimeOffset.UnixEpoch, ReconcileScope.ForDaemonSet(ds.Key));
        var pending = new List<(string Node, PendingAction Action)>();
        foreach (var action in plan.Actions.Where(a => a.DaemonSet == ds.Key))
        {
            if (action is CreatePod create)
            {
                pending.Add((create.Node, new PendingAction("create", action.Reason, action.Message, null)));
                continue;
            }
            var (verb, key) = action switch
            {
                DeletePod d => ("delete", d.Pod),
                OrphanPod o => ("orphan", o.Pod),
                AdoptPod p => ("adopt", p.Pod),
                RelabelPod l => ("relabel", l.Pod),
                _ => ("", null),
            };
            if (key is not null && state.Pods[key] is { TargetNode: { } node } pod)
                pending.Add((node, new PendingAction(verb, action.Reason, action.Message, pod.Name)));
        }
        return pending.ToLookup(p => p.Node, p => p.Action, StringComparer.Ordinal);
    }

    private static int Having(IEnumerable<NodePlacement> nodes, string kind) => nodes.Count(n => n.Differences.Any(d => d.Kind == kind));
}
