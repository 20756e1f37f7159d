using System.Threading.Channels;
using EventEngine.Events;
using EventEngine.Projections.History;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;
using Npgsql;
using NpgsqlTypes;

namespace EventEngine.Projections.ReadModels;

/// <summary>
/// Drops and rebuilds every read model and the object history from the log, in bulk: the log is read in large pages
/// (decoded in parallel), folded in memory event by event, and what the events leave behind (closed versions,
/// fingerprints, ended placement intervals) is streamed with binary COPY into fresh tables without indexes, while
/// the fold goes on; the current versions, open intervals and read models are copied at the end, then the indexes are
/// built in one pass each. The old tables keep answering meanwhile; a short final transaction (holding the append
/// lock, so nothing commits meanwhile) folds whatever was appended during the rebuild and swaps the tables in.
/// Memory: the folded state, the current version of every object, and at most <see cref="Pending"/> batches in flight.
/// </summary>
public sealed partial class Rebuild(NpgsqlDataSource dataSource, EventStore store)
{
    private static readonly string[] Tables =
        ["proj_nodes", "proj_daemonsets", "proj_pods", "proj_revisions", "proj_placements", "history", "history_open", "fingerprints"];

    /// <summary>
    /// How many events are read, folded and handed to COPY at a time. The pages in flight (the one read ahead, the one
    /// folded, and up to <see cref="Pending"/> waiting for COPY) hold their events and the versions they closed: on a
    /// 1,000,000-event log of 5,000 nodes the rebuild's peak was 1.8-2.0 GB resident with pages of 20,000 events and
    /// 1.4-1.5 GB with 5,000, in the same time (docs/performance.md).
    /// </summary>
    internal int PageSize { get; init; } = 5_000;

    /// <summary>How many written-out batches may wait for COPY before the fold waits for them.</summary>
    private const int Pending = 4;

    /// <summary>Held for the whole of a rebuild, by whichever server runs it: one rebuild at a time per database.</summary>
    public const long LockKey = 0x4556_5245_4255; // "EVREBU"

