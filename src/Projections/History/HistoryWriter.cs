using System.Numerics;
using EventEngine.Events;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;
using Npgsql;

namespace EventEngine.Projections.History;

/// <summary>
/// Writes the object history (see migration 0009) and the fingerprint after every event, inside the append's
/// transaction: the batch's events are folded one at a time from the state before it, and each object an event
/// changed gets a new version from that event's seq.
/// </summary>
public static class HistoryWriter
{
    /// <summary>The inline projection registered with the runtime.</summary>
    public static IEnumerable<NpgsqlBatchCommand> Statements(ProjectionBatch batch)
    {
        var versions = new HistoryVersions();
        var state = batch.Before;
        foreach (var (stored, e) in batch.Events)
        {
            var next = Fold.Evolve(state, Recorded(stored, e));
            versions.Add(stored.Seq, state, next, e);
            state = next;
        }
        return versions.Statements();
    }

    /// <summary>The event as the fold sees it, without parsing its JSON again.</summary>
    public static Recorded Recorded(StoredEvent stored, IEvent e) =>
        new(stored.Id, stored.RecordedAt, e, Guid.TryParse(stored.Metadata.CausationId, out var cause) ? cause : null);
}

/// <summary>The versions a run of events makes, and the fingerprint after each, gathered to be written together.</summary>
public sealed class HistoryVersions
{
    /// <summary>A version with its interval (Upper: <see cref="long.MaxValue"/> while it is current).</summary>
    public sealed record Row(char Kind, string Key, long Lower, long Upper, string? Owner, string? Node, byte[] Body);

    private readonly List<ObjectHistory.Change> _changes = [];
    private readonly Dictionary<(char, string), Row> _open = [];

    /// <summary>Current versions that existed before this run and end in it: (kind, key, last seq they held at).</summary>
    public List<(char Kind, string Key, long Upper)> Closings { get; } = [];

    /// <summary>Versions that began and ended within the run.</summary>
    public List<Row> Closed { get; } = [];

    /// <summary>The versions current at the end of the run.</summary>
    public IEnumerable<Row> Open => _open.Values;

    /// <summary>After each event, how far the fingerprint moved since the run began.</summary>
    public List<(long Seq, BigInteger Moved)> Fingerprints { get; } = [];

    private BigInteger _moved;

    public void Add(long seq, ClusterState before, ClusterState after, IEvent e)
    {
        _changes.Clear();
        ObjectHistory.Between(before, after, e, _changes);
        foreach (var change in _changes)
        {
            var id = (change.Kind, change.Key);
            if (_open.Remove(id, out var replaced)) Closed.Add(replaced with { Upper = seq - 1 });
            else if (change.Before is not null) Closings.Add((change.Kind, change.Key, seq - 1));
            if (change.After is null) continue;
            var version = ObjectHistory.VersionOf(change, after, before);
            _open[id] = new Row(change.Kind, change.Key, seq, long.MaxValue, version.Owner, version.Node, version.Body());
        }
        _moved = Fingerprint.Reduce(_moved + Fingerprint.Delta(_changes));
        Fingerprints.Add((seq, _moved));
    }

    /// <summary>The closed versions gathered so far, handed over (a rebuild writes them out a page at a time).</summary>
    public List<Row> TakeClosed()
    {
        var closed = Closed.ToList();
        Closed.Clear();
        return closed;
    }

    /// <summary>The fingerprints gathered so far, handed over: absolute when the run began at the empty state.</summary>
    public List<(long Seq, BigInteger Value)> TakeFingerprints()
    {
        var fingerprints = Fingerprints.ToList();
        Fingerprints.Clear();
        return fingerprints;
    }

    /// <summary>Versions are moved to the closed table and written, and fingerprints follow the last one stored.</summary>
    public List<NpgsqlBatchCommand> Statements(string suffix = "")
    {
        var commands = new List<NpgsqlBatchCommand>();
        if (Closings.Count > 0)
            commands.Add(Command($"""
                with closed as (
                    delete from history_open{suffix} o using unnest($1::text[]::"char"[], $2::text[], $3::bigint[]) as t(kind, key, upper)
                    where o.kind = t.kind and o.key = t.key
                    returning o.kind, o.key, o.lower, t.upper, o.owner, o.node, o.body)
                insert into history{suffix} (kind, key, lower, upper, fork, owner, node, body)
                select kind, key, lower, upper, eventengine_fork(lower, upper), owner, node, body from closed
                """, Closings.Select(c => c.Kind.ToString()).ToArray(), Closings.Select(c => c.Key).ToArray(), Closings.Select(c => c.Upper).ToArray()));
        if (Closed.Count > 0)
            commands.Add(Command($"""
                insert into history{suffix} (kind, key, lower, upper, fork, owner, node, body)
                select kind, key, lower, upper, eventengine_fork(lower, upper), owner, node, body
                from unnest($1::text[]::"char"[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::bytea[]) as t(kind, key, lower, upper, owner, node, body)
                """, Closed.Select(r => r.Kind.ToString()).ToArray(), Closed.Select(r => r.Key).ToArray(), Closed.Select(r => r.Lower).ToArray(),
                Closed.Select(r => r.Upper).ToArray(), Closed.Select(r => r.Owner).ToArray(), Closed.Select(r => r.Node).ToArray(), Closed.Select(r => r.Body).ToArray()));
        var open = _open.Values.ToList();
        if (open.Count > 0)
            commands.Add(Command($"""
                insert into history_open{suffix} (kind, key, lower, owner, node, body)
                select * from unnest($1::text[]::"char"[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bytea[])
                """, open.Select(r => r.Kind.ToString()).ToArray(), open.Select(r => r.Key).ToArray(), open.Select(r => r.Lower).ToArray(),
                open.Select(r => r.Owner).ToArray(), open.Select(r => r.Node).ToArray(), open.Select(r => r.Body).ToArray()));
        if (Fingerprints.Count > 0)
            commands.Add(Command($"""
                insert into fingerprints{suffix} (seq, value)
                select t.seq, mod(b.value + t.moved, {HistoryTree.FingerprintModulus})
                from unnest($1::bigint[], $2::text[]::numeric[]) as t(seq, moved)
                cross join (select coalesce((select value from fingerprints{suffix} order by seq desc limit 1), 0) as value) b
                """, Fingerprints.Select(f => f.Seq).ToArray(), Fingerprints.Select(f => f.Moved.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()));
        return commands;
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }
}
