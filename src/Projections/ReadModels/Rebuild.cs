using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;
using Npgsql;

namespace EventEngine.Projections.ReadModels;

/// <summary>
/// Drops and rebuilds every read model from the log. The new rows go into fresh tables while the old ones keep
/// answering; a short final transaction (holding the append lock, so nothing commits meanwhile) folds whatever
/// was appended during the rebuild and swaps the tables in.
/// </summary>
public sealed class Rebuild(NpgsqlDataSource dataSource, EventStore store)
{
    private static readonly string[] Tables = ["proj_nodes", "proj_daemonsets", "proj_pods", "proj_revisions"];

    /// <summary>Rebuilds, returning the seq the new read models stand at.</summary>
    public async Task<long> RunAsync(CancellationToken ct)
    {
        var fold = new LogFold();
        await fold.ReadAsync(store, ct);

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var prepare = await connection.BeginTransactionAsync(ct))
        {
            foreach (var table in Tables)
                await ExecuteAsync(connection, prepare, $"drop table if exists {table}_next; create table {table}_next (like {table} including all)", ct);
            await ReadModelWriter.WriteAllAsync(connection, prepare, fold.State, fold.Versions, fold.Head, ct, suffix: "_next");
            await prepare.CommitAsync(ct);
        }

        await using var swap = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, swap, $"select pg_advisory_xact_lock({EventStore.AppendLockKey})", ct);
        var before = fold.State;
        var late = await fold.ReadAsync(store, ct);
        if (late.Count > 0)
        {
            var batch = new ProjectionBatch(before, fold.State, late, fold.VersionMap, fold.SeqMap);
            await ReadModelWriter.ApplyAsync(connection, swap, batch, ct, suffix: "_next");
        }
        foreach (var table in Tables)
            await ExecuteAsync(connection, swap, $"drop table {table}; alter table {table}_next rename to {table}", ct);
        await ExecuteAsync(connection, swap,
            $"insert into proj_checkpoint (name, seq) values ('{ReadModelWriter.Checkpoint}', {fold.Head}) on conflict (name) do update set seq = excluded.seq", ct);
        await swap.CommitAsync(ct);
        return fold.Head;
    }

    private static async Task ExecuteAsync(NpgsqlConnection c, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, c, tx);
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>The log folded from the start: state, head, and every stream's version and last seq.</summary>
public sealed class LogFold
{
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _seqs = new(StringComparer.Ordinal);

    public ClusterState State { get; private set; } = ClusterState.Empty;
    public long Head { get; private set; }
    public IReadOnlyDictionary<string, long> VersionMap => _versions;
    public IReadOnlyDictionary<string, long> SeqMap => _seqs;
    public Rows.Versions Versions => new(_versions, _seqs);

    /// <summary>Folds everything after <see cref="Head"/>; returns what it folded.</summary>
    public async Task<List<(StoredEvent Stored, Events.IEvent Event)>> ReadAsync(EventStore store, CancellationToken ct)
    {
        var folded = new List<(StoredEvent, Events.IEvent)>();
        while (true)
        {
            var page = await store.ReadAllAsync(Head, 5_000, ct);
            if (page.Count == 0) return folded;
            foreach (var e in page)
            {
                var recorded = EngineRuntime.ToRecorded(e);
                State = Fold.Evolve(State, recorded);
                _versions[e.Stream] = e.Version;
                _seqs[e.Stream] = e.Seq;
                folded.Add((e, recorded.Event));
            }
            Head = page[^1].Seq;
        }
    }
}
