using System.Globalization;
using System.Numerics;
using EventEngine.State;
using Npgsql;

namespace EventEngine.Projections.History;

/// <summary>The interval tree of the history table (see migration 0009): forks, and the forks a point's intervals hang from.</summary>
public static class HistoryTree
{
    /// <summary>2^256, the modulus of fingerprints, as SQL text.</summary>
    public const string FingerprintModulus = "115792089237316195423570985008687907853269984665640564039457584007913129639936";

    /// <summary>The fork of [lower, upper], as eventengine_fork computes it.</summary>
    public static long Fork(long lower, long upper)
    {
        if (lower == upper) return lower;
        var k = 63 - BitOperations.LeadingZeroCount((ulong)(lower ^ upper));
        return upper >> k << k;
    }

    /// <summary>The forks an interval holding <paramref name="at"/> can hang from: above it (lower decides) and at or below (upper decides).</summary>
    public static (long[] Above, long[] AtOrBelow) Forks(long at)
    {
        var above = new List<long>();
        var below = new List<long>();
        for (var k = 0; k < 63; k++)
        {
            var fork = (at >> (k + 1) << (k + 1)) | (1L << k);
            (fork > at ? above : below).Add(fork);
        }
        return ([.. above], [.. below]);
    }
}

/// <summary>
/// Reads the object history at a seq: the versions of some kinds within a scope (everything, one DaemonSet's, one
/// node's), one object, or a page of one kind in key order; each read touches only versions that hold at that seq.
/// </summary>
public sealed class HistoryReader(NpgsqlDataSource db)
{
    /// <summary>Objects of these kinds, all of them, or those of one owning DaemonSet ("" for pods without one), or of one node.</summary>
    public sealed record Scope(char[] Kinds, string? Owner = null, string? Node = null)
    {
        public static Scope Everything { get; } = new(ObjectHistory.Kinds.All);
    }

    /// <summary>A version read: kind, key and its stored body.</summary>
    public sealed record Stored(char Kind, string Key, byte[] Body)
    {
        public (char Kind, string Key, object Value) Read() => (Kind, Key, ObjectHistory.Read(Kind, Body));
    }

    /// <summary>Every version of the scopes holding at <paramref name="at"/> (an object in two scopes comes once).</summary>
    public async Task<List<Stored>> ReadAsync(long at, IReadOnlyList<Scope> scopes, CancellationToken ct)
    {
        var rows = new List<Stored>();
        await foreach (var row in RowsAsync(at, scopes, ct)) rows.Add(row);
        return rows;
    }

    /// <summary>
    /// <see cref="ReadAsync"/>, each version read back into its object: a chunk of rows is read back on the thread pool
    /// while the next rows arrive, so a whole cluster (a hundred thousand versions and more) costs about the longer of
    /// the two instead of their sum. In the order read.
    /// </summary>
    public Task<List<(char Kind, string Key, object Value)>> ReadObjectsAsync(long at, IReadOnlyList<Scope> scopes, CancellationToken ct) =>
        ReadBackAsync(RowsAsync(at, scopes, ct), ct);

