using System.Collections.Immutable;

namespace EventEngine.State;

/// <summary>
/// One DaemonSet on one node, kept current by the fold: the placement answer for the node, the DaemonSet's pods
/// there (claimed, ordered oldest first, terminal-and-deleted ones left out) and what the slot adds to the status
/// counters. Cause is the event that last changed the slot's inputs, so actions can name their cause.
/// </summary>
public sealed record NodeSlot(bool ShouldRun, bool ShouldContinueRunning, ImmutableArray<string> Pods, SlotCounts Counts, Guid Cause)
{
    public static readonly NodeSlot Empty = new(false, false, [], default, Guid.Empty);

    /// <summary>A slot that says nothing and holds nothing is not stored.</summary>
    public bool IsEmpty => !ShouldRun && !ShouldContinueRunning && Pods.IsEmpty;
}

/// <summary>Status counters of one slot or of a whole DaemonSet (summed over its slots).</summary>
public readonly record struct SlotCounts(int Desired, int Current, int Misscheduled, int Ready, int Updated, int OldNodes)
{
    public static SlotCounts operator +(SlotCounts a, SlotCounts b) => new(
        a.Desired + b.Desired, a.Current + b.Current, a.Misscheduled + b.Misscheduled,
        a.Ready + b.Ready, a.Updated + b.Updated, a.OldNodes + b.OldNodes);

    public static SlotCounts operator -(SlotCounts a, SlotCounts b) => new(
        a.Desired - b.Desired, a.Current - b.Current, a.Misscheduled - b.Misscheduled,
        a.Ready - b.Ready, a.Updated - b.Updated, a.OldNodes - b.OldNodes);
}
