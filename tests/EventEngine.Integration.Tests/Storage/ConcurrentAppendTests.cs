using System.Collections.Concurrent;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Storage;

namespace EventEngine.Integration.Tests.Storage;

public sealed class ConcurrentAppendTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly EventStore store = fixture.Store();

    [Fact]
    public async Task TwoWritersRacingOnOneStream_ExactlyOneWins_TheOtherGetsAConflict_NothingIsLost()
    {
        for (var round = 0; round < 25; round++)
        {
            var stream = TestEvents.Stream("race");
            await store.AppendAsync(stream, ExpectedVersion.NoStream, [TestEvents.New()]);
            var (left, right) = (TestEvents.New(), TestEvents.New());
            using var barrier = new Barrier(2);

            var results = await Task.WhenAll(
                Task.Run(() => { barrier.SignalAndWait(); return store.AppendAsync(stream, 1, [left]); }),
                Task.Run(() => { barrier.SignalAndWait(); return store.AppendAsync(stream, 1, [right]); }));

            var winner = Assert.Single(results.OfType<AppendSuccess>());
            Assert.Equal(new AppendConflict(stream, 1, 2), Assert.Single(results.OfType<AppendConflict>()));
            var read = await store.ReadStreamAsync(stream);
            Assert.Equal([1L, 2], read.Select(e => e.Version));
            Assert.Equal(winner.Events[0].Id, read[1].Id);
        }
    }

    [Fact]
    public async Task EightWritersOnDifferentStreams_TailingReaderSeesEveryEventOnce_InSeqOrder()
    {
        const int writers = 8, eventsPerWriter = 2_000, batch = 50;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var start = await store.GetHeadSeqAsync();
        var appended = new ConcurrentBag<Guid>();

        var writing = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var stream = TestEvents.Stream($"writer{w}");
            for (var version = 0L; version < eventsPerWriter; version += batch)
            {
                var events = TestEvents.Many(batch);
                Assert.IsType<AppendSuccess>(await store.AppendAsync(stream, version, events, null, timeout.Token));
                foreach (var e in events)
                {
                    appended.Add(e.Id);
                }
            }
        })).ToArray();

        var seen = new List<StoredEvent>();
        var reading = Task.Run(async () =>
        {
            var after = start;
            while (seen.Count < writers * eventsPerWriter)
            {
                var page = await store.ReadAllAsync(after, 500, timeout.Token);
                seen.AddRange(page);
                after = page.Count > 0 ? page[^1].Seq : after;
            }
        });

        try
        {
            await Task.WhenAll(writing);
        }
        catch
        {
            await timeout.CancelAsync(); // the reader would wait for events that will never come
            throw;
        }

        await reading;

        Assert.Equal(writers * eventsPerWriter, seen.Count);
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.First.Seq < p.Second.Seq), "seqs strictly increase");
        Assert.Equal(appended.Order(), seen.Select(e => e.Id).Order());
        Assert.All(seen.GroupBy(e => e.Stream), stream =>
            Assert.Equal(Enumerable.Range(1, eventsPerWriter).Select(v => (long)v), stream.Select(e => e.Version)));
    }
}
