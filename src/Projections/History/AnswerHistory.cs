using EventEngine.Events;
using EventEngine.State;
using EventEngine.Storage;

namespace EventEngine.Projections.History;

/// <summary>NodeShouldRun's answer for one DaemonSet on one node.</summary>
public sealed record PlacementAnswer(bool ShouldRun, bool ShouldContinueRunning);

/// <summary>An event after which the answer differs from before it. Before is null when the pair did not exist yet.</summary>
public sealed record AnswerChange(StoredEvent Event, PlacementAnswer? Before, PlacementAnswer? After);

/// <summary>
/// The placement answer of one (DaemonSet, node) pair through the log, read from the pair's own two streams: the
/// node stream holds every change of the node's labels, taints and existence, the DaemonSet stream every change of
/// its template and existence, and nothing else moves NodeShouldRun. The two streams are folded by the fold itself
/// (pod events are on streams of their own), so the answer is the slot the live engine keeps.
/// </summary>
public static class AnswerHistory
{
    /// <summary>The last event at or before <paramref name="at"/> that changed the answer (null if none did).</summary>
    public static AnswerChange? LastChange(IEnumerable<StoredEvent> nodeStream, IEnumerable<StoredEvent> daemonSetStream,
        string node, string daemonSet, long at)
    {
        var state = ClusterState.Empty;
        PlacementAnswer? answer = null;
        AnswerChange? last = null;
        foreach (var stored in nodeStream.Concat(daemonSetStream).Where(e => e.Seq <= at).OrderBy(e => e.Seq))
        {
            state = Fold.Evolve(state, EventTypes.Decode(stored));
            var next = state.Nodes.ContainsKey(node) && state.DaemonSets.TryGetValue(daemonSet, out var ds) && ds.SlotOf(node) is var slot
                ? new PlacementAnswer(slot.ShouldRun, slot.ShouldContinueRunning)
                : null;
            if (next != answer) last = new AnswerChange(stored, answer, next);
            answer = next;
        }
        return last;
    }
}
