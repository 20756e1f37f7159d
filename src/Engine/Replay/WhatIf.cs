using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Reconciliation;
using EventEngine.State;

namespace EventEngine.Replay;

/// <summary>One event of the real log; Controller marks what the reconciler decided (it carries a reason).</summary>
public sealed record LoggedEvent(long Seq, Recorded Event, bool Controller);

/// <summary>One command of the real log: its events in order, when it ran, who ran it.</summary>
public sealed record LoggedCommand(IReadOnlyList<LoggedEvent> Events, DateTimeOffset At, string Correlation, string Actor)
{
    /// <summary>What the command itself recorded (not the controller's answer, not status writes).</summary>
    public IEnumerable<LoggedEvent> Roots => Events.Where(e => !e.Controller && e.Event.Event is not DaemonSetStatusChanged);
}

/// <summary>
/// A change to history: at a point (after the event at AfterSeq) something else is decided. Retroactive: the
/// DaemonSet's running pods are taken as made from its new template (no rollout), as if it had always been so.
/// </summary>
public sealed record Alteration(long AfterSeq, string Description, Func<ClusterState, DateTimeOffset, Func<Guid>, Decided> Decide,
    string? ReplacesDaemonSet = null, bool Retroactive = false);

/// <summary>A pod created or removed, by DaemonSet and node.</summary>
public sealed record PodChange(string DaemonSet, string? Node, string Pod, string? Reason);

/// <summary>What one real command did to placement, and what it did in the replay.</summary>
public sealed record ReplayStep(long Seq, DateTimeOffset At, string Correlation, string Actor, string Description,
    IReadOnlyList<PodChange> RealCreated, IReadOnlyList<PodChange> RealRemoved,
    IReadOnlyList<PodChange> ReplayCreated, IReadOnlyList<PodChange> ReplayRemoved,
    IReadOnlyList<string> Notes);

/// <summary>What the replay did; Refused names the alterations (by their index in the list given) that could not be made where they were asked for, and why.</summary>
public sealed record ReplayResult(IReadOnlyList<ReplayStep> Steps, ClusterState RealEnd, ClusterState ReplayEnd, int Commands,
    IReadOnlyList<(int Alteration, Failure Failure)> Refused);

