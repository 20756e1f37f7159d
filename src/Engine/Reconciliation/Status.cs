using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Reconciliation;

/// <summary>updateDaemonSetStatus: the status fields, counted from the slot table as Kubernetes counts them.</summary>
public static class Status
{
    public static DaemonSetStatus Compute(ClusterState s, DaemonSetState ds, DateTimeOffset now) => Compute(s, ds, now, out _);

    /// <summary>The status now, and when it changes by time alone (a ready pod passing minReadySeconds).</summary>
    public static DaemonSetStatus Compute(ClusterState s, DaemonSetState ds, DateTimeOffset now, out DateTimeOffset? changesAt)
    {
        changesAt = null;
        var c = ds.Counts;
        var available = c.Ready;
        if (ds.MinReadySeconds > 0)
        {
            available = 0;
            foreach (var slot in ds.Slots.Values)
            {
                if (!slot.ShouldRun || slot.Pods.IsEmpty) continue;
                var oldest = s.Pods[slot.Pods[0]];
                if (oldest.IsAvailable(ds.MinReadySeconds, now)) available++;
                else if (oldest.AvailableAt(ds.MinReadySeconds) is { } at && (changesAt is null || at < changesAt)) changesAt = at;
            }
        }
        return new DaemonSetStatus
        {
            DesiredNumberScheduled = c.Desired,
            CurrentNumberScheduled = c.Current,
            NumberMisscheduled = c.Misscheduled,
            NumberReady = c.Ready,
            UpdatedNumberScheduled = c.Updated,
            NumberAvailable = available,
            NumberUnavailable = c.Desired - available,
            ObservedGeneration = ds.Generation,
            CollisionCount = ds.CollisionCount,
        };
    }
}
