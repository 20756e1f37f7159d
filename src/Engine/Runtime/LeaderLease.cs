using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventEngine.Runtime;

/// <summary>Engine:Leader:PollSeconds: how often a standby tries to take the lease, and the leader checks it still holds it.</summary>
public sealed record LeaseOptions(TimeSpan Poll);

/// <summary>
/// Which of several engine processes on one database runs the reconciler's own work (time-driven reconciles, the
/// simulated kubelet, the reconcile at start): the one holding a session advisory lock in PostgreSQL. The lock lives
/// as long as the leader's connection: a leader that dies, however it dies, drops the connection and PostgreSQL lets
/// the lock go, so a standby takes over at its next poll. The same connection listens for commits of other
/// processes (<see cref="Storage.EventStore.NotifyChannel"/>), so the leader hears of work they created.
/// </summary>
public sealed class LeaderLease(NpgsqlDataSource db, LeaseOptions options, ILogger<LeaderLease> logger) : IAsyncDisposable
{
    /// <summary>The lease's advisory lock key ("LEADER").</summary>
    public const long LockKey = 0x4C45_4144_4552;

    private NpgsqlConnection? _connection;
    private volatile bool _leading;
    private LeaseFence? _fence;

    /// <summary>Cancelled when an append finds this term's lease gone (<see cref="GiveUpAsync"/>); one per term, never disposed.</summary>
    private volatile CancellationTokenSource _held = new();

    public bool IsLeader => _leading;

    /// <summary>While this process leads: what an append that must still hold the lease checks (null otherwise).</summary>
    public LeaseFence? Fence => _leading ? _fence : null;

    private long _term;

    /// <summary>How many times this process has taken the lease: a term that changed means the lease was lost between.</summary>
    public long Term => Interlocked.Read(ref _term);

    /// <summary>Raised when this process takes the lease (at start, or when a leader died).</summary>
    public event Func<CancellationToken, Task>? Acquired;

    /// <summary>Raised, while leading, when a process committed events: the log's new head.</summary>
    public event Action<long>? LogMoved;

    /// <summary>One attempt to take the lease (at start, before serving); true when this process now leads.</summary>
    public async Task<bool> TryAcquireAsync(CancellationToken ct)
    {
        if (_leading) return true;
        var connection = await db.OpenConnectionAsync(ct);
        try
        {
            await using var take = new NpgsqlCommand($"select pg_try_advisory_lock({LockKey})", connection);
            if (await take.ExecuteScalarAsync(ct) is not true)
            {
                await connection.DisposeAsync();
                return false;
            }
            connection.Notification += (_, e) =>
            {
                if (!long.TryParse(e.Payload, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var head)) return;
                if (head > Interlocked.Read(ref _heardHead)) Interlocked.Exchange(ref _heardHead, head);
                LogMoved?.Invoke(head);
            };
            await using (var listen = new NpgsqlCommand($"listen {Storage.EventStore.NotifyChannel}", connection)) await listen.ExecuteNonQueryAsync(ct);
            LeaseFence fence;
            await using (var backend = new NpgsqlCommand("select pid, backend_start from pg_stat_activity where pid = pg_backend_pid()", connection))
            await using (var reader = await backend.ExecuteReaderAsync(ct))
            {
                await reader.ReadAsync(ct);
                fence = new LeaseFence(reader.GetInt32(0), reader.GetFieldValue<DateTime>(1));
            }
            _held = new CancellationTokenSource();
            _fence = fence;
            _connection = connection;
            Interlocked.Increment(ref _term);
            _leading = true;
            logger.LogInformation("This process leads: it runs the reconciler's timers and the simulated kubelet");
            return true;
        }
        catch
        {
            // the lock may have been taken: a pooled connection must not go back to the pool holding it
            await LetGoAsync(connection);
            throw;
        }
    }

    private long _heardHead;

    /// <summary>The highest head a commit notified while this process led (0 before): how far the log is known to reach.</summary>
    public long HeardHead => Interlocked.Read(ref _heardHead);

    /// <summary>Holds the lease, or waits for it: polls while standing by, watches the connection while leading.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.Poll);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!_leading)
                {
                    // a lease given up between two checks still has its connection
                    if (_connection is not null) await ReleaseAsync();
                    if (await TryAcquireAsync(ct) && Acquired is { } acquired)
                        foreach (var handler in acquired.GetInvocationList().Cast<Func<CancellationToken, Task>>()) await handler(ct);
                }
                else
                {
                    // waiting on the connection delivers notifications, and a query fails fast on a dead one
                    using var held = CancellationTokenSource.CreateLinkedTokenSource(ct, _held.Token);
                    await _connection!.WaitAsync(options.Poll, held.Token);
                    await using var ping = new NpgsqlCommand("select 1", _connection);
                    await ping.ExecuteScalarAsync(held.Token);
                    continue;
                }
            }
            catch (OperationCanceledException) when (_held.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                // an append found the lease gone before this loop did (GiveUpAsync)
                await ReleaseAsync();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or System.IO.IOException && !ct.IsCancellationRequested)
            {
                if (_leading) logger.LogWarning(e, "Lost the leader lease: its connection failed; standing by");
                await ReleaseAsync();
            }
            await timer.WaitForNextTickAsync(ct);
        }
    }

    /// <summary>
    /// An append fenced by <paramref name="lost"/> was refused because its connection no longer holds the lease: if that
    /// is still this process's term, stop leading now rather than at the next check, and take the lease again, if it
    /// is free, at the next poll. A fence of an earlier term (the lease already taken again) changes nothing.
    /// </summary>
    public async Task GiveUpAsync(LeaseFence lost)
    {
        var held = _held;
        if (!_leading || _fence != lost) return;
        logger.LogWarning("Lost the leader lease: an append found it held by no connection of this process; standing by");
        _leading = false;
        await held.CancelAsync();
    }

    private async Task ReleaseAsync()
    {
        _leading = false;
        if (_connection is not { } connection) return;
        _connection = null;
        await LetGoAsync(connection);
    }

    /// <summary>
    /// Closes a lease connection. One still open goes back to the pool, whose sessions are not reset: it must not take
    /// the lock (nor the LISTEN) with it, or the lease would stay held by an idle connection.
    /// </summary>
    private static async Task LetGoAsync(NpgsqlConnection connection)
    {
        try
        {
            if (connection.FullState == System.Data.ConnectionState.Open)
            {
                await using var reset = new NpgsqlCommand("select pg_advisory_unlock_all(); unlisten *", connection) { CommandTimeout = 5 };
                await reset.ExecuteNonQueryAsync();
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or System.IO.IOException)
        {
            // already broken: the lock went with its session
        }
        try
        {
            await connection.DisposeAsync();
        }
        catch (NpgsqlException)
        {
            // already broken
        }
    }

    public async ValueTask DisposeAsync() => await ReleaseAsync();
}
