using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Storage;

namespace EventEngine.Integration.Tests.Storage;

/// <summary>
/// A reader tailing "seq &gt; checkpoint" loses an event for good if a later seq becomes visible
/// before it commits. These tests hold an append open at the point where its seqs are drawn and
/// its rows written but not committed, and show that later appends wait for it.
/// </summary>
public sealed class GapSafetyTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly EventStore store = fixture.Store();

    [Fact]
    public async Task AppendHeldOpen_LaterAppendsWaitForIt_AndTheTailingReaderSkipsNothing()
    {
        var start = await store.GetHeadSeqAsync();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var slow = Task.Run(() => store.AppendAsync(
            TestEvents.Stream("slow"),
            ExpectedVersion.NoStream,
            TestEvents.Many(3),
            async (_, _, _, _) =>
            {
                held.SetResult();
                await release.Task;
            }));
        await held.Task;

        var later = Enumerable.Range(0, 2)
            .Select(i => Task.Run(() => store.AppendAsync(TestEvents.Stream($"later{i}"), ExpectedVersion.NoStream, TestEvents.Many(2))))
            .ToArray();
        await Wait.UntilAsync(async () => await AppendsWaitingForTheLockAsync() == 2, TimeSpan.FromSeconds(30));

        Assert.Empty(await store.ReadAllAsync(start, 100));
        Assert.All(later, t => Assert.False(t.IsCompleted));

        // a reader tails from here while the held append commits and the waiting ones follow
        release.SetResult();
        var seen = new List<StoredEvent>();
        for (var after = start; seen.Count < 7;)
        {
            var page = await store.ReadAllAsync(after, 2);
            seen.AddRange(page);
            after = page.Count > 0 ? page[^1].Seq : after;
        }

        var slowResult = Assert.IsType<AppendSuccess>(await slow);
        var laterResults = (await Task.WhenAll(later)).Cast<AppendSuccess>().ToList();
        Assert.Equal(slowResult.Events, seen.Take(3));
        Assert.Equal(
            slowResult.Events.Concat(laterResults.SelectMany(r => r.Events)).OrderBy(e => e.Seq),
            seen);
        Assert.Equal(seen.Select(e => e.Id).Distinct().Count(), seen.Count);
    }

    [Fact]
    public async Task AppendBlockedByAnotherHolderOfTheLock_StaysInvisibleUntilItCommits()
    {
        var start = await store.GetHeadSeqAsync();
        await using var holder = await fixture.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var take = new Npgsql.NpgsqlCommand($"select pg_advisory_xact_lock({EventStore.AppendLockKey})", holder, transaction))
        {
            await take.ExecuteNonQueryAsync();
        }

        var blocked = Task.Run(() => store.AppendAsync(TestEvents.Stream(), ExpectedVersion.NoStream, TestEvents.Many(2)));
        await Wait.UntilAsync(async () => await AppendsWaitingForTheLockAsync() == 1, TimeSpan.FromSeconds(30));
        Assert.Empty(await store.ReadAllAsync(start, 10));

        await transaction.CommitAsync();

        var result = Assert.IsType<AppendSuccess>(await blocked);
        Assert.Equal(result.Events, await store.ReadAllAsync(start, 10));
    }

    private Task<long> AppendsWaitingForTheLockAsync() =>
        fixture.Database.ScalarAsync<long>($"""
            select count(*)
            from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'advisory' and not l.granted
              and a.datname = current_database()
              and (l.classid::bigint << 32) | l.objid::bigint = {EventStore.AppendLockKey}
            """);
}
