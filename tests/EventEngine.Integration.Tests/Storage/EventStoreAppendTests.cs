using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Storage;

namespace EventEngine.Integration.Tests.Storage;

public sealed class EventStoreAppendTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly EventStore store = fixture.Store();

    [Fact]
    public async Task AppendToNewStream_StoresEventsFromVersionOne()
    {
        var stream = TestEvents.Stream();
        var events = TestEvents.Many(3);

        var result = Assert.IsType<AppendSuccess>(await store.AppendAsync(stream, ExpectedVersion.NoStream, events));

        Assert.False(result.AlreadyStored);
        Assert.Equal([1L, 2, 3], result.Events.Select(e => e.Version));
        Assert.Equal(events.Select(e => e.Id), result.Events.Select(e => e.Id));
        Assert.Equal(3, result.StreamVersions[stream]);
        Assert.True(result.Events.Zip(result.Events.Skip(1)).All(p => p.First.Seq < p.Second.Seq));
        Assert.Equal(result.Events, await store.ReadStreamAsync(stream));
        Assert.Equal(3, await store.GetStreamVersionAsync(stream));
    }

    [Fact]
    public async Task AppendWithCurrentVersion_ContinuesTheStream()
    {
        var stream = TestEvents.Stream();
        await store.AppendAsync(stream, ExpectedVersion.NoStream, TestEvents.Many(2));

        var result = Assert.IsType<AppendSuccess>(await store.AppendAsync(stream, 2, TestEvents.Many(2)));

        Assert.Equal([3L, 4], result.Events.Select(e => e.Version));
        Assert.Equal(4, await store.GetStreamVersionAsync(stream));
    }

    [Fact]
    public async Task AppendWithStaleVersion_IsConflictWithActualVersion_AndAppendsNothing()
    {
        var stream = TestEvents.Stream();
        await store.AppendAsync(stream, ExpectedVersion.NoStream, TestEvents.Many(3));

        var result = await store.AppendAsync(stream, 2, [TestEvents.New()]);

        Assert.Equal(new AppendConflict(stream, 2, 3), result);
        Assert.Equal(3, (await store.ReadStreamAsync(stream)).Count);
    }

    [Fact]
    public async Task AppendWithVersionToMissingStream_IsConflictWithActualZero()
    {
        var stream = TestEvents.Stream();

        var result = await store.AppendAsync(stream, 5, [TestEvents.New()]);

        Assert.Equal(new AppendConflict(stream, 5, 0), result);
        Assert.Equal(0, await store.GetStreamVersionAsync(stream));
    }

    [Fact]
    public async Task NoStream_OnExistingStream_IsConflict()
    {
        var stream = TestEvents.Stream();
        await store.AppendAsync(stream, ExpectedVersion.NoStream, [TestEvents.New()]);

        var result = await store.AppendAsync(stream, ExpectedVersion.NoStream, [TestEvents.New()]);

        Assert.Equal(new AppendConflict(stream, ExpectedVersion.NoStream, 1), result);
    }

    [Fact]
    public async Task Any_AppendsToNewAndExistingStreams()
    {
        var stream = TestEvents.Stream();

        var first = Assert.IsType<AppendSuccess>(await store.AppendAsync(stream, ExpectedVersion.Any, TestEvents.Many(2)));
        var second = Assert.IsType<AppendSuccess>(await store.AppendAsync(stream, ExpectedVersion.Any, TestEvents.Many(2)));

        Assert.Equal([1L, 2], first.Events.Select(e => e.Version));
        Assert.Equal([3L, 4], second.Events.Select(e => e.Version));
    }

    [Fact]
    public async Task ReappendingTheSameEventIds_ReturnsTheStoredEvents_AndAppendsNothing()
    {
        var stream = TestEvents.Stream();
        var events = TestEvents.Many(2);
        var first = Assert.IsType<AppendSuccess>(await store.AppendAsync(stream, ExpectedVersion.NoStream, events));
        await store.AppendAsync(stream, 2, [TestEvents.New()]);
        var head = await store.GetHeadSeqAsync();

        // the client did not see the first answer and retries with the same ids and expected version
        var retry = Assert.IsType<AppendSuccess>(await store.AppendAsync(stream, ExpectedVersion.NoStream, events));

        Assert.True(retry.AlreadyStored);
        Assert.Equal(first.Events, retry.Events);
        Assert.Equal(2, retry.StreamVersions[stream]);
        Assert.Equal(head, await store.GetHeadSeqAsync());
        Assert.Equal(3, await store.GetStreamVersionAsync(stream));
    }

    [Fact]
    public async Task BatchWithOnlySomeIdsStored_IsRejectedAsIdCollision_AndAppendsNothing()
    {
        var stream = TestEvents.Stream();
        var stored = TestEvents.New();
        await store.AppendAsync(stream, ExpectedVersion.NoStream, [stored]);
        var head = await store.GetHeadSeqAsync();

        var result = await store.AppendAsync(stream, 1, [stored, TestEvents.New()]);

        var collision = Assert.IsType<AppendIdCollision>(result);
        Assert.Equal(stream, collision.Stream);
        Assert.Equal([stored.Id], collision.EventIds);
        Assert.Equal(head, await store.GetHeadSeqAsync());
    }

    [Fact]
    public async Task EventIdStoredInAnotherStream_IsRejectedAsIdCollision()
    {
        var stored = TestEvents.New();
        await store.AppendAsync(TestEvents.Stream(), ExpectedVersion.NoStream, [stored]);
        var other = TestEvents.Stream();

        var result = await store.AppendAsync(other, ExpectedVersion.NoStream, [stored]);

        Assert.Equal([stored.Id], Assert.IsType<AppendIdCollision>(result).EventIds);
        Assert.Equal(0, await store.GetStreamVersionAsync(other));
    }

    [Fact]
    public async Task Metadata_RoundTripsEveryField()
    {
        var stream = TestEvents.Stream();
        var full = new EventMetadata("req-42", "0d9b6a3e-cause", "alice@example.com", new EventReason("TaintAdded", "Node worker-1 got a NoExecute taint."));
        var sparse = new EventMetadata("req-43", null, "controller", null);

        await store.AppendAsync(stream, ExpectedVersion.NoStream, [TestEvents.New(metadata: full), TestEvents.New(metadata: sparse)]);

        var read = await store.ReadStreamAsync(stream);
        Assert.Equal([full, sparse], read.Select(e => e.Metadata));
        var json = await fixture.Database.ScalarAsync<string>(
            $"select metadata::text from events where stream = '{stream}' and version = 2");
        Assert.Equal("""{"actor": "controller", "reason": null, "causationId": null, "correlationId": "req-43"}""", json);
    }

    [Fact]
    public async Task TypeAndData_RoundTrip_AndDataReadsBackAsTheSameJsonValueTheAppendReturned()
    {
        var stream = TestEvents.Stream();
        var appended = Assert.IsType<AppendSuccess>(await store.AppendAsync(
            stream, ExpectedVersion.NoStream, [TestEvents.New(type: "node_joined.v1", data: """{"name":"worker-1","labels":{"zone":"a"}}""")]));

        var read = Assert.Single(await store.ReadStreamAsync(stream));

        Assert.Equal("node_joined.v1", read.Type);
        Assert.Equal("""{"name": "worker-1", "labels": {"zone": "a"}}""", read.Data);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(
            System.Text.Json.Nodes.JsonNode.Parse(appended.Events[0].Data), System.Text.Json.Nodes.JsonNode.Parse(read.Data)));
        Assert.Equal(appended.Events[0] with { Data = read.Data }, read);
    }

    [Fact]
    public async Task RecordedAt_ComesFromTheStoreClock()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567));
        var timed = fixture.Store(clock);
        var stream = TestEvents.Stream();

        await timed.AppendAsync(stream, ExpectedVersion.NoStream, [TestEvents.New()]);
        clock.Advance(TimeSpan.FromMinutes(5));
        await timed.AppendAsync(stream, 1, [TestEvents.New()]);

        var read = await store.ReadStreamAsync(stream);
        var start = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234560); // microseconds
        Assert.Equal([start, start.AddMinutes(5)], read.Select(e => e.RecordedAt));
    }

    [Fact]
    public async Task MultiStreamAppend_CommitsAllStreamsTogether()
    {
        var (a, b) = (TestEvents.Stream(), TestEvents.Stream());

        var result = Assert.IsType<AppendSuccess>(await store.AppendAsync(
        [
            new StreamAppend(a, ExpectedVersion.NoStream, TestEvents.Many(2)),
            new StreamAppend(b, ExpectedVersion.NoStream, TestEvents.Many(1)),
        ]));

        Assert.Equal(2, result.StreamVersions[a]);
        Assert.Equal(1, result.StreamVersions[b]);
        Assert.Equal(3, result.Events.Count);
    }

    [Fact]
    public async Task MultiStreamAppend_ConflictOnSecondStream_AppendsNothingOnTheFirst()
    {
        var (a, b) = (TestEvents.Stream(), TestEvents.Stream());
        await store.AppendAsync(b, ExpectedVersion.NoStream, [TestEvents.New()]);
        var head = await store.GetHeadSeqAsync();

        var result = await store.AppendAsync(
        [
            new StreamAppend(a, ExpectedVersion.NoStream, TestEvents.Many(2)),
            new StreamAppend(b, ExpectedVersion.NoStream, TestEvents.Many(1)),
        ]);

        Assert.Equal(new AppendConflict(b, ExpectedVersion.NoStream, 1), result);
        Assert.Equal(0, await store.GetStreamVersionAsync(a));
        Assert.Empty(await store.ReadStreamAsync(a));
        Assert.Equal(head, await store.GetHeadSeqAsync());
    }

    [Fact]
    public async Task BeforeCommit_RunsInTheAppendTransaction_AndCommitsWithTheEvents()
    {
        await fixture.Database.ExecuteAsync("create table if not exists side_effects (seq bigint primary key)");
        var stream = TestEvents.Stream();

        var result = Assert.IsType<AppendSuccess>(await store.AppendAsync(
            stream,
            ExpectedVersion.NoStream,
            TestEvents.Many(2),
            async (connection, transaction, appended, ct) =>
            {
                foreach (var e in appended)
                {
                    await using var command = new Npgsql.NpgsqlCommand($"insert into side_effects values ({e.Seq})", connection, transaction);
                    await command.ExecuteNonQueryAsync(ct);
                }
            }));

        var seqs = result.Events.Select(e => e.Seq).ToArray();
        Assert.Equal(2L, await fixture.Database.ScalarAsync<long>(
            $"select count(*) from side_effects where seq in ({string.Join(',', seqs)})"));
    }

    [Fact]
    public async Task BeforeCommit_Throwing_RollsBackTheEvents()
    {
        await fixture.Database.ExecuteAsync("create table if not exists side_effects (seq bigint primary key)");
        var stream = TestEvents.Stream();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.AppendAsync(
            stream,
            ExpectedVersion.NoStream,
            TestEvents.Many(2),
            async (connection, transaction, appended, ct) =>
            {
                await using var command = new Npgsql.NpgsqlCommand($"insert into side_effects values ({appended[0].Seq})", connection, transaction);
                await command.ExecuteNonQueryAsync(ct);
                throw new InvalidOperationException("projection failed");
            }));

        Assert.Equal("projection failed", error.Message);
        Assert.Empty(await store.ReadStreamAsync(stream));
        Assert.Equal(0, await store.GetStreamVersionAsync(stream));
    }

    [Fact]
    public async Task RowWrittenBehindTheStoresBack_IsReportedAsConflictBySqlState()
    {
        // a writer that bypasses the store leaves events without moving streams.version
        var stream = TestEvents.Stream();
        await fixture.Database.ExecuteAsync($$"""
            insert into events (seq, id, stream, version, type, data, metadata, recorded_at)
            values ((select coalesce(max(seq), 0) + 1 from events), gen_random_uuid(), '{{stream}}', 1, 'x.v1', '{}', '{}', now())
            """);

        var result = await store.AppendAsync(stream, ExpectedVersion.NoStream, [TestEvents.New()]);

        Assert.Equal(new AppendConflict(stream, ExpectedVersion.NoStream, 1), result);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 3)]
    [InlineData(1, 4)]
    [InlineData(1, 40)] // more events than one stream's append sends as parameters of their own: the function's way
    public async Task AnAppend_NotifiesOnce_WithTheNewHead(int streams, int events)
    {
        // a connection of its own, not the pool's: its LISTEN goes with it
        await using var listener = new Npgsql.NpgsqlConnection(fixture.Database.ConnectionString);
        await listener.OpenAsync();
        var heads = new List<string>();
        listener.Notification += (_, e) => heads.Add(e.Payload);
        await using (var listen = new Npgsql.NpgsqlCommand($"listen {EventStore.NotifyChannel}", listener)) await listen.ExecuteNonQueryAsync();

        var appends = Enumerable.Range(0, streams).Select(_ => new StreamAppend(TestEvents.Stream(), ExpectedVersion.NoStream, TestEvents.Many(events))).ToList();
        var result = Assert.IsType<AppendSuccess>(await store.AppendAsync(appends));
        Assert.All(appends, a => Assert.Equal(events, result.StreamVersions[a.Stream]));
        Assert.Equal(result.Events.Select(e => e.Seq), Enumerable.Range(0, streams * events).Select(i => result.Events[0].Seq + i));

        var head = result.Events.Max(e => e.Seq).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!heads.Contains(head) && waited.Elapsed < TimeSpan.FromSeconds(10)) await listener.WaitAsync(TimeSpan.FromSeconds(1));
        // anything else the commit sent has arrived by the end of a later statement on the listening connection
        await using (var ping = new Npgsql.NpgsqlCommand("select 1", listener)) await ping.ExecuteScalarAsync();
        Assert.Equal([head], heads);
    }

    [Fact]
    public async Task ASeqTakenBehindTheStoresBack_WhileAnAppendDrawsIt_IsSteppedOver_AndTheAppendIsMadeOnce()
    {
        var stream = TestEvents.Stream();
        await using var other = new Npgsql.NpgsqlConnection(fixture.Database.ConnectionString);
        await other.OpenAsync();
        await using var behind = await other.BeginTransactionAsync();
        // a writer that bypasses the store (and its lock) takes the next seq, and has not committed
        await using (var insert = new Npgsql.NpgsqlCommand("""
            insert into events (seq, id, stream, version, type, data, metadata, recorded_at)
            values ((select coalesce(max(seq), 0) + 1 from events), gen_random_uuid(), 'behind-' || gen_random_uuid(), 1, 'x.v1', '{}', '{}', now())
            """, other, behind)) await insert.ExecuteNonQueryAsync();

        var append = store.AppendAsync(stream, ExpectedVersion.NoStream, [TestEvents.New()]);
        // the append drew the same seq and waits on the other writer's key; that writer commits, and the append fails
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await fixture.Database.ScalarAsync<long>(
            "select count(*) from pg_stat_activity where datname = current_database() and wait_event = 'transactionid'") == 0)
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "the append never waited on the other writer's seq");
        await behind.CommitAsync();

        var result = Assert.IsType<AppendSuccess>(await append);
        Assert.False(result.AlreadyStored);
        Assert.Equal(result.Events, await store.ReadStreamAsync(stream));
        Assert.Equal(1, await store.GetStreamVersionAsync(stream));
    }

    [Fact]
    public async Task AWriterThatGivesNoSeq_IsRefused_ForTheSeqIsTheStoresAlone()
    {
        var stream = TestEvents.Stream();
        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => fixture.Database.ExecuteAsync($$"""
            insert into events (id, stream, version, type, data, metadata, recorded_at)
            values (gen_random_uuid(), '{{stream}}', 1, 'x.v1', '{}', '{}', now())
            """));

        Assert.Equal(Npgsql.PostgresErrorCodes.NotNullViolation, error.SqlState);
        Assert.Equal("seq", error.ColumnName);
        Assert.IsType<AppendSuccess>(await store.AppendAsync(stream, ExpectedVersion.NoStream, [TestEvents.New()]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("twice")]
    [InlineData("no events")]
    [InlineData("bad version")]
    [InlineData("no actor")]
    public async Task MalformedAppends_AreRejectedBeforeTouchingTheDatabase(string defect)
    {
        var e = TestEvents.New();
        IReadOnlyList<StreamAppend> appends = defect switch
        {
            "" => [new StreamAppend("", ExpectedVersion.Any, [e])],
            "twice" => [new StreamAppend("s", ExpectedVersion.Any, [e, e])],
            "no events" => [new StreamAppend("s", ExpectedVersion.Any, [])],
            "no actor" => [new StreamAppend("s", ExpectedVersion.Any, [e with { Metadata = e.Metadata with { Actor = "" } }])],
            _ => [new StreamAppend("s", -2, [e])],
        };

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.AppendAsync(appends));
    }
}
