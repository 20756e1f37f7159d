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

/// <summary>
/// The versions a run of events makes, and the fingerprint after each, gathered to be written together. Folding is
/// sequential; what each version costs (its JSON body, the hashes of the fingerprint) is not: <see cref="Add"/> only
/// records the changes, and the bodies and hashes are made on every core when the run is handed over.
/// </summary>
public sealed class HistoryVersions
{
    /// <summary>A version with its interval (Upper: <see cref="long.MaxValue"/> while it is current) and its value.</summary>
    public sealed record Row(char Kind, string Key, long Lower, long Upper, string? Owner, string? Node, object Value)
    {
        private byte[]? _body;

        /// <summary>The stored body: the value as JSON (UTF-8), made once (a copy made with <c>with</c> keeps it).</summary>
        public byte[] Body => _body ??= ObjectHistory.BodyOf(Value);
    }

    private readonly List<ObjectHistory.Change> _changes = [];
    private readonly Dictionary<(char, string), Row> _open = [];

    /// <summary>Current versions that existed before this run and end in it: (kind, key, last seq they held at).</summary>
    public List<(char Kind, string Key, long Upper)> Closings { get; } = [];

    /// <summary>Versions that began and ended within the run.</summary>
    public List<Row> Closed { get; } = [];

    /// <summary>The versions current at the end of the run, with their bodies made.</summary>
    public IReadOnlyCollection<Row> Open => WithBodies(_open.Values.ToList());

    private FingerprintMoves _moves = new();

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
            _open[id] = new Row(change.Kind, change.Key, seq, long.MaxValue, version.Owner, version.Node, version.Value!);
        }
        _moves.Add(seq, _changes);
    }

    /// <summary>The closed versions gathered so far, handed over (a rebuild writes them out a page at a time); their bodies are made when first read.</summary>
    public List<Row> TakeClosed()
    {
        var closed = Closed.ToList();
        Closed.Clear();
        return closed;
    }

    /// <summary>The fingerprints' moves gathered so far, handed over, to be hashed and summed in order (<see cref="FingerprintMoves.Sum"/>).</summary>
    public FingerprintMoves TakeFingerprints()
    {
        var moves = _moves;
        _moves = new FingerprintMoves();
        return moves;
    }

    /// <summary>The rows with their bodies made, on every core (a body is the JSON of a pod, a node or a DaemonSet).</summary>
    public static List<Row> WithBodies(List<Row> rows)
    {
        Parallel.ForEach(rows, row => _ = row.Body);
        return rows;
    }

    /// <summary>Versions are moved to the closed table and written, and fingerprints follow the last one stored.</summary>
    public List<NpgsqlBatchCommand> Statements(string suffix = "")
    {
        var commands = new List<NpgsqlBatchCommand>();
        var open = WithBodies(_open.Values.ToList());
        WithBodies(Closed);
        var fingerprints = _moves.Sum(BigInteger.Zero);
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
        if (open.Count > 0)
            commands.Add(Command($"""
                insert into history_open{suffix} (kind, key, lower, owner, node, body)
                select * from unnest($1::text[]::"char"[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bytea[])
                """, open.Select(r => r.Kind.ToString()).ToArray(), open.Select(r => r.Key).ToArray(), open.Select(r => r.Lower).ToArray(),
                open.Select(r => r.Owner).ToArray(), open.Select(r => r.Node).ToArray(), open.Select(r => r.Body).ToArray()));
        if (fingerprints.Count > 0)
            commands.Add(Command($"""
                insert into fingerprints{suffix} (seq, value)
                select t.seq, mod(b.value + t.moved, {HistoryTree.FingerprintModulus})
                from unnest($1::bigint[], $2::text[]::numeric[]) as t(seq, moved)
                cross join (select coalesce((select value from fingerprints{suffix} order by seq desc limit 1), 0) as value) b
                """, fingerprints.Select(f => f.Seq).ToArray(), fingerprints.Select(f => f.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()));
        return commands;
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }
}

/// <summary>
/// The changes each event of a run made, in order: how far each event moves the fingerprint, hashed on every core
/// (a pod's or node's hash is kept with it, see <see cref="Fingerprint"/>) and summed in order.
/// </summary>
public sealed class FingerprintMoves
{
    private readonly List<ObjectHistory.Change> _changes = [];
    private readonly List<(long Seq, int End)> _events = [];

    public void Add(long seq, List<ObjectHistory.Change> changes)
    {
        _changes.AddRange(changes);
        _events.Add((seq, _changes.Count));
    }

    /// <summary>
    /// The fingerprint after each event, from <paramref name="start"/> (the one before the run; zero: how far it moved),
    /// hashed on every core unless <paramref name="parallel"/> is false (a rebuild hashes beside its fold).
    /// </summary>
    public List<(long Seq, BigInteger Value)> Sum(BigInteger start, bool parallel = true)
    {
        var moves = new BigInteger[_changes.Count];
        if (parallel) Parallel.For(0, _changes.Count, i => moves[i] = Fingerprint.Delta(_changes[i]));
        else for (var i = 0; i < moves.Length; i++) moves[i] = Fingerprint.Delta(_changes[i]);
        var sums = new List<(long, BigInteger)>(_events.Count);
        var (sum, next) = (start, 0);
        foreach (var (seq, end) in _events)
        {
            for (; next < end; next++) sum += moves[next];
            sum = Fingerprint.Reduce(sum);
            sums.Add((seq, sum));
        }
        return sums;
    }
}