    /// <summary>
    /// What changed after <paramref name="at"/>, for building the state at it from the live state at
    /// <paramref name="liveHead"/> (not before <paramref name="at"/>): the versions that held at <paramref name="at"/>
    /// and are no longer current (their objects changed or went away since: read back into objects), and the keys of
    /// the objects whose version at <paramref name="at"/> or at <paramref name="liveHead"/> is not the current one:
    /// current versions begun after <paramref name="at"/>, and versions that held at <paramref name="liveHead"/> and
    /// ended since (what was written after the live state was taken: normally nothing, more for a reader whose live
    /// state lags). An object in neither is as it was then. All three are read in one snapshot; the cost is what
    /// changed since, not the cluster.
    /// </summary>
    public async Task<(List<(char Kind, string Key, object Value)> Then, List<(char Kind, string Key)> Since)> ChangedAfterAsync(
        long at, long liveHead, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var since = new List<(char Kind, string Key)>();
        await using (var command = new NpgsqlCommand("select kind, key from history_open where lower > $1", connection, snapshot))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = at });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) since.Add((reader.GetChar(0), reader.GetString(1)));
        }
        await foreach (var ended in ClosedRowsAsync(connection, snapshot, liveHead, bodies: false, ct)) since.Add((ended.Kind, ended.Key));
        var then = await ReadBackAsync(ClosedRowsAsync(connection, snapshot, at, bodies: true, ct), ct);
        await snapshot.CommitAsync(ct);
        return (then, since);
    }

    /// <summary>Versions read back into objects a chunk at a time on the thread pool while the next rows arrive; in the order read.</summary>
    private static async Task<List<(char Kind, string Key, object Value)>> ReadBackAsync(IAsyncEnumerable<Stored> source, CancellationToken ct)
    {
        const int chunk = 4_096;
        var chunks = new List<Task<(char, string, object)[]>>();
        var rows = new List<Stored>(chunk);
        await foreach (var row in source.WithCancellation(ct))
        {
            rows.Add(row);
            if (rows.Count < chunk) continue;
            var full = rows;
            chunks.Add(Task.Run(() => full.Select(r => r.Read()).ToArray(), ct));
            rows = new List<Stored>(chunk);
        }
        chunks.Add(Task.FromResult(rows.Select(r => r.Read()).ToArray()));
        var objects = new List<(char Kind, string Key, object Value)>(chunks.Count * chunk);
        foreach (var part in chunks) objects.AddRange(await part);
        return objects;
    }

    /// <summary>
    /// The closed versions (of every kind) holding at <paramref name="at"/>: the interval tree alone, without history_open;
    /// their bodies, or only kind and key (an empty body).
    /// </summary>
    private static async IAsyncEnumerable<Stored> ClosedRowsAsync(NpgsqlConnection connection, NpgsqlTransaction snapshot, long at, bool bodies,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(ClosedHoldingSql($"h.kind, h.key, {(bodies ? "h.body" : "''::bytea")}", ""), connection, snapshot);
        AddClosedHolding(command.Parameters, at, ObjectHistory.Kinds.All, "");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) yield return new Stored(reader.GetChar(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2));
    }

    /// <summary>
    /// The interval tree's two range scans (migration 0009): the closed versions holding at $3 of the kinds paired with
    /// the forks above it ($1, $2: lower decides) and at or below it ($5, $6: upper decides). <paramref name="condition"/>
    /// narrows h further ("h.owner = $4 and "); see <see cref="AddClosedHolding"/> for the parameters.
    /// </summary>
    private static string ClosedHoldingSql(string columns, string condition) => $"""
        select {columns} from unnest($1::text[]::"char"[], $2::bigint[]) as f(kind, fork)
        join history h on {condition}h.kind = f.kind and h.fork = f.fork and h.lower <= $3
        union all
        select {columns} from unnest($5::text[]::"char"[], $6::bigint[]) as f(kind, fork)
        join history h on {condition}h.kind = f.kind and h.fork = f.fork and h.upper >= $3
        """;

    /// <summary>The six parameters of <see cref="ClosedHoldingSql"/>: forks above, the seq, the scope's value ($4), forks at or below.</summary>
    private static void AddClosedHolding(NpgsqlParameterCollection parameters, long at, char[] kinds, string scopeValue)
    {
        var (above, below) = HistoryTree.Forks(at);
        var (aboveKinds, aboveForks) = Pairs(kinds, above);
        var (belowKinds, belowForks) = Pairs(kinds, below);
        parameters.Add(new NpgsqlParameter { Value = aboveKinds });
        parameters.Add(new NpgsqlParameter { Value = aboveForks });
        parameters.Add(new NpgsqlParameter { Value = at });
        parameters.Add(new NpgsqlParameter { Value = scopeValue });
        parameters.Add(new NpgsqlParameter { Value = belowKinds });
        parameters.Add(new NpgsqlParameter { Value = belowForks });
    }

    /// <summary>
    /// The versions of one scope holding at $3: the closed ones from the interval tree, the current ones from
    /// history_open, narrowed to the scope's DaemonSet or node ($4; a scope of both is found by its DaemonSet, then
    /// narrowed to the node, $8) and by <paramref name="condition"/> ("(h.key || '') &gt; $9 and ").
    /// See <see cref="AddScopeHolding"/> for the parameters.
    /// </summary>
    private static string ScopeHoldingSql(Scope scope, string condition)
    {
        var column = scope.Owner is not null ? "owner" : scope.Node is not null ? "node" : null;
        condition = (column is null ? "" : $"h.{column} = $4 and ") + (scope is { Owner: not null, Node: not null } ? "h.node = $8 and " : "") + condition;
        // Statements are prepared, and after a few runs PostgreSQL may plan them once for any parameters: that plan
        // ANDs the scope's index on history_open with the index on lower (and on key, for a page), which match most of
        // the table (26 ms against 4 for a DaemonSet's page at 5,000 nodes). "+ 0" keeps lower a filter of what the
        // scope's index finds; a page's key condition is written so by its caller.
        return $"""
            {ClosedHoldingSql("h.kind, h.key, h.body", condition)}
            union all
            select h.kind, h.key, h.body from history_open h where {condition}h.kind = any($7::text[]::"char"[]) and h.lower{(column is null ? "" : " + 0")} <= $3
            """;
    }

    /// <summary>
    /// The eight parameters of <see cref="ScopeHoldingSql"/>: those of <see cref="AddClosedHolding"/>, the scope's kinds,
    /// then its node when it has a DaemonSet too.
    /// </summary>
    private static void AddScopeHolding(NpgsqlParameterCollection parameters, long at, Scope scope)
    {
        AddClosedHolding(parameters, at, scope.Kinds, scope.Owner ?? scope.Node ?? "");
        parameters.Add(new NpgsqlParameter { Value = scope.Kinds.Select(k => k.ToString()).ToArray() });
        parameters.Add(new NpgsqlParameter { Value = scope.Owner is null ? "" : scope.Node ?? "" });
    }

    private async IAsyncEnumerable<Stored> RowsAsync(long at, IReadOnlyList<Scope> scopes, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        foreach (var scope in scopes)
        {
            var command = new NpgsqlBatchCommand(ScopeHoldingSql(scope, ""));
            AddScopeHolding(command.Parameters, at, scope);
            batch.BatchCommands.Add(command);
        }
        var seen = new HashSet<(char, string)>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        do
        {
            while (await reader.ReadAsync(ct))
            {
                var row = new Stored(reader.GetChar(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2));
                if (seen.Add((row.Kind, row.Key))) yield return row;
            }
        }
        while (await reader.NextResultAsync(ct));
    }

    /// <summary>
    /// At most <paramref name="limit"/> versions of one scope (its kinds, owned by a DaemonSet, on a node, or both)
    /// holding at <paramref name="at"/>, in key order after <paramref name="after"/>, optionally in one namespace: the
    /// interval tree finds every version of the scope holding then, and only the page's bodies are sent.
    /// </summary>
    public async Task<List<Stored>> ScopePageAsync(long at, Scope scope, string after, int limit, string? inNamespace, CancellationToken ct)
    {
        // the key and the namespace are filters of what the scope's index finds (see ScopeHoldingSql), not a range of
        // keys: as a range, the planner would rather walk the keys of every object of the kind
        await using var command = db.CreateCommand($"""
            select kind, key, body from (
                {ScopeHoldingSql(scope, inNamespace is null ? "(h.key || '') > $9 and " : "(h.key || '') > $9 and split_part(h.key, '/', 1) = $11 and ")}
            ) page order by key limit $10
            """);
        AddScopeHolding(command.Parameters, at, scope);
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        command.Parameters.Add(new NpgsqlParameter { Value = inNamespace ?? "" });
        var rows = new List<Stored>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(new Stored(reader.GetChar(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2)));
        return rows;
    }

    /// <summary>
    /// At most <paramref name="limit"/> objects of one kind holding at <paramref name="at"/>, in key order after
    /// <paramref name="after"/>, optionally in one namespace (keys "namespace/name").
    /// </summary>
    public async Task<List<Stored>> PageAsync(long at, char kind, string after, int limit, string? inNamespace, CancellationToken ct)
    {
        var (from, to) = inNamespace is null ? (after, null) : (string.CompareOrdinal(after, inNamespace + "/") > 0 ? after : inNamespace + "/", inNamespace + "0");
        var range = to is null ? "" : " and key < $5";
        await using var command = db.CreateCommand($"""
            select kind, key, body from (
                (select kind, key, body from history where kind = $1::"char" and key > $2{range} and lower <= $3 and upper >= $3 order by key limit $4)
                union all
                (select kind, key, body from history_open where kind = $1::"char" and key > $2{range} and lower <= $3 order by key limit $4)
            ) page order by key limit $4
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = kind.ToString() });
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = at });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)to ?? "" });
        var rows = new List<Stored>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(new Stored(reader.GetChar(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2)));
        return rows;
    }

    /// <summary>A version with its interval (Upper: <see cref="long.MaxValue"/> while current) and its owner.</summary>
    public sealed record Ranged(char Kind, string Key, long Lower, long Upper, string? Owner, byte[] Body);

    /// <summary>
    /// Every version of these objects, and of the revisions of these DaemonSets, that holds somewhere in [from, to]:
    /// what a walk over that stretch of the log needs to see them change.
    /// </summary>
    public async Task<List<Ranged>> VersionsAsync(IReadOnlyList<(char Kind, string Key)> objects, IReadOnlyList<string> revisionOwners,
        long from, long to, CancellationToken ct)
    {
        var rows = new List<Ranged>();
        if (objects.Count == 0 && revisionOwners.Count == 0) return rows;
        await using var command = db.CreateCommand($$"""
            select h.kind, h.key, h.lower, h.upper, h.owner, h.body from unnest($1::text[]::"char"[], $2::text[]) as t(kind, key)
            join history h on h.kind = t.kind and h.key = t.key and h.lower <= $4 and h.upper >= $3
                -- from the version that held at $3 on: an object's versions do not overlap, so none before it reaches $3,
                -- and the key's index reads only the window's versions, not all the object's history before it
                and h.lower >= coalesce((select max(p.lower) from history p where p.kind = t.kind and p.key = t.key and p.lower <= $3), 0)
            union all
            select h.kind, h.key, h.lower, {{long.MaxValue}}, h.owner, h.body from unnest($1::text[]::"char"[], $2::text[]) as t(kind, key)
            join history_open h on h.kind = t.kind and h.key = t.key and h.lower <= $4
            union all
            select h.kind, h.key, h.lower, h.upper, h.owner, h.body from history h
            where h.owner = any($5) and h.kind = 'R' and h.lower <= $4 and h.upper >= $3
            union all
            select h.kind, h.key, h.lower, {{long.MaxValue}}, h.owner, h.body from history_open h
            where h.owner = any($5) and h.kind = 'R' and h.lower <= $4
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = objects.Select(o => o.Kind.ToString()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = objects.Select(o => o.Key).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        command.Parameters.Add(new NpgsqlParameter { Value = revisionOwners.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new Ranged(reader.GetChar(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetFieldValue<byte[]>(5)));
        return rows;
    }

    /// <summary>The fingerprint of the whole state after the event at <paramref name="at"/> (of the empty state at 0).</summary>
    public async Task<string> FingerprintAsync(long at, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select value::text from fingerprints where seq <= $1 order by seq desc limit 1");
        command.Parameters.Add(new NpgsqlParameter { Value = at });
        var value = await command.ExecuteScalarAsync(ct) as string;
        return Fingerprint.Format(value is null ? BigInteger.Zero : BigInteger.Parse(value, CultureInfo.InvariantCulture));
    }

    private static (string[] Kinds, long[] Forks) Pairs(char[] kinds, long[] forks) =>
        ([.. kinds.SelectMany(k => forks.Select(_ => k.ToString()))], [.. kinds.SelectMany(_ => forks)]);
}
