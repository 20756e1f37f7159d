using Npgsql;

namespace EventEngine.Storage;

/// <summary>
/// One write to the log under the append lock (see <see cref="EventStore.BeginAppendAsync"/>): read what is new,
/// decide, append, commit. Disposed without a commit, it appends nothing and lets the lock go.
/// </summary>
public sealed class AppendSession : IAsyncDisposable
{
    private readonly EventStore _store;
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private bool _done;

    internal AppendSession(EventStore store, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _store = store;
        _connection = connection;
        _transaction = transaction;
    }

    /// <summary>At most <paramref name="limit"/> events after <paramref name="afterSeq"/>; under the lock nothing commits meanwhile.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAfterAsync(long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand(
            $"select {EventRows.Columns} from events where seq > @after order by seq limit @limit", _connection, _transaction);
        command.Parameters.AddWithValue("after", afterSeq);
        command.Parameters.AddWithValue("limit", limit);
        return await EventRows.ReadAsync(command, cancellationToken);
    }

    /// <summary>The version and last seq of each of these streams that the log holds; under the lock nothing moves them meanwhile.</summary>
    public Task<IReadOnlyList<(string Stream, long Version, long Seq)>> StreamPositionsAsync(IEnumerable<string> streams, CancellationToken cancellationToken = default) =>
        StreamVersions.PositionsAsync(_connection, _transaction, streams, cancellationToken);

    /// <summary>Appends in the caller's order (see <see cref="EventStore.AppendOrderedAsync"/>); nothing is visible before <see cref="CommitAsync"/>.</summary>
    public Task<AppendResult> AppendOrderedAsync(
        IReadOnlyList<OrderedEvent> events,
        IReadOnlyDictionary<string, long> expectedVersions,
        DateTimeOffset? recordedAt = null,
        BeforeCommit? beforeCommit = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var appends = events.GroupBy(e => e.Stream, StringComparer.Ordinal)
            .Select(g => new StreamAppend(g.Key,
                expectedVersions.TryGetValue(g.Key, out var expected) ? expected : throw new ArgumentException($"no expected version for stream '{g.Key}'", nameof(expectedVersions)),
                g.Select(e => e.Event).ToList()))
            .ToList();
        return AppendCoreAsync(appends, events, bulk: false, recordedAt, beforeCommit, cancellationToken);
    }

    internal Task<AppendResult> AppendCoreAsync(
        IReadOnlyList<StreamAppend> appends,
        IReadOnlyList<OrderedEvent>? order,
        bool bulk,
        DateTimeOffset? recordedAt,
        BeforeCommit? beforeCommit,
        CancellationToken cancellationToken) =>
        _store.AppendInTransactionAsync(_connection, _transaction, appends, order, bulk, recordedAt, beforeCommit, cancellationToken);

    /// <summary>The receipts stored under these Idempotency-Keys; under the lock, so a retry racing its first attempt sees them.</summary>
    public Task<IReadOnlyList<CommandReceipt>> FindReceiptsAsync(string[] keys, CancellationToken cancellationToken = default) =>
        EventRows.ReceiptsAsync(_connection, _transaction, keys, cancellationToken);

    /// <summary>Appends events the caller decided under this session's lock (seqs after the head it read, versions after each stream's), with what commits beside them.</summary>
    public async Task AppendDecidedAsync(IReadOnlyList<StoredEvent> events, IEnumerable<NpgsqlBatchCommand> alongside, CancellationToken cancellationToken = default)
    {
        await using var batch = new NpgsqlBatch(_connection, _transaction);
        foreach (var command in EventRows.Decided(events, alongside)) batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        _done = true;
        await _transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_done && _transaction.Connection is not null) await _transaction.RollbackAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // the connection is already gone (an outage): PostgreSQL rolled the transaction back itself
        }
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
