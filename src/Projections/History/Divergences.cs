using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Reconciliation;
using EventEngine.Runtime;
using EventEngine.State;
using FluentValidation;
using MediatR;

namespace EventEngine.Projections.History;

/// <summary>
/// GET /engine/v1/divergences?from=&amp;to=&amp;daemonset=&amp;node=&amp;minSeconds=: where the cluster's placement differed
/// from what Kubernetes' DaemonSet rules say, and for how long. Above all for a recorded cluster (Observe mode), whose
/// controller is not the engine's.
/// </summary>
public sealed record FindDivergences(string? From, string? To, string? DaemonSet, string? Node, double MinSeconds) : IRequest<Inspected<DivergenceReport>>;

public sealed class FindDivergencesValidator : AbstractValidator<FindDivergences>
{
    public FindDivergencesValidator()
    {
        RuleFor(q => q.DaemonSet).MustBeDaemonSetKey().When(q => q.DaemonSet is not null);
        RuleFor(q => q.Node).MustBeNodeName().When(q => q.Node is not null);
    }
}

/// <summary>The window read, and the divergences in it by the point they began.</summary>
public sealed record DivergenceReport(LogPoint From, LogPoint To, IReadOnlyList<Divergence> Items);

/// <summary>
/// One divergence: a node that should run the DaemonSet's pod and had no live one (missing), live pods on a node
/// they may not continue on (misscheduled: a NoExecute taint not tolerated, a selector or affinity no longer matched),
/// or a rolling update that went over its budget (maxUnavailableExceeded: an available old pod deleted, on Node, while
/// as many desired nodes as maxUnavailable allows already had no available pod; it lasts until no more than that many
/// have none).
/// Since is where it began (StartedBefore: already at the window's start), Until where it ended (null: still at the
/// window's end); Seconds is how long it lasted up to Until, or, still open, up to now (at the head of the log) or the
/// window's end (an earlier "to"). Cause is the command after which it
/// began (null when it began before the window).
/// </summary>
public sealed record Divergence(
    string DaemonSet, string Node, string Kind, string Reason, LogPoint Since, bool StartedBefore, LogPoint? Until, double Seconds,
    DivergenceCause? Cause);

/// <summary>The command after which a divergence began: its first event, who made it, and what it did.</summary>
public sealed record DivergenceCause(long Seq, string Type, string Actor, string Description);

public sealed class FindDivergencesHandler(TimeTravel travel, ReplayOptions options, TimeProvider clock) : IRequestHandler<FindDivergences, Inspected<DivergenceReport>>
{
    public async Task<Inspected<DivergenceReport>> Handle(FindDivergences q, CancellationToken ct)
    {
        using var timing = EngineMetrics.TimeTravel("divergences");
        long from, to;
        try
        {
            to = await travel.ResolveAsync(q.To, ct, "to");
            from = string.IsNullOrEmpty(q.From) ? Math.Max(0, to - options.MaxEvents) : await travel.ResolveAsync(q.From, ct, "from");
        }
        catch (FormatException e)
        {
            return Failure.Malformed(e.Message, e is InvalidAtException at ? at.Field : "from");
        }
        if (to < from) return Failure.Invalid("divergences", "to", $"Invalid value: {to}: must not be before from ({from})");
        if (to - from > options.MaxEvents)
            return Failure.Invalid("divergences", "to",
                $"Invalid value: {to}: the window from {from} holds up to {to - from} events; at most {options.MaxEvents} are read at once (Engine:Limits:ReplayEvents): narrow it with from and to");
        if (!double.IsFinite(q.MinSeconds) || q.MinSeconds < 0)
            return Failure.Invalid("divergences", "minSeconds", $"Invalid value: {q.MinSeconds}: must be a number of seconds, not negative");

        // one still open at the head of the log has lasted until now; at an earlier "to", until that point
        return await ScanAsync(travel, from, to, q, string.IsNullOrEmpty(q.To) ? clock.GetUtcNow() : null, ct);
    }

