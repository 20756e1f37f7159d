using EventEngine.Events;
using EventEngine.Placement;
using EventEngine.State;

namespace EventEngine.Reconciliation;

/// <summary>
/// Reconcile(state, now, scope) -> plan: the Kubernetes DaemonSet controller (with the garbage collector, pod GC
/// and taint-eviction duties it relies on) as a pure function. One call is one sync of every DaemonSet in scope:
/// claim pods, then manage (one pod per desired node), then, only if manage had nothing to do, the rolling
/// update, then history cleanup. Applying the plan and calling again converges (see <see cref="Settler"/>).
/// </summary>
public static partial class Reconciler
{
    public static Plan Reconcile(ClusterState s, DateTimeOffset now, ReconcileScope scope)
    {
        var plan = new PlanBuilder(now);
        CollectGarbage(s, scope, plan);
        foreach (var key in s.DaemonSets.Keys.Order(StringComparer.Ordinal))
            if (scope.Syncs(key)) Sync(s, s.DaemonSets[key], scope, plan);
        return plan.Build();
    }

    private static void Sync(ClusterState s, DaemonSetState ds, ReconcileScope scope, PlanBuilder plan)
    {
        var before = plan.Count;
        Claim(s, ds, plan);
        if (plan.Count > before) return;
        // duplicates only arrive with the DaemonSet's own events (adoption, a template change), which sync all of it
        if (scope.AllNodesOf(ds.Key)) DeduplicateRevisions(s, ds, plan);
        if (plan.Count > before) return;
        Manage(s, ds, scope, plan);
        if (plan.Count > before) return;
        if (ds.IsRollingUpdate && ds.Counts.OldNodes > 0) RollingUpdate(s, ds, plan);
        if (plan.Count > before) return;
        CleanupHistory(s, ds, plan);
    }

    /// <summary>ClaimPods: release owned pods whose labels left the selector, adopt matching orphans.</summary>
    private static void Claim(ClusterState s, DaemonSetState ds, PlanBuilder plan)
    {
        foreach (var key in s.Unclaimed.Order(StringComparer.Ordinal))
        {
            var pod = s.Pods[key];
            if (pod.Namespace != ds.Namespace || plan.Touched(key)) continue;
            var matches = LabelSelectors.Matches(ds.Selector, pod.Labels);
            if (ds.Owns(pod) && !matches)
                plan.Add(new OrphanPod(ds.Key, key, PodReasons.SelectorMismatch,
                    $"labels no longer match selector {LabelSelectors.Describe(ds.Selector)}", pod.LabelsCause));
            else if (pod.Controller is null && matches && !pod.IsTerminating)
                plan.Add(new AdoptPod(ds.Key, key, PodReasons.Adopted,
                    $"orphan pod matches selector {LabelSelectors.Describe(ds.Selector)}", ds.SpecCause));
        }
    }

    /// <summary>
    /// What the garbage collector, the pod GC and the taint-eviction controller would do: pods of a deleted
    /// DaemonSet are deleted (Background) or orphaned (Orphan); pods on nodes that are gone are deleted; pods whose
    /// NoExecute toleration ran out are evicted.
    /// </summary>
    private static void CollectGarbage(ClusterState s, ReconcileScope scope, PlanBuilder plan)
    {
        foreach (var key in s.Unclaimed.Order(StringComparer.Ordinal))
        {
            var pod = s.Pods[key];
            if (pod.Controller is not { Kind: "DaemonSet", Uid: { } uid } owner || s.DaemonSetsByUid.ContainsKey(uid)) continue;
            if (s.DeletedOwners.TryGetValue(uid, out var deleted))
            {
                if (deleted.PropagationPolicy == DeletionPolicy.Orphan)
                    plan.Add(new OrphanPod(deleted.DaemonSet, key, PodReasons.DaemonSetDeleted, "its DaemonSet was deleted with propagationPolicy=Orphan", deleted.Cause));
                else
                    plan.Add(new DeletePod(deleted.DaemonSet, key, PodReasons.DaemonSetDeleted, "its DaemonSet was deleted", deleted.Cause));
            }
            else
            {
                plan.Add(new DeletePod(null, key, PodReasons.OwnerNotFound, $"its owner DaemonSet {owner.Name} (uid {uid}) does not exist", pod.Origin));
            }
        }

        var nodes = scope.Everything ? s.PodsByNode.Keys.Concat(s.Nodes.Keys).Distinct() : scope.AllNodes;
        foreach (var node in nodes.Order(StringComparer.Ordinal))
        {
            if (!s.Nodes.TryGetValue(node, out var n))
            {
                var cause = s.RemovedNodes.TryGetValue(node, out var removed) ? removed : (Guid?)null;
                foreach (var pod in s.PodsOn(node).OrderBy(p => p.Name, StringComparer.Ordinal))
                    plan.Add(new DeletePod(s.DaemonSetByUid(pod.Controller?.Uid)?.Key, pod.Key, PodReasons.NodeRemoved, $"node {node} does not exist", cause));
                continue;
            }
            EvictExpiredTolerations(s, n, plan);
        }
    }

