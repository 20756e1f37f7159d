using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Storage;

namespace EventEngine.Integration.Tests.Storage;

public sealed class EventStoreReadTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly EventStore store = fixture.Store();

    [Fact]
    public async Task ReadStream_FromVersion_ReturnsThatVersionOnwardInOrder()
    {
        var stream = TestEvents.Stream();
        await store.AppendAsync(stream, ExpectedVersion.NoStream, TestEvents.Many(5));

        var read = await store.ReadStreamAsync(stream, fromVersion: 3);

        Assert.Equal([3L, 4, 5], read.Select(e => e.Version));
        Assert.All(read, e => Assert.Equal(stream, e.Stream));
    }

    [Fact]
    public async Task ReadStream_OfMissingStream_IsEmpty()
    {
        Assert.Empty(await store.ReadStreamAsync(TestEvents.Stream()));
        Assert.Equal(0, await store.GetStreamVersionAsync(TestEvents.Stream()));
    }

    [Fact]
    public async Task ReadAll_PagesForwardBySeq_FromAnyPosition()
    {
        var head = await store.GetHeadSeqAsync();
        var (a, b) = (TestEvents.Stream(), TestEvents.Stream());
        var first = Assert.IsType<AppendSuccess>(await store.AppendAsync(a, ExpectedVersion.NoStream, TestEvents.Many(3)));
        var second = Assert.IsType<AppendSuccess>(await store.AppendAsync(b, ExpectedVersion.NoStream, TestEvents.Many(4)));
        var appended = first.Events.Concat(second.Events).ToList();

        // tests of one class run one at a time, so everything after head is ours
        var pages = new List<IReadOnlyList<StoredEvent>>();
        for (var after = head; await store.ReadAllAsync(after, limit: 3) is { Count: > 0 } page; after = page[^1].Seq)
        {
            pages.Add(page);
        }

        Assert.Equal([3, 3, 1], pages.Select(p => p.Count));
        Assert.Equal(appended, pages.SelectMany(p => p));
        Assert.Equal(appended[^1].Seq, await store.GetHeadSeqAsync());
    }

    [Fact]
    public async Task HeadSeq_IsTheLastCommittedSeq()
    {
        var result = Assert.IsType<AppendSuccess>(await store.AppendAsync(TestEvents.Stream(), ExpectedVersion.NoStream, TestEvents.Many(2)));

        Assert.Equal(result.Events[^1].Seq, await store.GetHeadSeqAsync());
        Assert.Empty(await store.ReadAllAsync(result.Events[^1].Seq, 10));
    }
}