/// <summary>
/// What-if replay, in memory: the real log's commands are replayed from a starting state with some history
/// altered, through the same fold and reconciler as the live engine, and each command's placement changes are set
/// beside the real ones. The controller's own events are never copied from the log: the replay decides its own.
/// </summary>
public static class WhatIf
{
    public static ReplayResult Run(ClusterState start, IReadOnlyList<LoggedCommand> commands, IReadOnlyList<Alteration> alterations,
        IReadOnlySet<long> removed, Func<Guid> newId)
    {
        var real = start;
        var replay = start;
        var steps = new List<ReplayStep>();
        var pending = alterations.Select((a, i) => (Alteration: a, Index: i)).OrderBy(a => a.Alteration.AfterSeq).ToList();
        var replaced = new Dictionary<string, long>(StringComparer.Ordinal);
        var refused = new List<(int, Failure)>();

        foreach (var command in commands)
        {
            var notes = new List<string>();
            var first = command.Events[0].Seq;
            var applied = new List<ReplayStep>();
            foreach (var alteration in pending.Where(a => a.Alteration.AfterSeq < first).ToList())
            {
                pending.Remove(alteration);
                applied.Add(Alter(ref replay, alteration, command.At, newId, replaced, refused));
            }
            steps.AddRange(applied.Where(s => s.ReplayCreated.Count + s.ReplayRemoved.Count > 0 || s.Notes.Count > 0));

            var realBefore = real;
            foreach (var e in command.Events) real = Fold.Evolve(real, e.Event);
            var (realCreated, realRemoved) = Changes(command.Events.Where(e => e.Controller).Select(e => e.Event.Event));

            // the controller's events are not copied: the replay decides its own
            var roots = new List<IEvent>();
            foreach (var (seq, e, _) in command.Roots)
            {
                if (removed.Contains(seq))
                {
                    notes.Add($"seq {seq} removed: {Descriptions.Of(e.Event, realBefore, real)}");
                    continue;
                }
                if (Subjects.DaemonSetOf(e.Event) is { } ds && EventTypes.SubjectOf(e.Event) == EventSubject.DaemonSet
                    && replaced.TryGetValue(ds, out var since) && seq > since)
                {
                    notes.Add($"seq {seq} skipped: {ds} is replaced in this replay");
                    continue;
                }
                if (Translate(e.Event, replay, notes) is { } translated) roots.Add(translated);
            }

            var replayBefore = replay;
            StepResult step;
            try
            {
                if (command.Roots.Any())
                {
                    var (folded, recorded) = Decide(replay, roots, command.At, notes, newId);
                    step = Steps.Settle(folded, recorded, command.At, newId);
                }
                else
                {
                    step = Steps.Tick(replay, command.At, newId);
                }
            }
            catch (InvalidOperationException e)
            {
                notes.Add($"could not replay: {e.Message}");
                step = Steps.Tick(replay, command.At, newId);
            }
            replay = step.State;
            var (replayCreated, replayRemoved) = Changes(step.Settled.Events.Select(e => e.Event.Event));

            if (realCreated.Count + realRemoved.Count + replayCreated.Count + replayRemoved.Count + notes.Count == 0) continue;
            var description = command.Roots.FirstOrDefault() is { } root ? Descriptions.Of(root.Event.Event, realBefore, real) : "time passed";
            steps.Add(new ReplayStep(first, command.At, command.Correlation, command.Actor, description,
                realCreated, realRemoved, replayCreated, replayRemoved, notes));
        }
        foreach (var alteration in pending)
        {
            var step = Alter(ref replay, alteration, commands.Count > 0 ? commands[^1].At : DateTimeOffset.UnixEpoch, newId, replaced, refused);
            steps.Add(step);
        }
        return new ReplayResult(steps, real, replay, commands.Count, refused);
    }

    private static ReplayStep Alter(ref ClusterState replay, (Alteration Alteration, int Index) pending, DateTimeOffset at, Func<Guid> newId,
        Dictionary<string, long> replaced, List<(int, Failure)> refused)
    {
        var alteration = pending.Alteration;
        var decided = alteration.Decide(replay, at, newId);
        var notes = new List<string> { "altered: " + alteration.Description };
        if (decided.Failure is { } failure)
        {
            // decided against the replay as it stands there: an object an earlier alteration created counts, one it removed does not
            refused.Add((pending.Index, failure));
            notes.Add("refused: " + failure.Detail);
            return new ReplayStep(alteration.AfterSeq, at, "replay", "replay", alteration.Description, [], [], [], [], notes);
        }
        StepResult step;
        if (alteration.Retroactive && alteration.ReplacesDaemonSet is { } key)
        {
            var folded = Fold.EvolveAll(replay, decided.Events.Select(e => new Recorded(newId(), at, e)));
            var settled = Settler.Settle(AsIfAlways(folded, key), at, ReconcileScope.All, newId);
            step = new StepResult(settled.State, [], settled);
        }
        else
        {
            step = Steps.Run(replay, decided.Events, at, newId);
        }
        replay = step.State;
        if (alteration.ReplacesDaemonSet is { } ds) replaced[ds] = alteration.AfterSeq;
        var (created, removedPods) = Changes(step.Settled.Events.Select(e => e.Event.Event));
        return new ReplayStep(alteration.AfterSeq, at, "replay", "replay", alteration.Description, [], [], created, removedPods, notes);
    }

