using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Placement;
using EventEngine.Storage;

namespace EventEngine.Projections.History;

/// <summary>NodeShouldRun's answer for one DaemonSet on one node.</summary>
public sealed record PlacementAnswer(bool ShouldRun, bool ShouldContinueRunning);

/// <summary>An event after which the answer differs from before it. Before is null when the pair did not exist yet.</summary>
public sealed record AnswerChange(StoredEvent Event, PlacementAnswer? Before, PlacementAnswer? After);

/// <summary>
/// The placement answer of one (DaemonSet, node) pair through the log, read from the pair's own two streams: the
/// node stream holds every change of the node's labels, taints and existence, the DaemonSet stream every change of
/// its template and existence, and nothing else moves NodeShouldRun. So the last change is found without folding
/// the cluster. The inputs are tracked exactly as the fold tracks them (a DaemonSet update without a new revision
/// keeps the compiled template).
/// </summary>
public static class AnswerHistory
{
    /// <summary>The last event at or before <paramref name="at"/> that changed the answer (null if none did).</summary>
    public static AnswerChange? LastChange(IEnumerable<StoredEvent> nodeStream, IEnumerable<StoredEvent> daemonSetStream, long at)
    {
        NodeInputs? node = null;
        PlacementSpec? spec = null;
        PlacementAnswer? answer = null;
        AnswerChange? last = null;
        foreach (var stored in nodeStream.Concat(daemonSetStream).Where(e => e.Seq <= at).OrderBy(e => e.Seq))
        {
            switch (EventTypes.Deserialize(stored.Type, stored.Data))
            {
                case NodeJoined e: node = new NodeInputs(e.Node, e.Labels, e.Taints); break;
                case NodeLabelsChanged e when node is not null: node = node with { Labels = e.Labels }; break;
                case NodeTaintsChanged e when node is not null: node = node with { Taints = e.Taints }; break;
                case NodeRemoved: node = null; break;
                case DaemonSetCreated e: spec = PlacementSpec.From(e.Object.Spec!.Template!); break;
                case DaemonSetUpdated { Revision: not null } e: spec = PlacementSpec.From(e.Object.Spec!.Template!); break;
                case DaemonSetRolledBack e: spec = PlacementSpec.From(e.Object.Spec!.Template!); break;
                case DaemonSetDeleted: spec = null; break;
                default: continue;
            }
            var next = Evaluate(node, spec);
            if (next != answer) last = new AnswerChange(stored, answer, next);
            answer = next;
        }
        return last;
    }

    private static PlacementAnswer? Evaluate(NodeInputs? node, PlacementSpec? spec)
    {
        if (node is null || spec is null) return null;
        var (shouldRun, shouldContinueRunning) = NodeShouldRun.Evaluate(node.Name, node.Labels, node.Taints, spec);
        return new PlacementAnswer(shouldRun, shouldContinueRunning);
    }

    private sealed record NodeInputs(string Name, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<Taint> Taints);
}
