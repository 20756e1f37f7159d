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

    public bool IsLeader => _leading;

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
            _connection = connection;
            Interlocked.Increment(ref _term);
            _leading = true;
            logger.LogInformation("This process leads: it runs the reconciler's timers and the simulated kubelet");
            return true;
        }
        catch
        {
            await connection.DisposeAsync();
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
                    if (await TryAcquireAsync(ct) && Acquired is { } acquired)
                        foreach (var handler in acquired.GetInvocationList().Cast<Func<CancellationToken, Task>>()) await handler(ct);
                }
                else
                {
                    // waiting on the connection delivers notifications, and a query fails fast on a dead one
                    await _connection!.WaitAsync(options.Poll, ct);
                    await using var ping = new NpgsqlCommand("select 1", _connection);
                    await ping.ExecuteScalarAsync(ct);
                    continue;
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or System.IO.IOException && !ct.IsCancellationRequested)
            {
                if (_leading) logger.LogWarning(e, "Lost the leader lease: its connection failed; standing by");
                await ReleaseAsync();
            }
            await timer.WaitForNextTickAsync(ct);
        }
    }

    private async Task ReleaseAsync()
    {
        _leading = false;
        if (_connection is { } connection)
        {
            _connection = null;
            try
            {
                await connection.DisposeAsync();
            }
            catch (NpgsqlException)
            {
                // already broken: the lock went with it
            }
        }
    }

    public async ValueTask DisposeAsync() => await ReleaseAsync();
}
