using EventEngine.Events;
using EventEngine.State;

namespace EventEngine.Projections.History;

/// <summary>
/// Each DaemonSet's desired nodes without an available pod (<see cref="Count"/>), at one time, kept from one event to the
/// next of a walk of the log: a rollout deletes thousands of pods at one time, and counting every node for each deletion
/// made the walk quadratic in the nodes. A pod's event moves its node's slots alone (the fold's own rule), so each count
/// moves by that node's difference; any other event, or another time, counts again.
/// </summary>
public sealed class Unavailability
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private DateTimeOffset _at;

    /// <summary>The DaemonSet's desired nodes without an available pod in <paramref name="s"/> at <paramref name="now"/>.</summary>
    public int Of(ClusterState s, DaemonSetState ds, DateTimeOffset now)
    {
        if (now != _at)
        {
            _counts.Clear();
            _at = now;
        }
        if (!_counts.TryGetValue(ds.Key, out var count)) _counts[ds.Key] = count = Count(s, ds, now);
        return count;
    }

    /// <summary>The counts after <paramref name="e"/> took <paramref name="before"/> to <paramref name="after"/>.</summary>
    public void Moved(ClusterState before, ClusterState after, IEvent e)
    {
        if (_counts.Count == 0) return;
        if (Subjects.PodOf(e) is not { } pod)
        {
            _counts.Clear();
            return;
        }
        var nodes = new[] { before.Pods.GetValueOrDefault(pod)?.TargetNode, after.Pods.GetValueOrDefault(pod)?.TargetNode }
            .OfType<string>().Distinct().ToList();
        foreach (var key in _counts.Keys.ToList())
        {
            if (!before.DaemonSets.TryGetValue(key, out var was) || !after.DaemonSets.TryGetValue(key, out var now))
            {
                _counts.Remove(key);
                continue;
            }
            foreach (var node in nodes) _counts[key] += Missing(after, now, node, _at) - Missing(before, was, node, _at);
        }
    }

    /// <summary>The desired nodes of the DaemonSet without an available pod, each counted.</summary>
    public static int Count(ClusterState s, DaemonSetState ds, DateTimeOffset now) =>
        ds.Slots.Values.Count(slot => Lacks(s, ds, slot, now));

    /// <summary>The pod is live and available to the DaemonSet (Ready for its minReadySeconds) at <paramref name="now"/>.</summary>
    public static bool Available(ClusterState s, DaemonSetState ds, string pod, DateTimeOffset now) =>
        s.Pods.TryGetValue(pod, out var p) && p.IsLive && p.IsAvailable(ds.MinReadySeconds, now);

    /// <summary>Whether one node is desired and without an available pod of the DaemonSet (1), or not (0).</summary>
    private static int Missing(ClusterState s, DaemonSetState ds, string node, DateTimeOffset now) => Lacks(s, ds, ds.SlotOf(node), now) ? 1 : 0;

    /// <summary>The slot's node is desired and holds no available pod of the DaemonSet.</summary>
    private static bool Lacks(ClusterState s, DaemonSetState ds, NodeSlot slot, DateTimeOffset now) =>
        slot.ShouldRun && !slot.Pods.Any(k => Available(s, ds, k, now));
}
