using EventEngine.Decisions;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Model;
using EventEngine.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>
/// The leader lease's fence: a command that must hold the lease (the recorder's) appends only while the connection that
/// took it still holds it, checked in the append's own transaction. A process that lost the lease without knowing it
/// yet appends nothing more; the other commands, grouped apart, are not held up by it.
/// </summary>
public sealed class LeaseFenceTests : ApiTest
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Engine:Leader:PollSeconds"] = "0.2" };

    private EngineRuntime Runtime => Api.Services.GetRequiredService<EngineRuntime>();
    private LeaderLease Lease => Api.Services.GetRequiredService<LeaderLease>();

    [Fact]
    public async Task AFencedAppend_WritesOnlyWhileItsLeaseIsHeld_AndTheOthersAreNotHeldUp()
    {
        await Wait.UntilAsync(() => Task.FromResult(Lease.Fence is not null), WaitLimit);
        var fence = Lease.Fence!;
        Assert.Equal(1, (await JoinAsync("held-1", fence)).Events.Count);

        // the same pid with another start time is another backend (a pid reused): refused, nothing written
        var head = Runtime.Head;
        var reused = await Assert.ThrowsAnyAsync<Exception>(() => JoinAsync("reused", fence with { Started = fence.Started.AddSeconds(-1) }));
        Assert.True(LeaseFence.Lost(reused), reused.ToString());
        Assert.Equal(head, Runtime.Head);

        // the lease's connection is cut, and this process takes the lease again on a new one; until then, and after,
        // commands fenced by the old lease are refused and write nothing, while the others, sent among them, are written
        await using (var database = new NpgsqlConnection(Database.ConnectionString))
        {
            await database.OpenAsync();
            await using var cut = new NpgsqlCommand("select pg_terminate_backend($1)", database);
            cut.Parameters.Add(new NpgsqlParameter { Value = fence.Pid });
            Assert.Equal(true, await cut.ExecuteScalarAsync());
        }
        var sent = Enumerable.Range(0, 12).Select(i => (Fenced: i % 2 == 0, Task: JoinAsync($"after-{i}", i % 2 == 0 ? fence : null))).ToList();
        foreach (var (fenced, task) in sent)
        {
            if (fenced)
            {
                var refused = await Assert.ThrowsAnyAsync<Exception>(() => task);
                Assert.True(LeaseFence.Lost(refused), refused.ToString());
            }
            else
            {
                Assert.Equal(1, (await task).Events.Count);
            }
        }
        Assert.Equal(["after-1", "after-11", "after-3", "after-5", "after-7", "after-9", "held-1"], Runtime.State.Nodes.Keys.Order(StringComparer.Ordinal));

        await Wait.UntilAsync(() => Task.FromResult(Lease.Fence is { } next && next != fence), WaitLimit);
        var taken = Lease.Fence!;
        Assert.NotEqual(fence.Pid, taken.Pid);
        Assert.Equal(1, (await JoinAsync("held-2", taken)).Events.Count);

        // told by an append of an earlier term that its lease is gone, the process keeps the lease it holds now
        await Lease.GiveUpAsync(fence);
        Assert.Equal(taken, Lease.Fence);

        // told by an append of this term, it stops leading at once, and takes the lease again when free
        await Lease.GiveUpAsync(taken);
        Assert.False(Lease.IsLeader);
        Assert.Null(Lease.Fence);
        await Wait.UntilAsync(() => Task.FromResult(Lease.Fence is { } again && again != taken), WaitLimit);
        Assert.True(LeaseFence.Lost(await Assert.ThrowsAnyAsync<Exception>(() => JoinAsync("stale", taken))));
        Assert.Equal(1, (await JoinAsync("held-3", Lease.Fence)).Events.Count);
        Assert.DoesNotContain("stale", Runtime.State.Nodes.Keys);
    }

    private Task<CommandOutcome> JoinAsync(string name, LeaseFence? fence) =>
        Runtime.ExecuteAsync(CommandContext.System("system:recorder") with { Fence = fence },
            (s, now) => NodeDecisions.Join(s, new Node { Metadata = new ObjectMeta { Name = name } }, now, Guid.NewGuid));
}
