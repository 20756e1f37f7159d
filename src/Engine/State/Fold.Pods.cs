using System.Collections.Immutable;
using System.Text.Json;
using EventEngine.Events;
using EventEngine.Model;

namespace EventEngine.State;

public static partial class Fold
{
    private static ClusterState PodCreated(ClusterState s, PodCreated e, Recorded r)
    {
        var ds = s.DaemonSets.GetValueOrDefault(e.DaemonSet) ?? throw Missing("DaemonSet", e.DaemonSet);
        s = s with { DaemonSets = s.DaemonSets.SetItem(ds.Key, ds with { PodsCreated = ds.PodsCreated + 1 }) };
        return PutPod(s, null, CreatedPod(ds, e, r), r.CausationId ?? r.Id);
    }

    /// <summary>
    /// The pod a PodCreated event describes, pending and bound to its node. Labels the executor shares between the
    /// pods of one step (an immutable map) stay shared: ToImmutableDictionary returns such a map as it is.
    /// </summary>
    private static PodState CreatedPod(DaemonSetState ds, PodCreated e, Recorded r) =>
        new(e.Namespace, e.Pod, e.Node, e.Node, e.Labels.ToImmutableDictionary(), OwnerReference.ForDaemonSet(ds.Name, e.Uid),
            r.At, null, PodPhases.Pending, false, null, [.. e.Tolerations], Observed: false, r.Id, r.Id, r.Id);

    private static ClusterState PodRegistered(ClusterState s, PodRegistered e, Recorded r)
    {
        var pod = Observed(e.Object, r);
        return PutPod(s, s.Pods.GetValueOrDefault(pod.Key), pod, r.Id);
    }

    /// <summary>The fold's view of an observed pod; its spec is read only for node, affinity pin and tolerations.</summary>
    public static PodState Observed(Pod obj, Recorded r)
    {
        var meta = obj.Metadata!;
        var spec = obj.Spec is { ValueKind: JsonValueKind.Object } raw
            ? raw.Deserialize<PodSpecView>(Json.Options) ?? new PodSpecView()
            : new PodSpecView();
        var ready = obj.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        var isReady = ready?.Status == "True";
        return new PodState(
            meta.Namespace!, meta.Name!,
            string.IsNullOrEmpty(spec.NodeName) ? null : spec.NodeName,
            TargetNode(spec),
            (meta.Labels ?? new Dictionary<string, string>()).ToImmutableDictionary(),
            meta.OwnerReferences?.FirstOrDefault(o => o.Controller == true),
            meta.CreationTimestamp ?? r.At,
            meta.DeletionTimestamp,
            obj.Status?.Phase ?? PodPhases.Pending,
            isReady,
            isReady ? ready!.LastTransitionTime ?? r.At : null,
            [.. spec.Tolerations ?? []],
            Observed: true,
            r.Id, r.Id, r.Id)
        {
            Spec = obj.Spec is { ValueKind: JsonValueKind.Object } given ? given.Clone() : null,
        };
    }

    /// <summary>GetTargetNodeName: spec.nodeName, else the single metadata.name In [node] of the required affinity.</summary>
    public static string? TargetNode(PodSpecView spec)
    {
        if (!string.IsNullOrEmpty(spec.NodeName)) return spec.NodeName;
        foreach (var term in spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms ?? [])
        foreach (var field in term.MatchFields ?? [])
            if (field is { Key: "metadata.name", Operator: "In" })
                return field.Values is [var only] ? only : null;
        return null;
    }

    private static ClusterState ChangePod(ClusterState s, string ns, string name, Func<PodState, PodState> change, Recorded r)
    {
        var old = s.Pods.GetValueOrDefault(ns + "/" + name) ?? throw Missing("pod", ns + "/" + name);
        return PutPod(s, old, change(old), r.CausationId ?? r.Id);
    }

