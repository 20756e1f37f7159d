using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;
using Npgsql;

namespace EventEngine.Projections.History;

/// <summary>
/// Placement history by revision: each interval a pod ran a DaemonSet's revision (uid and hash), opened when the pod was
/// created, registered under the DaemonSet or adopted, closed when it was deleted or released, with why.
/// </summary>
public static class PlacementWriter
{
    /// <summary>The inline projection: the batch's events in order.</summary>
    public static IEnumerable<NpgsqlBatchCommand> Statements(ProjectionBatch batch) =>
        Commands(batch.Events.Select(e => (e.Stored, IntentOf(e.Stored, e.Event, batch.Before, batch.After))), "");

    /// <summary>The statements one event makes; states are the ones around it (or its batch).</summary>
    public static IEnumerable<NpgsqlBatchCommand> Commands(StoredEvent stored, IEvent e, ClusterState before, ClusterState after, string suffix) =>
        Commands([(stored, IntentOf(stored, e, before, after))], suffix);

    /// <summary>
    /// The statements a run of events makes, in their order: the opens in a row (a DaemonSet placed on thousands of
    /// nodes) in one statement, the closes in a row in another, each relabel on its own.
    /// </summary>
    public static IEnumerable<NpgsqlBatchCommand> Commands(IEnumerable<(StoredEvent Stored, PlacementIntent? Intent)> intents, string suffix)
    {
        var opens = new List<(OpenInterval Interval, StoredEvent At)>();
        var closes = new List<(CloseInterval Interval, StoredEvent At)>();
        foreach (var (stored, intent) in intents)
        {
            if (intent is not OpenInterval && opens.Count > 0)
            {
                yield return Open(suffix, opens);
                opens.Clear();
            }
            if (intent is not CloseInterval && closes.Count > 0)
            {
                yield return Close(suffix, closes);
                closes.Clear();
            }
            switch (intent)
            {
                case OpenInterval open:
                    opens.Add((open, stored));
                    break;
                case CloseInterval close:
                    closes.Add((close, stored));
                    break;
                case RelabelInterval relabel:
                    yield return Relabel(suffix, relabel, stored);
                    break;
            }
        }
        if (opens.Count > 0) yield return Open(suffix, opens);
        if (closes.Count > 0) yield return Close(suffix, closes);
    }