    /// <summary>
    /// The DaemonSet's live pods carry its current template (revision hash, template generation, tolerations), as
    /// if they had been created from it: what "had it always been like this" means for pods already running.
    /// </summary>
    public static ClusterState AsIfAlways(ClusterState s, string daemonSet)
    {
        if (!s.DaemonSets.TryGetValue(daemonSet, out var ds)) return s;
        var pods = s.Pods;
        foreach (var pod in s.Pods.Values.Where(p => ds.Owns(p) && p.IsLive))
            pods = pods.SetItem(pod.Key, PodStamp.Restamp(pod, ds));
        return Fold.Reindex(s with { Pods = pods });
    }

    /// <summary>
    /// DaemonSet facts are decided again (their revision numbering may differ here); everything else is a fact as is.
    /// Each is folded as it is decided (a later one may depend on it), so the state after them comes back with them.
    /// </summary>
    private static (ClusterState Folded, List<Recorded> Recorded) Decide(ClusterState s, List<IEvent> roots, DateTimeOffset at, List<string> notes, Func<Guid> newId)
    {
        var events = new List<Recorded>();
        foreach (var e in roots)
        {
            var decided = e switch
            {
                DaemonSetCreated x => DaemonSetDecisions.Create(s, x.Object, at, newId),
                DaemonSetUpdated x => DaemonSetDecisions.Replace(s, x.DaemonSet, x.Object with { Metadata = x.Object.Metadata! with { Uid = null } }),
                DaemonSetRolledBack x => DaemonSetDecisions.Replace(s, x.DaemonSet, x.Object with { Metadata = x.Object.Metadata! with { Uid = null } }),
                DaemonSetDeleted x => DaemonSetDecisions.Delete(s, x.DaemonSet, x.PropagationPolicy),
                _ => Decided.Of(e),
            };
            if (decided.Failure is { } failure)
            {
                notes.Add($"not replayed: {failure.Detail}");
                continue;
            }
            foreach (var d in decided.Events)
            {
                try
                {
                    var recorded = new Recorded(newId(), at, d);
                    s = Fold.Evolve(s, recorded);
                    events.Add(recorded);
                }
                catch (InvalidOperationException)
                {
                    notes.Add($"not replayed: {EventTypes.NameOf(d)} refers to an object the replay does not have");
                }
            }
        }
        return (s, events);
    }

    /// <summary>
    /// Node-agent reports and deletes name real pods; where the replay has no pod of that name, the report goes to
    /// the replay's pod of the same DaemonSet on the same node (the one that would have been there).
    /// </summary>
    private static IEvent? Translate(IEvent e, ClusterState replay, List<string> notes)
    {
        var pod = Subjects.PodOf(e);
        if (pod is null || e is PodRegistered || replay.Pods.ContainsKey(pod)) return e;
        var ds = Subjects.DaemonSetOf(e);
        var node = Subjects.NodeOf(e);
        var candidates = node is null ? replay.Pods.Values.Where(p => p.TargetNode is null) : replay.PodsOn(node);
        var stand = candidates.Where(p => p.IsLive && PodDecisions.DaemonSetOf(replay, p) == ds)
            .OrderBy(p => p.CreatedAt).ThenBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
        if (stand is null)
        {
            notes.Add($"{EventTypes.NameOf(e)} for pod {pod} skipped: the replay has no pod of {ds} on {node}");
            return null;
        }
        return e switch
        {
            PodStatusObserved x => x with { Pod = stand.Name },
            PodDeleted x => x with { Pod = stand.Name },
            PodLabelsChanged x => x with { Pod = stand.Name },
            PodTerminating x => x with { Pod = stand.Name },
            _ => null,
        };
    }

    private static (List<PodChange> Created, List<PodChange> Removed) Changes(IEnumerable<IEvent> controllerEvents)
    {
        var created = new List<PodChange>();
        var removed = new List<PodChange>();
        foreach (var e in controllerEvents)
        {
            if (e is PodCreated c) created.Add(new PodChange(c.DaemonSet, c.Node, c.Pod, null));
            else if (e is PodDeleted { DaemonSet: { } ds } d) removed.Add(new PodChange(ds, d.Node, d.Pod, d.Reason));
        }
        return (created, removed);
    }
}
