using EventEngine.Storage;

namespace EventEngine.Projections.History;

/// <summary>
/// The placement intervals kept in memory, for a rebuild: the same intents as <see cref="PlacementWriter"/> applies
/// with SQL, applied to rows here, so a rebuilt table holds what the live one does.
/// </summary>
public sealed class PlacementIntervals
{
    public sealed record Interval(string DaemonSet, string Uid, string Pod, string Hash, string? Node, long FromSeq, DateTimeOffset FromTime,
        long? ToSeq = null, DateTimeOffset? ToTime = null, string? EndReason = null, string? EndDetail = null);

    private readonly Dictionary<string, List<Interval>> _open = new(StringComparer.Ordinal);
    private List<Interval> _closed = [];

    /// <summary>The intervals still open.</summary>
    public IEnumerable<Interval> Open => _open.Values.SelectMany(i => i);

    /// <summary>The intervals closed since the last call, handed over.</summary>
    public List<Interval> TakeClosed()
    {
        var closed = _closed;
        _closed = [];
        return closed;
    }

    public void Apply(PlacementIntent? intent, StoredEvent at)
    {
        switch (intent)
        {
            case OpenInterval x:
                Add(new Interval(x.DaemonSet, x.Uid, x.Pod, x.Hash, x.Node, at.Seq, at.RecordedAt));
                break;
            case CloseInterval x:
                if (!_open.Remove(x.Pod, out var ending)) break;
                _closed.AddRange(ending.Select(i => i with { ToSeq = at.Seq, ToTime = at.RecordedAt, EndReason = x.Reason, EndDetail = x.Detail }));
                break;
            case RelabelInterval x:
                if (!_open.TryGetValue(x.Pod, out var open)) break;
                var moved = open.Where(i => i.Hash != x.Hash).ToList();
                if (moved.Count == 0) break;
                open.RemoveAll(i => i.Hash != x.Hash);
                if (open.Count == 0) _open.Remove(x.Pod);
                _closed.AddRange(moved.Select(i => i with
                {
                    ToSeq = at.Seq, ToTime = at.RecordedAt, EndReason = "relabelled", EndDetail = PlacementWriter.RelabelDetail(x.Hash),
                }));
                foreach (var i in moved) Add(i with { Hash = x.Hash, FromSeq = at.Seq, FromTime = at.RecordedAt });
                break;
        }
    }

    /// <summary>Opens an interval unless the pod has one from the same seq already (the table's key is pod and from_seq).</summary>
    private void Add(Interval interval)
    {
        if (!_open.TryGetValue(interval.Pod, out var open)) _open[interval.Pod] = open = [];
        if (open.Any(i => i.FromSeq == interval.FromSeq)) return;
        open.Add(interval);
    }
}