    /// <summary>What an event does to the intervals, if anything: open one, close a pod's, or move a pod's to another hash.</summary>
    public static PlacementIntent? IntentOf(StoredEvent stored, IEvent e, ClusterState before, ClusterState after) => e switch
    {
        PodCreated x => new OpenInterval(x.DaemonSet, x.Uid, x.Namespace + "/" + x.Pod, x.Hash, x.Node),
        // what opens an interval is read from the event itself, so a live write and a rebuild agree
        PodRegistered { DaemonSet: { } ds } x when x.Object.Metadata?.Labels?.GetValueOrDefault(WellKnown.RevisionHashLabel) is { } hash
            && x.Object.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true) is { Uid: { } owner } =>
            new OpenInterval(ds, owner, x.Namespace + "/" + x.Pod, hash, x.Node),
        PodAdopted { Hash: { } adoptedHash } x => new OpenInterval(x.DaemonSet, x.Uid, x.Namespace + "/" + x.Pod, adoptedHash, x.Node),
        PodDeleted x => new CloseInterval(x.Namespace + "/" + x.Pod, EndReason(x, before, after), stored.Metadata.Reason?.Message),
        PodLabelsChanged x when x.Labels.GetValueOrDefault(WellKnown.RevisionHashLabel) is { } relabelled =>
            new RelabelInterval(x.Namespace + "/" + x.Pod, relabelled),
        PodOrphaned x => new CloseInterval(x.Namespace + "/" + x.Pod,
            x.Reason == PodReasons.DaemonSetDeleted ? "orphaned" : "released", stored.Metadata.Reason?.Message),
        _ => null,
    };

    /// <summary>The detail an interval closed by a relabel gets.</summary>
    public static string RelabelDetail(string hash) => "its controller-revision-hash label became " + hash;

    /// <summary>Why an interval ended, in the words of someone reading a rollout: rolled forward or back, evicted...</summary>
    public static string EndReason(PodDeleted e, ClusterState before, ClusterState after) => e.Reason switch
    {
        PodReasons.RollingUpdate =>
            (after.DaemonSets.GetValueOrDefault(e.DaemonSet ?? "") ?? before.DaemonSets.GetValueOrDefault(e.DaemonSet ?? ""))?.RevisionRestored == true
                ? "rolled back" : "rolled forward",
        PodReasons.NoExecuteTaint or PodReasons.TolerationExpired => "evicted",
        PodReasons.NodeRemoved => "node removed",
        PodReasons.Failed => "failed",
        PodReasons.Succeeded => "succeeded",
        PodReasons.Deleted => "deleted",
        PodReasons.DaemonSetDeleted => "daemonset deleted",
        PodReasons.Misscheduled => "node no longer selected",
        PodReasons.Duplicate => "duplicate",
        _ => e.Reason.ToLowerInvariant(),
    };

    /// <summary>Intervals open under the DaemonSet's name and uid: one recreated under the same name starts a history of its own.</summary>
    private static NpgsqlBatchCommand Open(string suffix, List<(OpenInterval Interval, StoredEvent At)> opens) => Statement.Of($"""
        insert into proj_placements{suffix} (daemonset, daemonset_uid, pod, hash, node, from_seq, from_time)
        select * from unnest(@a::text[], @g::text[], @b::text[], @c::text[], @d::text[], @e::bigint[], @f::timestamptz[])
        on conflict (pod, from_seq) do nothing
        """,
        ("a", opens.Select(o => o.Interval.DaemonSet).ToArray()), ("g", opens.Select(o => o.Interval.Uid).ToArray()),
        ("b", opens.Select(o => o.Interval.Pod).ToArray()), ("c", opens.Select(o => o.Interval.Hash).ToArray()),
        ("d", opens.Select(o => o.Interval.Node).ToArray()), ("e", opens.Select(o => o.At.Seq).ToArray()),
        ("f", opens.Select(o => o.At.RecordedAt).ToArray()));

    /// <summary>
    /// A pod whose controller-revision-hash label changed (revision dedup relabels pods) now counts for the other
    /// revision: its open interval ends and one under the new hash begins. Decided on the table, not on the states
    /// around the event, so that a live write and a rebuild agree.
    /// </summary>
    private static NpgsqlBatchCommand Relabel(string suffix, RelabelInterval x, StoredEvent at) => Statement.Of($"""
        with closed as (
            update proj_placements{suffix} set to_seq = @a, to_time = @b, end_reason = 'relabelled', end_detail = @f
            where pod = @d and to_seq is null and hash <> @c
            returning daemonset, daemonset_uid, node)
        insert into proj_placements{suffix} (daemonset, daemonset_uid, pod, hash, node, from_seq, from_time)
        select daemonset, daemonset_uid, @d, @c, node, @a, @b from closed
        on conflict (pod, from_seq) do nothing
        """,
        ("a", at.Seq), ("b", at.RecordedAt), ("c", x.Hash), ("d", x.Pod), ("f", RelabelDetail(x.Hash)));

    /// <summary>
    /// The pods' open intervals end. A pod closed twice in the run keeps its first close, as one statement each would:
    /// the second found no open interval.
    /// </summary>
    private static NpgsqlBatchCommand Close(string suffix, List<(CloseInterval Interval, StoredEvent At)> closes)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var first = closes.Where(c => seen.Add(c.Interval.Pod)).ToList();
        return Statement.Of($"""
            update proj_placements{suffix} p set to_seq = t.seq, to_time = t.ended_at, end_reason = t.reason, end_detail = t.detail
            from unnest(@a::text[], @b::bigint[], @c::timestamptz[], @d::text[], @e::text[]) as t(pod, seq, ended_at, reason, detail)
            where p.pod = t.pod and p.to_seq is null
            """,
            ("a", first.Select(c => c.Interval.Pod).ToArray()), ("b", first.Select(c => c.At.Seq).ToArray()),
            ("c", first.Select(c => c.At.RecordedAt).ToArray()), ("d", first.Select(c => c.Interval.Reason).ToArray()),
            ("e", first.Select(c => c.Interval.Detail).ToArray()));
    }
}

/// <summary>What an event does to the placement intervals.</summary>
public abstract record PlacementIntent;

/// <summary>An interval opens: the pod runs the DaemonSet's revision with this hash, from this event on.</summary>
public sealed record OpenInterval(string DaemonSet, string Uid, string Pod, string Hash, string? Node) : PlacementIntent;

/// <summary>The pod's open intervals end, for this reason.</summary>
public sealed record CloseInterval(string Pod, string Reason, string? Detail) : PlacementIntent;

/// <summary>The pod's open intervals under another hash end ("relabelled") and go on under this one.</summary>
public sealed record RelabelInterval(string Pod, string Hash) : PlacementIntent;