    /// <summary>
    /// The divergences of the window (from, to]: the state at from folded event by event, a divergence opened and closed
    /// per command. One still open at the end has lasted until <paramref name="openUntil"/>, or else until to's time.
    /// </summary>
    public static async Task<DivergenceReport> ScanAsync(TimeTravel travel, long from, long to, FindDivergences q, DateTimeOffset? openUntil, CancellationToken ct)
    {
        var start = new LogPoint(from, await travel.TimeOfAsync(from, ct));
        var state = await travel.StateAtAsync(from, ct);
        var open = new Dictionary<(string DaemonSet, string Node, string Kind), Divergence>();
        var closed = new List<Divergence>();
        foreach (var (key, reason) in All(state, q))
            open[key] = new Divergence(key.Item1, key.Item2, key.Item3, reason, start, true, null, 0, null);

        var end = start;
        var group = new List<(StoredEventInfo Info, IEvent Event)>();
        var overBudget = new List<((string, string, string) Key, string Reason)>();
        string? correlation = null;
        var before = state;
        void CloseGroup()
        {
            if (group.Count == 0) return;
            var at = group[^1].Info.Point;
            var touched = Touched(state, before, group.Select(g => g.Event));
            var now = new Dictionary<(string, string, string), string>();
            foreach (var (ds, node) in touched)
                foreach (var (key, reason) in At(state, ds, node, q))
                    now[key] = reason;
            foreach (var (key, reason) in overBudget) now.TryAdd(key, reason);
            bool Ended((string DaemonSet, string Node, string Kind) k) => k.Kind == OverBudgetKind
                ? !now.ContainsKey(k) && WithinBudget(state, k.DaemonSet, at.Time ?? DateTimeOffset.UnixEpoch)
                : touched.Contains((k.DaemonSet, k.Node)) && !now.ContainsKey(k);
            foreach (var key in open.Keys.Where(Ended).ToList())
            {
                closed.Add(open[key] with { Until = at });
                open.Remove(key);
            }
            var first = group[0];
            foreach (var (key, reason) in now.Where(n => !open.ContainsKey(n.Key)))
                open[key] = new Divergence(key.Item1, key.Item2, key.Item3, reason, at, false, null, 0,
                    new DivergenceCause(first.Info.Point.Seq, EventTypes.NameOf(first.Event), first.Info.Actor, Descriptions.Of(first.Event, before, state)));
            end = at;
            group.Clear();
            overBudget.Clear();
            before = state;
        }
        var unavailable = new Unavailability();
        await foreach (var (stored, recorded) in travel.ReadAsync(from, to, ct))
        {
            if (stored.Metadata.CorrelationId != correlation) CloseGroup();
            correlation = stored.Metadata.CorrelationId;
            if (OverBudget(state, recorded.Event, stored.RecordedAt, q, unavailable) is { } broke) overBudget.Add(broke);
            var next = Fold.Evolve(state, recorded);
            unavailable.Moved(state, next, recorded.Event);
            state = next;
            group.Add((new StoredEventInfo(new LogPoint(stored.Seq, stored.RecordedAt), stored.Metadata.Actor), recorded.Event));
        }
        CloseGroup();
        var last = new LogPoint(to, await travel.TimeOfAsync(to, ct));
        var until = openUntil ?? last.Time ?? DateTimeOffset.UnixEpoch;
        double Seconds(Divergence d) => ((d.Until?.Time ?? until) - (d.Since.Time ?? DateTimeOffset.UnixEpoch)).TotalSeconds;
        var items = closed.Concat(open.Values)
            .Select(d => d with { Seconds = Math.Round(Seconds(d), 6) })
            .Where(d => d.Seconds >= q.MinSeconds)
            .OrderBy(d => d.Since.Seq).ThenBy(d => d.DaemonSet, StringComparer.Ordinal).ThenBy(d => d.Node, NaturalOrder.Instance).ThenBy(d => d.Kind, StringComparer.Ordinal)
            .ToList();
        return new DivergenceReport(start, last, items);
    }

    private sealed record StoredEventInfo(LogPoint Point, string Actor);

    /// <summary>Every divergence of a state (the slots of every DaemonSet asked about).</summary>
    private static IEnumerable<((string, string, string) Key, string Reason)> All(ClusterState s, FindDivergences q) =>
        s.DaemonSets.Values.Where(ds => q.DaemonSet is null || ds.Key == q.DaemonSet)
            .SelectMany(ds => ds.Slots.Keys.Where(n => q.Node is null || n == q.Node).SelectMany(n => At(s, ds.Key, n, q)));

    /// <summary>The divergences of one DaemonSet on one node: what the reconciler's podsShouldBeOnNode would act on.</summary>
    private static IEnumerable<((string, string, string) Key, string Reason)> At(ClusterState s, string daemonSet, string node, FindDivergences q) =>
        (q.DaemonSet is not null && daemonSet != q.DaemonSet) || (q.Node is not null && node != q.Node) ? [] : At(s, daemonSet, node);

