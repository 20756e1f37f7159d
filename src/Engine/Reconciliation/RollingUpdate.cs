using EventEngine.Events;
using EventEngine.State;

namespace EventEngine.Reconciliation;

public static partial class Reconciler
{
    /// <summary>
    /// rollingUpdate: replace old pods within the budgets. Nodes are visited in natural name order (Kubernetes
    /// visits them in Go map order), so how many pods move per step is Kubernetes', and which is deterministic.
    /// </summary>
    private static void RollingUpdate(ClusterState s, DaemonSetState ds, PlanBuilder plan)
    {
        var desired = ds.Counts.Desired;
        var maxSurge = ds.MaxSurge(desired);
        var maxUnavailable = ds.MaxUnavailable(desired);
        // The API never stores 0/0, but an impossible configuration must still make progress.
        if (desired > 0 && maxSurge == 0 && maxUnavailable == 0) maxUnavailable = 1;
        // nodeToDaemonPods: the nodes that hold the DaemonSet's pods, and the desired nodes (empty entries)
        var nodes = SlotNodes(s, ds).Where(node => ds.Slots[node] is { } slot && (slot.ShouldRun || !slot.Pods.IsEmpty)).ToList();
        if (maxSurge == 0) ReplaceWithinUnavailability(s, ds, nodes, maxUnavailable, plan);
        else Surge(s, ds, nodes, maxSurge, desired, plan);
    }

    /// <summary>findUpdatedPodsOnNode: the node's one new and one old pod; not ok when either is duplicated.</summary>
    private static (PodState? New, PodState? Old, bool Ok) UpdatedPodsOn(ClusterState s, DaemonSetState ds, NodeSlot slot)
    {
        PodState? newPod = null, oldPod = null;
        foreach (var key in slot.Pods)
        {
            var pod = s.Pods[key];
            if (pod.IsTerminating) continue;
            if (ds.IsUpdated(pod))
            {
                if (newPod is not null) return (null, null, false);
                newPod = pod;
            }
            else
            {
                if (oldPod is not null) return (null, null, false);
                oldPod = pod;
            }
        }
        return (newPod, oldPod, true);
    }

    private static void ReplaceWithinUnavailability(ClusterState s, DaemonSetState ds, List<string> nodes, int maxUnavailable, PlanBuilder plan)
    {
        var unavailable = 0;
        var replacements = new List<PodState>();
        var candidates = new List<PodState>();
        foreach (var node in nodes)
        {
            var (newPod, oldPod, ok) = UpdatedPodsOn(s, ds, ds.Slots[node]);
            if (!ok || (oldPod is null) == (newPod is null))
            {
                // Duplicates (manage prunes them), no pod yet, or a replacement under way: unavailable.
                unavailable++;
            }
            else if (newPod is not null)
            {
                if (!Available(newPod, ds, plan)) unavailable++;
            }
            else if (!Available(oldPod!, ds, plan))
            {
                // An old pod that is not available anyway is replaced whatever the budget.
                replacements.Add(oldPod!);
                unavailable++;
            }
            else if (unavailable < maxUnavailable)
            {
                candidates.Add(oldPod!);
            }
        }
        var room = Math.Clamp(maxUnavailable - unavailable, 0, candidates.Count);
        foreach (var pod in replacements)
            plan.Add(Replace(s, ds, pod, "old pod is not available; replaced outside the maxUnavailable budget"));
        foreach (var pod in candidates.Take(room))
            plan.Add(Replace(s, ds, pod, $"replaced by revision {ds.CurrentHash} (maxUnavailable {maxUnavailable})"));
    }

    private static void Surge(ClusterState s, DaemonSetState ds, List<string> nodes, int maxSurge, int desired, PlanBuilder plan)
    {
        var surging = 0;
        var available = 0;
        var oldToDelete = new List<(PodState Pod, string Message)>();
        var shouldNotRun = new List<PodState>();
        var allowedNodes = new List<string>();
        var candidateNodes = new List<string>();
        foreach (var node in nodes)
        {
            var slot = ds.Slots[node];
            var (newPod, oldPod, ok) = UpdatedPodsOn(s, ds, slot);
            if (!ok)
            {
                surging++;
                continue;
            }
            if (oldPod is not null ? Available(oldPod, ds, plan) : newPod is not null && Available(newPod, ds, plan)) available++;
            if (oldPod is null) continue;
            if (newPod is null)
            {
                if (!Available(oldPod, ds, plan))
                {
                    if (!slot.ShouldRun) oldToDelete.Add((oldPod, "old pod is not available"));
                    else allowedNodes.Add(node);
                }
                else if (!slot.ShouldRun) shouldNotRun.Add(oldPod);
                else if (surging < maxSurge) candidateNodes.Add(node);
                continue;
            }
            if (!Available(newPod, ds, plan)) surging++;
            else oldToDelete.Add((oldPod, $"new pod {newPod.Name} is available"));
        }

        // With surge the owner expects full availability: pods on nodes leaving the DaemonSet go only when
        // enough pods elsewhere are available.
        var deletable = Math.Min(available - desired, shouldNotRun.Count);
        foreach (var pod in shouldNotRun.Take(Math.Max(0, deletable)))
            oldToDelete.Add((pod, "enough pods are available elsewhere"));
        var room = Math.Clamp(maxSurge - surging, 0, candidateNodes.Count);
        foreach (var node in allowedNodes)
            plan.Add(new CreatePod(ds.Key, node, PodReasons.Surge, "old pod is not available; its replacement starts outside the maxSurge budget", ds.RevisionCause));
        foreach (var node in candidateNodes.Take(room))
            plan.Add(new CreatePod(ds.Key, node, PodReasons.Surge, $"surge to revision {ds.CurrentHash} (maxSurge {maxSurge})", ds.RevisionCause));
        foreach (var (pod, message) in oldToDelete)
            plan.Add(Replace(s, ds, pod, message));
    }

    /// <summary>
    /// An old pod the rolling update deletes, caused by the revision change. Where the current revision may not run (a
    /// NoSchedule taint it does not tolerate, a selector it no longer matches) the pod is not replaced: it was
    /// misscheduled, and the reason names the rule.
    /// </summary>
    private static DeletePod Replace(ClusterState s, DaemonSetState ds, PodState pod, string message)
    {
        if (pod.TargetNode is { } node && !ds.SlotOf(node).ShouldRun && s.Nodes.TryGetValue(node, out var n))
            return new DeletePod(ds.Key, pod.Key, PodReasons.Misscheduled,
                $"the rolling update removes the old pod and starts none here ({message}): {WhyNotRun(n, ds)}", ds.RevisionCause);
        return new DeletePod(ds.Key, pod.Key, PodReasons.RollingUpdate, message, ds.RevisionCause);
    }
}
