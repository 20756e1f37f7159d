using Npgsql;

namespace EventEngine.Storage;

/// <summary>
/// Work that must commit atomically with appended events (inline projections): it runs in the
/// append's transaction after the events are inserted; if it throws, nothing is committed.
/// </summary>
/// <param name="connection">The append's connection.</param>
/// <param name="transaction">The append's open transaction; do not commit or roll it back.</param>
/// <param name="appended">The events just inserted, in seq order.</param>
/// <param name="cancellationToken">The append's cancellation token.</param>
public delegate Task BeforeCommit(
    NpgsqlConnection connection,
    NpgsqlTransaction transaction,
    IReadOnlyList<StoredEvent> appended,
    CancellationToken cancellationToken);
