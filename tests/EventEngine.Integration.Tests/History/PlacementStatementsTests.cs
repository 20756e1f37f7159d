using EventEngine.Projections.History;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Storage;
using Npgsql;

namespace EventEngine.Integration.Tests.History;

/// <summary>
/// The placement intervals' statements for a run of events: opens in a row and closes in a row go as one statement
/// each, and leave the rows one statement per event left.
/// </summary>
public sealed class PlacementStatementsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static StoredEvent At(long seq) =>
        new(seq, Guid.NewGuid(), "s", 1, "t", "{}", new EventMetadata("c", null, "test", null), T0.AddSeconds(seq));

    [Fact]
    public async Task ARunOfEvents_IsOneStatementPerRunOfOpensOrCloses_AndLeavesTheRowsOfOneStatementPerEvent()
    {
        await using var db = await TestDatabase.CreateAsync();
        (StoredEvent, PlacementIntent?)[] run =
        [
            (At(1), new OpenInterval("default/agent", "u1", "default/agent-a", "h1", "node-0")),
            (At(2), new OpenInterval("default/agent", "u1", "default/agent-b", "h1", null)),
            (At(3), new OpenInterval("default/agent", "u1", "default/agent-c", "h1", "node-2")),
            (At(4), null),
            (At(5), new CloseInterval("default/agent-a", "evicted", "a NoExecute taint")),
            // closed again in the same run: the first close stands, as the second statement found nothing open
            (At(6), new CloseInterval("default/agent-a", "deleted", null)),
            (At(7), new CloseInterval("default/agent-b", "node removed", null)),
            (At(8), new RelabelInterval("default/agent-c", "h2")),
            (At(9), new OpenInterval("default/agent", "u1", "default/agent-a", "h2", "node-0")),
            (At(10), new CloseInterval("default/agent-c", "rolled forward", null)),
        ];

        var statements = PlacementWriter.Commands(run, "").ToList();
        Assert.Equal(5, statements.Count);
        // the closes of 5-7 in one statement, each pod once (which of two rows an update joins is not defined)
        Assert.Equal(["default/agent-a", "default/agent-b"], (string[])statements[1].Parameters["a"].Value!);
        Assert.Equal([5L, 7L], (long[])statements[1].Parameters["b"].Value!);
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        await using (var batch = new NpgsqlBatch(connection))
        {
            foreach (var statement in statements) batch.BatchCommands.Add(statement);
            await batch.ExecuteNonQueryAsync();
        }

        var rows = new List<string>();
        await using (var read = db.DataSource.CreateCommand(
            "select pod, hash, coalesce(node, '-'), from_seq, coalesce(to_seq::text, '-'), coalesce(end_reason, '-'), coalesce(end_detail, '-'), to_time - from_time from proj_placements order by pod, from_seq"))
        await using (var reader = await read.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                rows.Add(string.Join(" ", Enumerable.Range(0, 8).Select(i => reader.IsDBNull(i) ? "null" : reader.GetValue(i).ToString())));
        Assert.Equal(
            [
                "default/agent-a h1 node-0 1 5 evicted a NoExecute taint 00:00:04",
                "default/agent-a h2 node-0 9 - - - null",
                "default/agent-b h1 - 2 7 node removed - 00:00:05",
                "default/agent-c h1 node-2 3 8 relabelled its controller-revision-hash label became h2 00:00:05",
                "default/agent-c h2 node-2 8 10 rolled forward - 00:00:02",
            ],
            rows);
    }
}
