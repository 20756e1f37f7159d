using EventEngine.Events;
using EventEngine.Projections.History;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;
using Npgsql;

namespace EventEngine.Projections.ReadModels;

/// <summary>
/// Drops and rebuilds every read model and the snapshots from the log. The new rows go into fresh tables while
/// the old ones keep answering; a short final transaction (holding the append lock, so nothing commits
/// meanwhile) folds whatever was appended during the rebuild and swaps the tables in.
/// </summary>
public sealed class Rebuild(NpgsqlDataSource dataSource, EventStore store, SnapshotOptions options)
{
    private static readonly string[] Tables = ["proj_nodes", "proj_daemonsets", "proj_pods", "proj_revisions", "proj_placements", "snapshots"];
    private const int FlushEvery = 2_000;

    /// <summary>Held for the whole of a rebuild, by whichever server runs it: one rebuild at a time per database.</summary>
    public const long LockKey = 0x4556_5245_4255; // "EVREBU"

    /// <summary>Rebuilds, returning the seq the new read models stand at.</summary>
    /// <exception cref="RebuildInProgressException">Another rebuild of this database is running.</exception>
    public async Task<long> RunAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var take = new NpgsqlCommand($"select pg_try_advisory_lock({LockKey})", connection))
            if (await take.ExecuteScalarAsync(ct) is not true) throw new RebuildInProgressException();
        try
        {
            return await RebuildAsync(connection, ct);
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

    private async Task<long> RebuildAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var fold = new LogFold();
        await using (var prepare = await connection.BeginTransactionAsync(ct))
        {
            foreach (var table in Tables)
                await ExecuteAsync(connection, prepare, $"drop table if exists {table}_next; create table {table}_next (like {table} including all)", ct);
            var pending = new List<NpgsqlBatchCommand>();
            var lastSnapshot = 0L;
            await fold.ReadAsync(store, ct, async (stored, e, before, after) =>
            {
                pending.AddRange(PlacementWriter.Commands(stored, e, before, after, "_next"));
                if (pending.Count >= FlushEvery) await FlushAsync(connection, prepare, pending, ct);
                if (stored.Seq - lastSnapshot >= options.Every)
                {
                    await FlushAsync(connection, prepare, pending, ct);
                    await WriteSnapshotAsync(connection, prepare, stored.Seq, after, ct);
                    lastSnapshot = stored.Seq;
                }
            });
            await FlushAsync(connection, prepare, pending, ct);
            await ReadModelWriter.WriteAllAsync(connection, prepare, fold.State, fold.Positions, fold.Head, ct, suffix: "_next");
            await prepare.CommitAsync(ct);
        }

        await using var swap = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, swap, $"select pg_advisory_xact_lock({EventStore.AppendLockKey})", ct);
        var before = fold.State;
        var late = new List<(StoredEvent, Events.IEvent)>();
        var lateCommands = new List<NpgsqlBatchCommand>();
        await fold.ReadAsync(store, ct, (stored, e, b, a) =>
        {
            late.Add((stored, e));
            lateCommands.AddRange(PlacementWriter.Commands(stored, e, b, a, "_next"));
            return Task.CompletedTask;
        });
        if (late.Count > 0)
        {
            lateCommands.InsertRange(0, ReadModelWriter.Statements(new ProjectionBatch(before, fold.State, late, fold.Positions), suffix: "_next"));
            await FlushAsync(connection, swap, lateCommands, ct);
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

    /// <summary>
    /// The new table's indexes and the names the old one's go by, matched by definition: the swapped-in table keeps
    /// the index names migrations know (a copy made with "like" names its indexes after itself).
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

    private static async Task WriteSnapshotAsync(NpgsqlConnection c, NpgsqlTransaction tx, long seq, ClusterState state, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("insert into snapshots_next (seq, state) values (@seq, @state)", c, tx);
        command.Parameters.AddWithValue("seq", seq);
        command.Parameters.AddWithValue("state", Snapshots.Compress(state));
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task FlushAsync(NpgsqlConnection c, NpgsqlTransaction tx, List<NpgsqlBatchCommand> commands, CancellationToken ct)
    {
        if (commands.Count == 0) return;
        await using var batch = new NpgsqlBatch(c, tx);
        foreach (var command in commands) batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(ct);
        commands.Clear();
    }

    private static async Task ExecuteAsync(NpgsqlConnection c, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, c, tx);
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>A rebuild was asked for while another one is running.</summary>
public sealed class RebuildInProgressException() : Exception("a rebuild of the read models is already running; try again when it ends");

/// <summary>The log folded from the start: state, head, and every stream's version and last seq.</summary>
public sealed class LogFold
{
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _seqs = new(StringComparer.Ordinal);

    public ClusterState State { get; private set; } = ClusterState.Empty;
    public long Head { get; private set; }
    public IStreamPositions Positions => new StreamPositions(_versions, _seqs);

    /// <summary>Folds everything after <see cref="Head"/>, telling <paramref name="each"/> about every event.</summary>
    public async Task ReadAsync(EventStore store, CancellationToken ct, Func<StoredEvent, Events.IEvent, ClusterState, ClusterState, Task> each)
    {
        while (true)
        {
            var page = await store.ReadAllAsync(Head, 5_000, ct);
            if (page.Count == 0) return;
            foreach (var e in page)
            {
                var recorded = EventTypes.Decode(e);
                var before = State;
                State = Fold.Evolve(State, recorded);
                _versions[e.Stream] = e.Version;
                _seqs[e.Stream] = e.Seq;
                Head = e.Seq;
                await each(e, recorded.Event, before, State);
            }
        }
    }
}
