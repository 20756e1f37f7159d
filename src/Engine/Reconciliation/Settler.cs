using System.Collections.Immutable;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Revisions;
using EventEngine.State;

namespace EventEngine.Reconciliation;

/// <summary>An event the controller decided, with its reason (a word and a sentence).</summary>
public sealed record Emitted(Recorded Event, string? ReasonCode, string? ReasonMessage);

/// <summary>The settled state after a step, the events that got it there, and when time alone changes it next.</summary>
public sealed record SettleResult(ClusterState State, IReadOnlyList<Emitted> Events, DateTimeOffset? WakeAt, IReadOnlyList<string> Warnings);

/// <summary>
/// The settle loop: reconcile, turn the plan into events (the thin executor), fold them, and reconcile again
/// until nothing changes; then write each touched DaemonSet's status if it changed. Pure: ids come from
/// the caller's id source, time from the caller's clock.
/// </summary>
public static class Settler
{
    /// <summary>A step that does not settle in this many syncs is a bug, not a slow cluster.</summary>
    public const int MaxSyncs = 200;

    public static SettleResult Settle(ClusterState state, DateTimeOffset now, ReconcileScope scope, Func<Guid> newId)
    {
        var emitted = new List<Emitted>();
        var warnings = new List<string>();
        DateTimeOffset? wake = null;
        var statusScope = scope;
        for (var sync = 0; ; sync++)
        {
            if (sync == MaxSyncs) throw new InvalidOperationException($"reconcile did not settle after {MaxSyncs} syncs");
            var plan = Reconciler.Reconcile(state, now, scope);
            wake = Plan.Earliest(wake, plan.WakeAt);
            warnings.AddRange(plan.Warnings);
            if (plan.IsEmpty) break;
            var events = Execute(state, plan, now, newId);
            state = Fold.EvolveAll(state, events.Select(e => e.Event));
            emitted.AddRange(events);
            // Keep what was in scope: a DaemonSet whose sync stopped after claiming still has its manage to do.
            scope = scope.Union(ReconcileScope.Of(events.Select(e => e.Event.Event)));
            statusScope = scope;
        }

        foreach (var key in state.DaemonSets.Keys.Order(StringComparer.Ordinal))
        {
            if (!statusScope.Syncs(key)) continue;
            var ds = state.DaemonSets[key];
            var status = Status.Compute(state, ds, now, out var changesAt);
            wake = Plan.Earliest(wake, changesAt);
            if (status == ds.Status) continue;
            var e = new Emitted(new Recorded(newId(), now, new DaemonSetStatusChanged(key, status)), null, null);
            state = Fold.Evolve(state, e.Event);
            emitted.Add(e);
        }
        return new SettleResult(state, emitted, wake, warnings);
    }


    /// <summary>The executor: each action becomes one event carrying the action's cause and reason.</summary>
    private static List<Emitted> Execute(ClusterState s, Plan plan, DateTimeOffset now, Func<Guid> newId)
    {
        var events = new List<Emitted>(plan.Actions.Count);
        var names = new PodNames(s);
        var labels = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var action in plan.Actions)
        {
            IEvent e = action switch
            {
                CreatePod c => NewPod(s.DaemonSets[c.DaemonSet!], c.Node, names, labels),
                DeletePod d => s.Pods[d.Pod] is var p ? new PodDeleted(d.DaemonSet, p.Namespace, p.Name, p.TargetNode, d.Reason) : null!,
                AdoptPod a => s.Pods[a.Pod] is var p ? new PodAdopted(a.DaemonSet!, s.DaemonSets[a.DaemonSet!].Uid, p.Namespace, p.Name, p.TargetNode, p.Hash) : null!,
                OrphanPod o => s.Pods[o.Pod] is var p ? new PodOrphaned(o.DaemonSet!, p.Namespace, p.Name, p.TargetNode, o.Reason) : null!,
                PruneRevisions r => new DaemonSetRevisionsPruned(r.DaemonSet!, r.Revisions),
                RelabelPod l => s.Pods[l.Pod] is var p
                    ? new PodLabelsChanged(l.DaemonSet, p.Namespace, p.Name, p.TargetNode, p.Labels.SetItem(WellKnown.RevisionHashLabel, l.Hash))
                    : null!,
                DeduplicateRevisions d => new DaemonSetRevisionsDeduplicated(d.DaemonSet!, d.Kept, d.Removed),
                _ => throw new InvalidOperationException($"no executor for {action.GetType().Name}"),
            };
            events.Add(new Emitted(new Recorded(newId(), now, e, action.Cause), action.Reason, action.Message));
        }
        return events;
    }

    /// <summary>A pod stamped from the DaemonSet's current template; the DaemonSet's pods of one step share one immutable label map.</summary>
    private static PodCreated NewPod(DaemonSetState ds, string node, PodNames names, Dictionary<string, IReadOnlyDictionary<string, string>> labels)
    {
        if (!labels.TryGetValue(ds.Key, out var podLabels)) labels[ds.Key] = podLabels = PodStamp.Labels(ds);
        return new PodCreated(ds.Key, ds.Namespace, names.Next(ds), node, ds.Uid, ds.CurrentHash, ds.TemplateGeneration,
            podLabels, PodStamp.Tolerations(ds));
    }

    /// <summary>
    /// Pod names as GenerateName would give them (name-xxxxx), but derived from the DaemonSet's uid and a counter
    /// so that a replay names pods exactly as the live run did.
    /// </summary>
    private sealed class PodNames(ClusterState s)
    {
        private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _counters = new(StringComparer.Ordinal);

        public string Next(DaemonSetState ds)
        {
            var counter = _counters.GetValueOrDefault(ds.Key, ds.PodsCreated);
            while (true)
            {
                var name = $"{ds.Name}-{TemplateHash.Compute($"{ds.Uid}/{counter++}").PadRight(5, 'b')[..5]}";
                if (s.Pods.ContainsKey(ds.Namespace + "/" + name) || !_taken.Add(name)) continue;
                _counters[ds.Key] = counter;
                return name;
            }
        }
    }
}
