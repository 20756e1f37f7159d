using Npgsql;

namespace EventEngine.Runtime;

/// <summary>
/// The lease a command's append must still hold (<see cref="LeaderLease.Fence"/>): the lease connection's backend, by its
/// pid and the time it started (a pid can be reused; the pair cannot). The runtime appends a group of such commands only
/// if that backend still holds the lease's lock, checked in the append's own transaction (migration 0015), so a process
/// that lost the lease and does not know it yet appends nothing more.
/// </summary>
public sealed record LeaseFence(int Pid, DateTime Started)
{
    /// <summary>The SQLSTATE of an append whose process no longer holds the lease (nothing of it is written).</summary>
    public const string LostState = "EE423";

    /// <summary>The check, as a statement of the append's batch.</summary>
    public NpgsqlBatchCommand Statement()
    {
        var command = new NpgsqlBatchCommand("select eventengine_hold_lease($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = LeaderLease.LockKey });
        command.Parameters.Add(new NpgsqlParameter { Value = Pid });
        command.Parameters.Add(new NpgsqlParameter { Value = Started });
        return command;
    }

    /// <summary>Whether an append failed because its process no longer holds the lease.</summary>
    public static bool Lost(Exception e) => e is PostgresException { SqlState: LostState };
}