    private static void EvictExpiredTolerations(ClusterState s, NodeState node, PlanBuilder plan)
    {
        var noExecute = node.Taints.Where(t => t.Effect == Tolerations.NoExecute).ToList();
        if (noExecute.Count == 0) return;
        foreach (var pod in s.PodsOn(node.Name).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (pod.IsTerminating) continue;
            var ds = s.DaemonSetByUid(pod.Controller?.Uid);
            // The DaemonSet controller itself deletes its pods that may not continue running there.
            if (ds is not null && !ds.SlotOf(node.Name).ShouldContinueRunning && ds.SlotOf(node.Name).Pods.Contains(pod.Key)) continue;
            if (Tolerations.EvictionDeadline(pod.Tolerations, noExecute, pod.CreatedAt) is not { } deadline) continue;
            if (deadline > plan.Now)
            {
                plan.WakeUpAt(deadline);
                continue;
            }
            var taints = string.Join(", ", noExecute);
            var immediate = deadline == pod.CreatedAt && noExecute.Any(t => Tolerations.FirstTolerating(pod.Tolerations, t) is null);
            plan.Add(new DeletePod(ds?.Key, pod.Key, immediate ? PodReasons.NoExecuteTaint : PodReasons.TolerationExpired,
                immediate ? $"taint {taints} is not tolerated" : $"toleration of NoExecute taint {taints} expired",
                node.TaintsCause));
        }
    }

    /// <summary>
    /// dedupCurHistories: when several revisions hold the current template, keep the current one (the highest
    /// number), relabel every pod of the DaemonSet that carries another hash to its hash, as Kubernetes does
    /// (pods of older templates included), then delete the others.
    /// </summary>
    private static void DeduplicateRevisions(ClusterState s, DaemonSetState ds, PlanBuilder plan)
    {
        var current = s.RevisionsOf(ds).Where(r => r.Template.Equals(ds.Template)).ToList();
        if (current.Count < 2) return;
        var keep = Revisions.RevisionHistory.Keep(current);
        foreach (var pod in s.Pods.Values.Where(p => ds.Owns(p) && p.Hash != keep.Hash)
                     .OrderBy(p => p.Name, StringComparer.Ordinal))
            plan.Add(new RelabelPod(ds.Key, pod.Key, keep.Hash, PodReasons.RevisionDeduplicated,
                $"revision {keep.Name} is kept for the current template", ds.RevisionCause));
        plan.Add(new DeduplicateRevisions(ds.Key, keep.Name,
            current.Where(r => r != keep).Select(r => r.Name).Order(StringComparer.Ordinal).ToList(), ds.RevisionCause));
    }

    /// <summary>
    /// cleanupHistory: drop the oldest old revisions beyond the limit, keeping any a pod the DaemonSet owns still
    /// carries. The pods its slots hold and its unclaimed pods are looked at first; every pod is scanned only when
    /// those leave a revision to drop. An OnDelete DaemonSet with revisionHistoryLimit 0 keeps an old revision that its
    /// pods carry, and syncs with one beyond the limit every time: without the first look, each sync scanned the cluster.
    /// </summary>
    private static void CleanupHistory(ClusterState s, DaemonSetState ds, PlanBuilder plan)
    {
        var old = s.RevisionsOf(ds).Where(r => r.Hash != ds.CurrentHash).ToList();
        var toKill = old.Count - ds.RevisionHistoryLimit;
        if (toKill <= 0) return;
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slot in ds.Slots.Values)
            foreach (var key in slot.Pods)
                if (s.Pods.TryGetValue(key, out var p) && p.Hash is { } hash) live.Add(hash);
        foreach (var key in s.Unclaimed)
            if (s.Pods.TryGetValue(key, out var p) && ds.Owns(p) && p.Hash is { } hash) live.Add(hash);
        if (Prunable(old, live, toKill).Count == 0) return;

        // the pods neither looked at (owned, selected, terminal and being deleted) may carry one of those
        live = s.Pods.Values.Where(p => ds.Owns(p) && p.Hash is not null).Select(p => p.Hash!).ToHashSet(StringComparer.Ordinal);
        var prune = Prunable(old, live, toKill);
        if (prune.Count > 0) plan.Add(new PruneRevisions(ds.Key, prune, ds.RevisionCause));
    }

    /// <summary>The numbers of the oldest <paramref name="toKill"/> old revisions no live pod carries.</summary>
    private static List<long> Prunable(List<RevisionState> old, HashSet<string> live, int toKill)
    {
        var prune = new List<long>();
        foreach (var revision in old)
        {
            if (toKill == 0) break;
            if (live.Contains(revision.Hash)) continue;
            prune.Add(revision.Number);
            toKill--;
        }
        return prune;
    }

    /// <summary>Availability of a pod, remembering when a ready pod will become available.</summary>
    private static bool Available(PodState pod, DaemonSetState ds, PlanBuilder plan)
    {
        if (pod.IsAvailable(ds.MinReadySeconds, plan.Now)) return true;
        if (pod.AvailableAt(ds.MinReadySeconds) is { } at) plan.WakeUpAt(at);
        return false;
    }
}