    /// <summary>
    /// Rebuilds, returning the seq the new read models stand at; <paramref name="progress"/> hears, after each page of
    /// the log folded, the seq reached and the head the rebuild goes to.
    /// </summary>
    /// <exception cref="RebuildInProgressException">Another rebuild of this database is running.</exception>
    public async Task<long> RunAsync(CancellationToken ct, Action<long, long>? progress = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var take = new NpgsqlCommand($"select pg_try_advisory_lock({LockKey})", connection))
            if (await take.ExecuteScalarAsync(ct) is not true) throw new RebuildInProgressException();
        try
        {
            return await RebuildAsync(connection, progress, ct);
        }
        finally
        {
            await using var release = new NpgsqlCommand($"select pg_advisory_unlock({LockKey})", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Rebuilds when the read models do not stand at the log's head: a migration that changes them drops their
    /// checkpoint. Returns whether it rebuilt (not when another server is rebuilding already).
    /// </summary>
    public async Task<bool> CatchUpAsync(CancellationToken ct)
    {
        // the head first: appends move the checkpoint with the log, so one that commits in between keeps it at or past the head read
        var head = await store.GetHeadSeqAsync(ct);
        await using (var command = dataSource.CreateCommand("select coalesce((select seq from proj_checkpoint where name = @name), 0)"))
        {
            command.Parameters.AddWithValue("name", ReadModelWriter.Checkpoint);
            if ((long)(await command.ExecuteScalarAsync(ct))! >= head) return false;
        }
        try
        {
            await RunAsync(ct);
            return true;
        }
        catch (RebuildInProgressException)
        {
            return false;
        }
    }

    private async Task<long> RebuildAsync(NpgsqlConnection connection, Action<long, long>? progress, CancellationToken ct)
    {
        var head = progress is null ? 0 : await store.GetHeadSeqAsync(ct);
        await using (var prepare = await connection.BeginTransactionAsync(ct))
        {
            foreach (var table in Tables)
                await ExecuteAsync(connection, prepare, $"drop table if exists {table}_next; create table {table}_next (like {table} including defaults including compression)", ct);
            await prepare.CommitAsync(ct);
        }

        var fold = new LogFold();
        var versions = new HistoryVersions();
        var intervals = new PlacementIntervals();
        var batches = Channel.CreateBounded<Written>(new BoundedChannelOptions(Pending) { SingleReader = true });
        var writer = Task.Run(async () =>
        {
            try
            {
                await CopyAsync(batches.Reader, ct);
            }
            catch (Exception e)
            {
                // the fold must not wait for room in a channel nobody reads any more: it stops at its next page
                batches.Writer.TryComplete(e);
                throw;
            }
        }, ct);
        try
        {
            await fold.ReadAsync(store, PageSize, ct, (stored, e, before, after) =>
            {
                versions.Add(stored.Seq, before, after, e);
                intervals.Apply(PlacementWriter.IntentOf(stored, e, before, after), stored);
            }, async () =>
            {
                // a page folded: what it closed goes to COPY, and the fold goes on
                await batches.Writer.WriteAsync(new Written(versions.TakeClosed(), versions.TakeFingerprints(), intervals.TakeClosed()), ct);
                progress?.Invoke(fold.Head, Math.Max(head, fold.Head));
            });
            batches.Writer.Complete();
        }
        catch (Exception e)
        {
            batches.Writer.TryComplete(e);
            throw;
        }
        finally
        {
            await writer;
        }

        // the closed versions and the fingerprints are all written: their indexes (the history's seven are the longest
        // part of the end) are built on a connection of their own while what is still current at the end is made and
        // copied: the open versions and intervals, and the read models
        var indexed = IndexAsync(PagedTables, ct);
        try
        {
            await using var load = await connection.BeginTransactionAsync(ct);
            await CopyVersionsAsync(connection, "history_open_next", versions.Open, open: true, ct);
            await CopyIntervalsAsync(connection, intervals.Open, ct);
            await ReadModelWriter.CopyAllAsync(connection, fold.State, fold.Positions, "_next", ct);
            foreach (var table in Tables.Except(PagedTables)) await IndexAsync(connection, load, table, ct);
            await load.CommitAsync(ct);
        }
        finally
        {
            await indexed;
        }

        await using var swap = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, swap, $"select pg_advisory_xact_lock({EventStore.AppendLockKey})", ct);
        var before = fold.State;
        var late = new List<(StoredEvent, IEvent)>();
        var lateCommands = new List<NpgsqlBatchCommand>();
        var lateVersions = new HistoryVersions();
        await fold.ReadAsync(store, PageSize, ct, (stored, e, b, a) =>
        {
            late.Add((stored, e));
            lateVersions.Add(stored.Seq, b, a, e);
            lateCommands.AddRange(PlacementWriter.Commands(stored, e, b, a, "_next"));
        }, () => Task.CompletedTask);
        if (late.Count > 0)
        {
            lateCommands.InsertRange(0, ReadModelWriter.Statements(new ProjectionBatch(before, fold.State, late, fold.Positions), suffix: "_next"));
            lateCommands.AddRange(lateVersions.Statements("_next"));
            await using var batch = new NpgsqlBatch(connection, swap);
            foreach (var command in lateCommands) batch.BatchCommands.Add(command);
            await batch.ExecuteNonQueryAsync(ct);
        }
        foreach (var table in Tables)
        {
            var names = await IndexNamesAsync(connection, swap, table, ct);
            await ExecuteAsync(connection, swap, $"drop table {table}; alter table {table}_next rename to {table}", ct);
            foreach (var (next, original) in names)
                await ExecuteAsync(connection, swap, $"alter index {next} rename to {original}", ct);
        }
        await ExecuteAsync(connection, swap,
            $"insert into proj_checkpoint (name, seq) values ('{ReadModelWriter.Checkpoint}', {fold.Head}) on conflict (name) do update set seq = excluded.seq", ct);
        await swap.CommitAsync(ct);
        return fold.Head;
    }

    /// <summary>What one folded page left behind for COPY.</summary>
    private sealed record Written(
        List<HistoryVersions.Row> Versions, FingerprintMoves Fingerprints, List<PlacementIntervals.Interval> Intervals);

    /// <summary>
    /// Writes the pages' closed rows as they come, on a connection of its own: their bodies and the fingerprints' hashes
    /// are made here, on this one thread beside the fold (spread over every core, they took the fold's core from it and
    /// the rebuild was slower), and the fingerprints summed in page order from the empty state's.
    /// </summary>
    private async Task CopyAsync(ChannelReader<Written> batches, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var fingerprint = System.Numerics.BigInteger.Zero;
        await foreach (var written in batches.ReadAllAsync(ct))
        {
            await CopyVersionsAsync(connection, "history_next", written.Versions, open: false, ct);
            await CopyIntervalsAsync(connection, written.Intervals, ct);
            var fingerprints = written.Fingerprints.Sum(fingerprint, parallel: false);
            if (fingerprints.Count > 0) fingerprint = fingerprints[^1].Value;
            await using var importer = await connection.BeginBinaryImportAsync("copy fingerprints_next (seq, value) from stdin (format binary)", ct);
            foreach (var (seq, value) in fingerprints)
            {
                await importer.StartRowAsync(ct);
                await importer.WriteAsync(seq, NpgsqlDbType.Bigint, ct);
                await importer.WriteAsync(value, NpgsqlDbType.Numeric, ct);
            }
            await importer.CompleteAsync(ct);
        }
    }

    private static async Task CopyVersionsAsync(NpgsqlConnection connection, string table, IEnumerable<HistoryVersions.Row> rows, bool open, CancellationToken ct)
    {
        var columns = open ? "kind, key, lower, owner, node, body" : "kind, key, lower, upper, fork, owner, node, body";
        await using var importer = await connection.BeginBinaryImportAsync($"copy {table} ({columns}) from stdin (format binary)", ct);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(ct);
            await importer.WriteAsync(row.Kind, NpgsqlDbType.InternalChar, ct);
            await importer.WriteAsync(row.Key, NpgsqlDbType.Text, ct);
            await importer.WriteAsync(row.Lower, NpgsqlDbType.Bigint, ct);
            if (!open)
            {
                await importer.WriteAsync(row.Upper, NpgsqlDbType.Bigint, ct);
                await importer.WriteAsync(HistoryTree.Fork(row.Lower, row.Upper), NpgsqlDbType.Bigint, ct);
            }
            await WriteNullableAsync(importer, row.Owner, ct);
            await WriteNullableAsync(importer, row.Node, ct);
            await importer.WriteAsync(row.Body, NpgsqlDbType.Bytea, ct);
        }
        await importer.CompleteAsync(ct);
    }