    private static ClusterState PodDeleted(ClusterState s, PodDeleted e, Recorded r)
    {
        var key = e.Namespace + "/" + e.Pod;
        var pod = s.Pods.GetValueOrDefault(key) ?? throw Missing("pod", key);
        s = s with
        {
            Pods = s.Pods.Remove(key),
            PodsByNode = WithoutPod(s.PodsByNode, pod),
            Unclaimed = s.Unclaimed.Remove(key),
        };
        if (s.DaemonSetByUid(pod.Controller?.Uid) is not { } ds || !ds.Owns(pod) || pod.TargetNode is not { } node) return s;
        if (e.Reason == PodReasons.Failed)
        {
            var backoffKey = FailedPodBackoff.KeyOf(ds, node);
            s = s with { Backoffs = s.Backoffs.SetItem(backoffKey, FailedPodBackoff.Next(s.Backoffs.GetValueOrDefault(backoffKey), r.At)) };
        }
        return s with { DaemonSets = s.DaemonSets.SetItem(ds.Key, WithPod(s, ds, node, key, r.CausationId ?? r.Id)) };
    }

    /// <summary>
    /// Stores a new version of a pod and refreshes every index it appears in (old and new owner, old and new node).
    /// A pod that stays on its node keeps its place in the pods by node, and one that stays with its owner there costs
    /// one slot: a status report, the commonest event of a log, moves nothing else.
    /// </summary>
    private static ClusterState PutPod(ClusterState s, PodState? old, PodState pod, Guid cause)
    {
        var byNode = s.PodsByNode;
        if (old?.TargetNode != pod.TargetNode)
        {
            if (old is not null) byNode = WithoutPod(byNode, old);
            if (pod.TargetNode is { } target)
                byNode = byNode.SetItem(target, byNode.GetValueOrDefault(target, ImmutableHashSet<string>.Empty).Add(pod.Key));
        }
        s = s with
        {
            Pods = s.Pods.SetItem(pod.Key, pod),
            PodsByNode = byNode,
            Unclaimed = IsUnclaimed(s, pod) ? s.Unclaimed.Add(pod.Key) : s.Unclaimed.Remove(pod.Key),
        };

        var daemonSets = WithPodOf(s, s.DaemonSets, old?.Controller?.Uid, old?.TargetNode, pod.Key, cause);
        if (old?.Controller?.Uid != pod.Controller?.Uid || old?.TargetNode != pod.TargetNode)
            daemonSets = WithPodOf(s, daemonSets, pod.Controller?.Uid, pod.TargetNode, pod.Key, cause);
        return s with { DaemonSets = daemonSets };
    }

    /// <summary>The slot of the DaemonSet with <paramref name="uid"/> on <paramref name="node"/>, with the pod moved in or out.</summary>
    private static ImmutableDictionary<string, DaemonSetState> WithPodOf(
        ClusterState s, ImmutableDictionary<string, DaemonSetState> daemonSets, string? uid, string? node, string key, Guid cause) =>
        node is not null && s.DaemonSetByUid(uid) is { } ds
            ? daemonSets.SetItem(ds.Key, WithPod(s, daemonSets[ds.Key], node, key, cause))
            : daemonSets;

    private static ImmutableDictionary<string, ImmutableHashSet<string>> WithoutPod(
        ImmutableDictionary<string, ImmutableHashSet<string>> byNode, PodState pod)
    {
        if (pod.TargetNode is not { } node || !byNode.TryGetValue(node, out var keys)) return byNode;
        keys = keys.Remove(pod.Key);
        return keys.IsEmpty ? byNode.Remove(node) : byNode.SetItem(node, keys);
    }

    /// <summary>
    /// Unclaimed pods are the ones no DaemonSet counts but one might act on: orphans, pods whose labels left their
    /// DaemonSet's selector, and pods whose DaemonSet is gone. Pods of other controllers are never ours.
    /// </summary>
    private static ClusterState Reclassify(ClusterState s, IEnumerable<string> keys)
    {
        var unclaimed = s.Unclaimed;
        foreach (var key in keys.ToList())
            unclaimed = IsUnclaimed(s, s.Pods[key]) ? unclaimed.Add(key) : unclaimed.Remove(key);
        return s with { Unclaimed = unclaimed };
    }

    private static bool IsUnclaimed(ClusterState s, PodState pod) => pod.Controller switch
    {
        null => true,
        // an owner in another namespace is not an owner Kubernetes honours: such a pod is left alone
        { Kind: "DaemonSet" } owner => s.DaemonSetByUid(owner.Uid) is not { } ds || (ds.Owns(pod) && !ds.Selects(pod)),
        _ => false,
    };
}
