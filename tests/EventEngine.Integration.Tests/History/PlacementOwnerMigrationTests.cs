using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Storage;

namespace EventEngine.Integration.Tests.History;

/// <summary>Migration 0004 gives intervals written before it the DaemonSet uid the projection writes now.</summary>
public sealed class PlacementOwnerMigrationTests
{
    private const string Rows = """
        select e.type || ' ' || p.pod || ' ' || p.from_seq || ' ' || coalesce(p.daemonset_uid, 'null')
        from proj_placements p join events e on e.seq = p.from_seq order by p.pod, p.from_seq
        """;

    [Fact]
    public async Task IntervalsOpenedByCreatedRegisteredAndAdoptedPods_GetTheUidTheProjectionWrites()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db);
        var c = api.Client;
        await c.PostAsync("/engine/v1/apply", $"[{Http.Node("node-0")},{Http.Node("node-1")}]");
        await c.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent());
        var agent = await c.GetJsonAsync("/apis/apps/v1/namespaces/default/daemonsets/agent");
        var (uid, hash) = ((string)agent["metadata"]!["uid"]!, (string)(await c.GetJsonAsync("/apis/apps/v1/namespaces/default/daemonsets/agent/revisions"))["items"]![0]!["hash"]!);
        var observed = $$"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"agent-observed","namespace":"default",
              "labels":{"app":"agent","controller-revision-hash":"{{hash}}"},
              "ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"agent","uid":"{{uid}}","controller":true}]},
             "spec":{"nodeName":"node-1","containers":[{"name":"agent","image":"agent:1"}]},"status":{"phase":"Running"} }
            """;
        await c.PostAsync("/api/v1/namespaces/default/pods", observed);   // a second pod on node-1: the controller deletes one
        await c.DeleteJsonAsync("/apis/apps/v1/namespaces/default/daemonsets/agent?propagationPolicy=Orphan");
        await c.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent());
        var adopter = (string)(await c.GetJsonAsync("/apis/apps/v1/namespaces/default/daemonsets/agent"))["metadata"]!["uid"]!;

        var live = await RowsAsync(db);
        Assert.Contains(live, r => r.StartsWith("pod_created.v1 ", StringComparison.Ordinal) && r.EndsWith(uid, StringComparison.Ordinal));
        Assert.Contains(live, r => r.StartsWith("pod_registered.v1 default/agent-observed ", StringComparison.Ordinal) && r.EndsWith(uid, StringComparison.Ordinal));
        Assert.Contains(live, r => r.StartsWith("pod_adopted.v1 ", StringComparison.Ordinal) && r.EndsWith(adopter, StringComparison.Ordinal));

        // as the rows stood before the column was filled
        await db.ExecuteAsync("update proj_placements set daemonset_uid = null");
        await db.ExecuteAsync(Migration.Embedded().Single(m => m.Version == "0004").Sql);
        Assert.Equal(live, await RowsAsync(db));
    }

    private static async Task<List<string>> RowsAsync(TestDatabase db)
    {
        await using var command = db.DataSource.CreateCommand(Rows);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }
}