    private static async Task CopyIntervalsAsync(NpgsqlConnection connection, IEnumerable<PlacementIntervals.Interval> rows, CancellationToken ct)
    {
        await using var importer = await connection.BeginBinaryImportAsync(
            "copy proj_placements_next (daemonset, daemonset_uid, pod, hash, node, from_seq, from_time, to_seq, to_time, end_reason, end_detail) from stdin (format binary)", ct);
        foreach (var i in rows)
        {
            await importer.StartRowAsync(ct);
            await importer.WriteAsync(i.DaemonSet, NpgsqlDbType.Text, ct);
            await importer.WriteAsync(i.Uid, NpgsqlDbType.Text, ct);
            await importer.WriteAsync(i.Pod, NpgsqlDbType.Text, ct);
            await importer.WriteAsync(i.Hash, NpgsqlDbType.Text, ct);
            await WriteNullableAsync(importer, i.Node, ct);
            await importer.WriteAsync(i.FromSeq, NpgsqlDbType.Bigint, ct);
            await importer.WriteAsync(i.FromTime, NpgsqlDbType.TimestampTz, ct);
            if (i.ToSeq is { } to) await importer.WriteAsync(to, NpgsqlDbType.Bigint, ct); else await importer.WriteNullAsync(ct);
            if (i.ToTime is { } time) await importer.WriteAsync(time, NpgsqlDbType.TimestampTz, ct); else await importer.WriteNullAsync(ct);
            await WriteNullableAsync(importer, i.EndReason, ct);
            await WriteNullableAsync(importer, i.EndDetail, ct);
        }
        await importer.CompleteAsync(ct);
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter importer, string? value, CancellationToken ct)
    {
        if (value is null) await importer.WriteNullAsync(ct);
        else await importer.WriteAsync(value, NpgsqlDbType.Text, ct);
    }

    /// <summary>The tables only the fold's pages write (all of them written once the fold is done).</summary>
    private static readonly string[] PagedTables = ["history", "fingerprints"];

