using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Placement;
using EventEngine.State;

namespace EventEngine.Reconciliation;

public static partial class Reconciler
{
    /// <summary>manage: podsShouldBeOnNode for every node in scope.</summary>
    private static void Manage(ClusterState s, DaemonSetState ds, ReconcileScope scope, PlanBuilder plan)
    {
        if (scope.AllNodesOf(ds.Key))
        {
            foreach (var node in SlotNodes(s, ds)) ManageNode(s, ds, node, plan);
        }
        else
        {
            foreach (var node in scope.NodesOf(ds.Key).Order(NaturalOrder.Instance))
                if (ds.Slots.ContainsKey(node)) ManageNode(s, ds, node, plan);
        }
    }

    /// <summary>The nodes a DaemonSet has a slot on, in natural name order (Kubernetes visits them in Go map order).</summary>
    private static List<string> SlotNodes(ClusterState s, DaemonSetState ds)
    {
        // on most of the cluster, walking its names (kept sorted) is cheaper than sorting the slots
        if (ds.Slots.Count * 4 >= s.NodeNames.Count)
        {
            var nodes = new List<string>(ds.Slots.Count);
            foreach (var name in s.NodeNames)
                if (ds.Slots.ContainsKey(name)) nodes.Add(name);
            if (nodes.Count == ds.Slots.Count) return nodes;
        }
        return [.. ds.Slots.Keys.Order(NaturalOrder.Instance)];
    }

    /// <summary>podsShouldBeOnNode: the creates and deletes one node needs.</summary>
    private static void ManageNode(ClusterState s, DaemonSetState ds, string node, PlanBuilder plan)
    {
        var slot = ds.SlotOf(node);
        if (slot.ShouldRun && slot.Pods.IsEmpty)
        {
            plan.Add(new CreatePod(ds.Key, node, PodReasons.MissingPod, $"node {node} should run a pod and has none", slot.Cause));
            return;
        }
        if (!slot.ShouldContinueRunning)
        {
            DeleteAllFrom(s, ds, node, slot, plan);
            return;
        }

        var running = new List<PodState>();
        foreach (var key in slot.Pods)
        {
            var pod = s.Pods[key];
            if (pod.IsTerminating) continue;
            if (pod.Phase == PodPhases.Failed)
            {
                // A kubelet that keeps failing pods must not make us hot-loop: back off per DaemonSet and node.
                var backoff = s.Backoffs.GetValueOrDefault(FailedPodBackoff.KeyOf(ds, node));
                if (backoff is not null && backoff.Blocks(plan.Now))
                {
                    plan.WakeUpAt(backoff.LastUpdate + backoff.Delay);
                    plan.Warn($"{ds.Key}: failed pod {pod.Name} on {node} is kept during a {backoff.Delay.TotalSeconds:0.###}s backoff");
                    continue;
                }
                plan.Add(new DeletePod(ds.Key, key, PodReasons.Failed, $"pod failed on node {node}; it will be replaced", pod.StatusCause));
            }
            else if (pod.Phase == PodPhases.Succeeded)
            {
                plan.Add(new DeletePod(ds.Key, key, PodReasons.Succeeded, $"pod succeeded on node {node}; a daemon pod must keep running", pod.StatusCause));
            }
            else
            {
                running.Add(pod);
            }
        }

        if (!ds.AllowsSurge)
        {
            // Slot pods are already in podByCreationTimestampAndPhase order: keep the first.
            foreach (var extra in running.Skip(1))
                plan.Add(new DeletePod(ds.Key, extra.Key, PodReasons.Duplicate, $"node {node} already runs {running[0].Name}", slot.Cause));
            return;
        }

        if (running.Count == 0)
        {
            if (slot.ShouldRun)
                plan.Add(new CreatePod(ds.Key, node, PodReasons.MissingPod, $"node {node} has no running pod (surge allows one now)", slot.Cause));
            return;
        }
        if (running.Count == 1) return;

        // With surge, keep the oldest new and the oldest old pod; the old one goes once the new one is available.
        PodState? oldestNew = null, oldestOld = null;
        foreach (var pod in running)
        {
            var isNew = pod.Hash == ds.CurrentHash;
            if (isNew && oldestNew is null) oldestNew = pod;
            else if (!isNew && oldestOld is null) oldestOld = pod;
            else plan.Add(new DeletePod(ds.Key, pod.Key, PodReasons.Duplicate, $"node {node} already runs an old and a new pod", slot.Cause));
        }
        if (oldestNew is null || oldestOld is null) return;
        if (!oldestOld.Ready)
            plan.Add(new DeletePod(ds.Key, oldestOld.Key, PodReasons.RollingUpdate, $"old pod is not ready and {oldestNew.Name} replaces it", ds.RevisionCause));
        else if (Available(oldestNew, ds, plan))
            plan.Add(new DeletePod(ds.Key, oldestOld.Key, PodReasons.RollingUpdate, $"new pod {oldestNew.Name} is available", ds.RevisionCause));
    }

    /// <summary>The node may not keep the DaemonSet's pods: delete every one not already terminating.</summary>
    private static void DeleteAllFrom(ClusterState s, DaemonSetState ds, string node, NodeSlot slot, PlanBuilder plan)
    {
        var pods = slot.Pods.Select(k => s.Pods[k]).Where(p => !p.IsTerminating).ToList();
        if (pods.Count == 0) return;
        var (reason, message) = WhyNotContinue(s.Nodes[node], ds);
        foreach (var pod in pods)
            plan.Add(new DeletePod(ds.Key, pod.Key, reason, message, slot.Cause));
    }

    /// <summary>
    /// Why running pods must leave a node, read off NodeShouldRun's typed verdict: the rules of the first stage that
    /// fails. An untolerated NoExecute taint is an eviction (NoExecuteTaint); a node name, selector or affinity that no
    /// longer selects the node is Misscheduled, whatever taints the node also has.
    /// </summary>
    public static (string Reason, string Message) WhyNotContinue(NodeState node, DaemonSetState ds)
    {
        var deciding = NodeShouldRun.Explain(node, ds.Placement).StopsContinuing;
        if (deciding.Count == 0) throw new InvalidOperationException($"{ds.Key} may continue running on {node.Name}");
        var reason = deciding[0] is TaintRule ? PodReasons.NoExecuteTaint : PodReasons.Misscheduled;
        return (reason, PlacementVerdict.Sentence(deciding));
    }

    /// <summary>Why no new pod of the DaemonSet may start on a node, from the same verdict.</summary>
    public static string WhyNotRun(NodeState node, DaemonSetState ds) =>
        PlacementVerdict.Sentence(NodeShouldRun.Explain(node, ds.Placement).StopsRunning);
}