    /// <summary>The divergences of one DaemonSet on one node in a state (missing, misscheduled), each with why.</summary>
    public static IEnumerable<((string DaemonSet, string Node, string Kind) Key, string Reason)> At(ClusterState s, string daemonSet, string node)
    {
        if (!s.DaemonSets.TryGetValue(daemonSet, out var ds) || !s.Nodes.TryGetValue(node, out var n)) yield break;
        var slot = ds.SlotOf(node);
        var live = slot.Pods.Select(k => s.Pods[k]).Where(p => p.IsLive).ToList();
        if (slot.ShouldRun && live.Count == 0)
            yield return ((daemonSet, node, DifferenceKinds.Missing), "a pod should run here and none is live");
        if (!slot.ShouldContinueRunning && live.Count > 0)
            yield return ((daemonSet, node, DifferenceKinds.Misscheduled),
                $"{string.Join(", ", live.Select(p => p.Name))} may not continue here: {Reconciler.WhyNotContinue(n, ds).Message}");
    }

    public const string OverBudgetKind = "maxUnavailableExceeded";

    /// <summary>
    /// A deletion that took a rolling update over its maxUnavailable budget, judged on the state just before it: an old
    /// pod, available, the only available pod of its node, deleted while as many desired nodes as the budget allows
    /// already had no available pod. The rule of rollingUpdate, which deletes an available old pod only within the budget.
    /// </summary>
    private static ((string, string, string) Key, string Reason)? OverBudget(ClusterState before, IEvent e, DateTimeOffset now, FindDivergences q,
        Unavailability unavailability)
    {
        if (e is not PodDeleted { DaemonSet: { } key, Node: { } node } deleted || (q.DaemonSet is not null && key != q.DaemonSet) || (q.Node is not null && node != q.Node)
            || !before.DaemonSets.TryGetValue(key, out var ds) || !ds.IsRollingUpdate
            || !before.Pods.TryGetValue(deleted.Namespace + "/" + deleted.Pod, out var pod) || ds.IsUpdated(pod) || !pod.IsLive
            || !pod.IsAvailable(ds.MinReadySeconds, now)
            || ds.SlotOf(node) is not { ShouldRun: true } slot || slot.Pods.Any(k => k != pod.Key && Unavailability.Available(before, ds, k, now)))
            return null;
        var budget = Budget(ds);
        var unavailable = unavailability.Of(before, ds, now);
        if (unavailable < budget) return null;
        return ((key, node, OverBudgetKind),
            $"{pod.Name} (an old pod, available) was deleted while {unavailable} of {ds.Counts.Desired} nodes had no available pod: maxUnavailable allows {budget}");
    }

    /// <summary>Whether a DaemonSet (or its absence) no longer exceeds its budget: at most maxUnavailable desired nodes without an available pod.</summary>
    private static bool WithinBudget(ClusterState s, string key, DateTimeOffset now) =>
        !s.DaemonSets.TryGetValue(key, out var ds) || !ds.IsRollingUpdate || Unavailability.Count(s, ds, now) <= Budget(ds);

    /// <summary>rollingUpdate's maxUnavailable, scaled to the desired nodes (1 when both budgets are 0, as the controller takes it).</summary>
    private static int Budget(DaemonSetState ds)
    {
        var desired = ds.Counts.Desired;
        var budget = ds.MaxUnavailable(desired);
        return desired > 0 && budget == 0 && ds.MaxSurge(desired) == 0 ? 1 : budget;
    }

    /// <summary>The (DaemonSet, node) pairs a command may have changed the answer for.</summary>
    private static HashSet<(string, string)> Touched(ClusterState after, ClusterState before, IEnumerable<IEvent> events)
    {
        var pairs = new HashSet<(string, string)>();
        void AllNodesOf(string ds)
        {
            foreach (var s in new[] { before, after })
                if (s.DaemonSets.TryGetValue(ds, out var d))
                    foreach (var node in d.Slots.Keys) pairs.Add((ds, node));
        }
        foreach (var e in events)
        {
            // a status report, a pruned or renamed revision: no node's answer or pods change
            if (e is DaemonSetStatusChanged or DaemonSetRevisionsPruned or DaemonSetRevisionsDeduplicated or DaemonSetRevisionObserved) continue;
            var node = Subjects.NodeOf(e);
            var ds = Subjects.DaemonSetOf(e);
            if (Subjects.PodOf(e) is not null)
            {
                if (ds is not null && node is not null) pairs.Add((ds, node));
                else if (node is not null)
                    foreach (var d in after.DaemonSets.Keys) pairs.Add((d, node));
            }
            else if (ds is not null) AllNodesOf(ds);
            else if (node is not null)
                foreach (var d in after.DaemonSets.Keys.Concat(before.DaemonSets.Keys)) pairs.Add((d, node));
        }
        return pairs;
    }
}