    /// <summary>The indexes of these tables, built in a transaction on a connection of its own.</summary>
    private async Task IndexAsync(IReadOnlyList<string> tables, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        foreach (var table in tables) await IndexAsync(connection, transaction, table, ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>The table's indexes and primary key, built on the new table now that it is loaded (one sorted pass each).</summary>
    private static async Task IndexAsync(NpgsqlConnection c, NpgsqlTransaction tx, string table, CancellationToken ct)
    {
        var definitions = new List<string>();
        await using (var command = new NpgsqlCommand("""
            select i.indexname, i.indexdef, con.conname, pg_get_constraintdef(con.oid)
            from pg_indexes i
            join pg_class ic on ic.relname = i.indexname and ic.relnamespace = (select oid from pg_namespace where nspname = i.schemaname)
            left join pg_constraint con on con.conindid = ic.oid and con.contype = 'p'
            where i.schemaname = current_schema() and i.tablename = @table
            """, c, tx))
        {
            command.Parameters.AddWithValue("table", table);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                definitions.Add(reader.IsDBNull(2)
                    ? IndexDefinition().Replace(reader.GetString(1), "${create}${name}_next ON ${table}_next ")
                    : $"alter table {table}_next add constraint {reader.GetString(2)}_next {reader.GetString(3)}");
            }
        }
        foreach (var definition in definitions) await ExecuteAsync(c, tx, definition, ct);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<create>CREATE (UNIQUE )?INDEX )(?<name>\S+) ON (?<table>\S+) ")]
    private static partial System.Text.RegularExpressions.Regex IndexDefinition();

    /// <summary>
    /// The new table's indexes and the names the old one's go by, matched by definition: the swapped-in table keeps
    /// the index names migrations know.
    /// </summary>
    private static async Task<List<(string Next, string Original)>> IndexNamesAsync(NpgsqlConnection c, NpgsqlTransaction tx, string table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select n.indexname, o.indexname
            from pg_indexes n
            join pg_indexes o on o.schemaname = n.schemaname and o.tablename = @table
             and regexp_replace(o.indexdef, '^.* ON ', '') = replace(regexp_replace(n.indexdef, '^.* ON ', ''), @next, @table)
            where n.schemaname = current_schema() and n.tablename = @next and n.indexname <> o.indexname
            """, c, tx);
        command.Parameters.AddWithValue("table", table);
        command.Parameters.AddWithValue("next", table + "_next");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var names = new List<(string, string)>();
        while (await reader.ReadAsync(ct)) names.Add((reader.GetString(0), reader.GetString(1)));
        return names;
    }

    private static async Task ExecuteAsync(NpgsqlConnection c, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, c, tx);
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>A rebuild was asked for while another one is running.</summary>
public sealed class RebuildInProgressException() : Exception("a rebuild of the read models is already running; try again when it ends");

/// <summary>The log folded from the start: state, head, and the version and last seq of its objects' streams.</summary>
public sealed class LogFold
{
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _seqs = new(StringComparer.Ordinal);

    public ClusterState State { get; private set; } = ClusterState.Empty;
    public long Head { get; private set; }
    public IStreamPositions Positions => new StreamPositions(_versions, _seqs);

    /// <summary>
    /// Folds everything after <see cref="Head"/> a page at a time (each page decoded in parallel), telling
    /// <paramref name="each"/> about every event with the states around it, and <paramref name="paged"/> after each page.
    /// </summary>
    public async Task ReadAsync(EventStore store, int pageSize, CancellationToken ct,
        Action<StoredEvent, IEvent, ClusterState, ClusterState> each, Func<Task> paged)
    {
        var next = store.ReadAllAsync(Head, pageSize, ct);
        while (true)
        {
            var page = await next;
            if (page.Count == 0) return;
            // the next page is read while this one is decoded and folded
            next = store.ReadAllAsync(page[^1].Seq, pageSize, ct);
            var decoded = page.AsParallel().AsOrdered().Select(EventTypes.Decode).ToArray();
            for (var i = 0; i < page.Count; i++)
            {
                var e = page[i];
                var before = State;
                State = Fold.Evolve(State, decoded[i]);
                _versions[e.Stream] = e.Version;
                _seqs[e.Stream] = e.Seq;
                // the rows are written for the objects there are: a deleted one's stream is let go, as the live engine does
                foreach (var ended in Streams.EndedBy(e, State))
                {
                    _versions.Remove(ended);
                    _seqs.Remove(ended);
                }
                Head = e.Seq;
                each(e, decoded[i].Event, before, State);
            }
            await paged();
        }
    }
}
