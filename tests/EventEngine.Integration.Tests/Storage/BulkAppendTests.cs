using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Storage;

namespace EventEngine.Integration.Tests.Storage;

public sealed class BulkAppendTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly EventStore store = fixture.Store();

    [Fact]
    public async Task BulkAppend_ManyEvents_LandWithContiguousVersions_AndReadBack()
    {
        var (big, small) = (TestEvents.Stream("bulk"), TestEvents.Stream("bulk"));
        await store.AppendAsync(small, ExpectedVersion.NoStream, TestEvents.Many(3));
        var head = await store.GetHeadSeqAsync();

        var result = Assert.IsType<AppendSuccess>(await store.BulkAppendAsync(
        [
            new StreamAppend(big, ExpectedVersion.NoStream, TestEvents.Many(20_000)),
            new StreamAppend(small, 3, TestEvents.Many(500)),
        ]));

        Assert.Equal(20_000, result.StreamVersions[big]);
        Assert.Equal(503, result.StreamVersions[small]);
        var bigRead = await store.ReadStreamAsync(big);
        Assert.Equal(Enumerable.Range(1, 20_000).Select(v => (long)v), bigRead.Select(e => e.Version));
        Assert.Equal(Enumerable.Range(4, 500).Select(v => (long)v), (await store.ReadStreamAsync(small, 4)).Select(e => e.Version));
        Assert.Equal(result.Events.Where(e => e.Stream == big), bigRead);
        Assert.Equal(20_500, (await store.ReadAllAsync(head, 100_000)).Count);
        Assert.Equal(503, await store.GetStreamVersionAsync(small));
    }

    [Fact]
    public async Task BulkAppend_WithStaleVersion_IsConflict_AndAppendsNothing()
    {
        var stream = TestEvents.Stream("bulk");
        await store.AppendAsync(stream, ExpectedVersion.NoStream, TestEvents.Many(2));
        var head = await store.GetHeadSeqAsync();

        var result = await store.BulkAppendAsync([new StreamAppend(stream, 1, TestEvents.Many(1_000))]);

        Assert.Equal(new AppendConflict(stream, 1, 2), result);
        Assert.Equal(head, await store.GetHeadSeqAsync());
    }

    [Fact]
    public async Task BulkAppend_Retried_ReturnsTheStoredEvents()
    {
        var stream = TestEvents.Stream("bulk");
        var events = TestEvents.Many(1_000);
        var first = Assert.IsType<AppendSuccess>(await store.BulkAppendAsync([new StreamAppend(stream, ExpectedVersion.NoStream, events)]));

        var retry = Assert.IsType<AppendSuccess>(await store.BulkAppendAsync([new StreamAppend(stream, ExpectedVersion.NoStream, events)]));

        Assert.True(retry.AlreadyStored);
        Assert.Equal(first.Events, retry.Events);
    }

    [Fact]
    public async Task BulkAppend_RetriedOnAnyVersion_ReturnsTheStoredEvents_AndAppendsNothing()
    {
        // the streams move as asked (any version), and the COPY meets the ids already stored
        var stream = TestEvents.Stream("bulk");
        var events = TestEvents.Many(1_000);
        var first = Assert.IsType<AppendSuccess>(await store.BulkAppendAsync([new StreamAppend(stream, ExpectedVersion.Any, events)]));
        var head = await store.GetHeadSeqAsync();

        var retry = Assert.IsType<AppendSuccess>(await store.BulkAppendAsync([new StreamAppend(stream, ExpectedVersion.Any, events)]));

        Assert.True(retry.AlreadyStored);
        Assert.Equal(first.Events, retry.Events);
        Assert.Equal(head, await store.GetHeadSeqAsync());
        Assert.Equal(1_000, await store.GetStreamVersionAsync(stream));
    }

    [Fact]
    public async Task BulkAppend_WithAnIdStoredInAnotherStream_IsAnIdCollision_AndAppendsNothing()
    {
        var taken = TestEvents.New();
        await store.AppendAsync(TestEvents.Stream("other"), ExpectedVersion.NoStream, [taken]);
        var stream = TestEvents.Stream("bulk");
        var head = await store.GetHeadSeqAsync();

        var result = await store.BulkAppendAsync([new StreamAppend(stream, ExpectedVersion.NoStream, [.. TestEvents.Many(500), taken, .. TestEvents.Many(499)])]);

        Assert.IsType<AppendIdCollision>(result);
        Assert.Equal(head, await store.GetHeadSeqAsync());
        Assert.Equal(0, await store.GetStreamVersionAsync(stream));
    }
}
