using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Projections.ReadModels;
using EventEngine.Storage;
using EventEngine.Tests.Scenarios;
using Microsoft.Extensions.DependencyInjection;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>The read models are caches of the log: dropped and rebuilt, they hold the same rows.</summary>
public sealed class RebuildTests
{
    private static readonly string[] Tables =
    [
        "select name, resource_version, updated_seq, object from proj_nodes order by name",
        "select namespace, name, uid, current_hash, resource_version, updated_seq, object from proj_daemonsets order by namespace, name",
        "select namespace, name, daemonset, node, phase, ready, hash, created_at, resource_version, updated_seq, object from proj_pods order by namespace, name",
        "select namespace, name, owner_uid, number, hash, created_at, template, object from proj_revisions order by namespace, name",
        "select name, seq from proj_checkpoint order by name",
        "select daemonset, daemonset_uid, pod, hash, node, from_seq, from_time, to_seq, to_time, end_reason, end_detail from proj_placements order by pod, from_seq",
    ];

    [Theory]
    [InlineData("G4-save-old-healthy-pods.yaml")]
    [InlineData("H4-rollout-history-and-undo.yaml")]
    [InlineData("H6-orphan-and-adopt.yaml")]
    [InlineData("F5-surge-preserves-old-ready-with-unsatisfied-min-ready.yaml")]
    [InlineData("C2-node-selector-deletes-unselected-pods.yaml")]
    public async Task RebuiltReadModels_AreTheRowsWrittenLive(string file)
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(database);
        var failures = await new ScenarioRunner(new HttpDriver(api.Client)).RunAsync(Scenario.Load(Path.Combine(Scenario.Folder, file)));
        Assert.Empty(failures);

        var live = await DumpAsync(database);
        Assert.NotEmpty(live[0]);
        var seq = await api.Services.GetRequiredService<Rebuild>().RunAsync(CancellationToken.None);
        var rebuilt = await DumpAsync(database);

        Assert.Equal(await database.ScalarAsync<long>("select max(seq) from events"), seq);
        for (var i = 0; i < Tables.Length; i++) Assert.Equal(live[i], rebuilt[i]);
    }

    [Fact]
    public async Task ACopyThatFails_FailsTheRebuild_InsteadOfLeavingItWaiting_AndTheNextRebuildRuns()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(database);
        await FluentdOnNodesAsync(api.Client, 30);
        var live = await DumpAsync(database);
        var head = await database.ScalarAsync<long>("select max(seq) from events");
        // the rebuilt history refuses every row: a trigger an event trigger puts on it when the rebuild creates it
        await database.ExecuteAsync("""
            create function refuse_row() returns trigger language plpgsql as $$ begin raise exception 'row refused'; end $$;
            create function refuse_rebuilt_history() returns event_trigger language plpgsql as $$
            begin
                if exists (select 1 from pg_event_trigger_ddl_commands() where object_identity = 'public.history_next') then
                    create trigger refuse before insert on history_next for each row execute function refuse_row();
                end if;
            end $$;
            create event trigger refuse_rebuilt_history on ddl_command_end when tag in ('CREATE TABLE') execute function refuse_rebuilt_history();
            """);
        // pages of two events: far more pages than the batches that may wait for COPY, so a fold left waiting would never end
        var rebuild = new Rebuild(api.Services.GetRequiredService<Npgsql.NpgsqlDataSource>(), api.Services.GetRequiredService<EventStore>()) { PageSize = 2 };
        Assert.True(head > 30, $"{head} events");

        var failed = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => rebuild.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal("row refused", failed.MessageText);
        Assert.Equal(live, await DumpAsync(database));

        await database.ExecuteAsync("drop event trigger refuse_rebuilt_history");
        Assert.Equal(head, await rebuild.RunAsync(CancellationToken.None));
        Assert.Equal(live, await DumpAsync(database));
    }

    [Fact]
    public async Task Rebuild_FromAnEmptySchema_RestoresEveryRow_AndTheApiKeepsServing()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(database);
        await FluentdOnNodesAsync(api.Client, 2);
        var live = await DumpAsync(database);

        await database.ExecuteAsync("truncate proj_nodes, proj_daemonsets, proj_pods, proj_revisions");
        await api.Services.GetRequiredService<Rebuild>().RunAsync(CancellationToken.None);

        Assert.Equal(live, await DumpAsync(database));
        var ds = await api.Client.GetJsonAsync("/apis/apps/v1/namespaces/kube-system/daemonsets/fluentd-elasticsearch");
        Assert.Equal(2, (int)ds["status"]!["desiredNumberScheduled"]!);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await api.Client.PostAsync("/api/v1/nodes", Http.Node("n3"))).Status);
        Assert.Equal(3, (await api.Client.GetJsonAsync("/api/v1/pods?daemonset=kube-system/fluentd-elasticsearch"))["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task ReadsDuringARebuild_KeepAnsweringInFull()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(database);
        await FluentdOnNodesAsync(api.Client, 30);

        var rebuild = api.Client.PostAsync("/engine/v1/projections/rebuild", "{}");
        var reads = 0;
        do
        {
            var pods = (await api.Client.GetJsonAsync("/api/v1/pods?daemonset=kube-system/fluentd-elasticsearch"))["items"]!.AsArray();
            Assert.Equal(30, pods.Count);
            reads++;
        }
        while (!rebuild.IsCompleted);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await rebuild).Status);
        Assert.True(reads > 0);
    }

    [Fact]
    public async Task ARebuildWhileAnotherRuns_IsRefusedWith409_AndTouchesNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(database);
        await FluentdOnNodesAsync(api.Client, 2);
        var live = await DumpAsync(database);

        // another server's rebuild holds the lock
        await using (var other = await database.DataSource.OpenConnectionAsync())
        {
            await using (var take = new Npgsql.NpgsqlCommand($"select pg_advisory_lock({Rebuild.LockKey})", other))
                await take.ExecuteNonQueryAsync();
            var (status, problem, _) = await api.Client.PostAsync("/engine/v1/projections/rebuild", "{}");
            Assert.Equal(System.Net.HttpStatusCode.Conflict, status);
            Assert.Contains("already running", (string?)problem!["detail"]);
            Assert.Equal(live, await DumpAsync(database));
            await using var release = new Npgsql.NpgsqlCommand($"select pg_advisory_unlock({Rebuild.LockKey})", other);
            await release.ExecuteNonQueryAsync();
        }

        Assert.Equal(System.Net.HttpStatusCode.OK, (await api.Client.PostAsync("/engine/v1/projections/rebuild", "{}")).Status);
        Assert.Equal(live, await DumpAsync(database));
    }

    [Fact]
    public async Task ARebuildAskedForNdjson_ReportsThePagesFolded_ThenItsAnswer_AndARefusalIsStillAProblem()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(database);
        await FluentdOnNodesAsync(api.Client, 2);
        var head = (long)(await api.Client.GetJsonAsync("/readyz"))["head"]!;
        async Task<(System.Net.HttpStatusCode Status, string? Type, string Body)> RebuildAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/engine/v1/projections/rebuild") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/x-ndjson");
            using var response = await api.Client.SendAsync(request);
            return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
        }

        await using (var other = await database.DataSource.OpenConnectionAsync())
        {
            await using (var take = new Npgsql.NpgsqlCommand($"select pg_advisory_lock({Rebuild.LockKey})", other))
                await take.ExecuteNonQueryAsync();
            var refused = await RebuildAsync();
            Assert.Equal((System.Net.HttpStatusCode.Conflict, "application/problem+json"), (refused.Status, refused.Type));
            await using var release = new Npgsql.NpgsqlCommand($"select pg_advisory_unlock({Rebuild.LockKey})", other);
            await release.ExecuteNonQueryAsync();
        }

        var (status, type, body) = await RebuildAsync();
        Assert.Equal((System.Net.HttpStatusCode.OK, "application/x-ndjson"), (status, type));
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).ToList();
        Assert.Equal([(head, head)], lines.SkipLast(1).Select(l => ((long)l["progress"]!["seq"]!, (long)l["progress"]!["head"]!)));
        Assert.Equal(head, (long)lines[^1]["result"]!["seq"]!);
    }

    [Fact]
    public async Task RebuiltTables_KeepTheirIndexNames_SoLaterMigrationsFindThem()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(database);
        const string indexes = "select string_agg(tablename || ':' || indexname, ',' order by tablename, indexname) from pg_indexes where schemaname = current_schema()";
        var before = await database.ScalarAsync<string>(indexes);
        Assert.Contains("proj_placements:proj_placements_owner_idx", before);

        await api.Services.GetRequiredService<Rebuild>().RunAsync(CancellationToken.None);

        Assert.Equal(before, await database.ScalarAsync<string>(indexes));
    }

    [Fact]
    public async Task LargeObjects_AreStoredWithLz4_AndARebuildKeepsIt()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(database);
        await api.Client.PostAsync("/engine/v1/apply", "[" + Http.Node("n0") + "," + Http.Node("n1") + "]");
        // its pods' objects are about 3.5 kB, past the 2 kB from which PostgreSQL compresses a value
        var note = string.Concat(Enumerable.Range(0, 300).Select(i => $"line {i};"));
        await api.Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", """
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"big","namespace":"default"},
             "spec":{"selector":{"matchLabels":{"app":"big"}},
                     "template":{"metadata":{"labels":{"app":"big"},"annotations":{"note":"NOTE"}},"spec":{"containers":[{"name":"big","image":"big:1"}]}}}}
            """.Replace("NOTE", note, StringComparison.Ordinal), "application/json");
        var expected = await database.ScalarAsync<bool>("select 'lz4' = any(enumvals) from pg_settings where name = 'default_toast_compression'") ? "lz4" : "pglz";
        const string stored = "select string_agg(distinct pg_column_compression(object), ',') from proj_pods";
        const string columns = "select string_agg(attrelid::regclass::text || '.' || attname || ':' || attcompression::text, ',' order by attrelid::regclass::text, attname) from pg_attribute where attcompression <> ''";
        Assert.Equal(expected, await database.ScalarAsync<string>(stored));
        var before = await database.ScalarAsync<string>(columns);

        await api.Services.GetRequiredService<Rebuild>().RunAsync(CancellationToken.None);

        Assert.Equal(expected, await database.ScalarAsync<string>(stored));
        Assert.Equal(before, await database.ScalarAsync<string>(columns));
    }

    /// <summary>Nodes n0.. and the fluentd DaemonSet on them.</summary>
    private static async Task FluentdOnNodesAsync(HttpClient client, int nodes)
    {
        await client.PostAsync("/engine/v1/apply", "[" + string.Join(",", Enumerable.Range(0, nodes).Select(i => Http.Node($"n{i}"))) + "]");
        await client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml);
    }

    private static async Task<List<List<string>>> DumpAsync(TestDatabase database)
    {
        var dump = new List<List<string>>();
        foreach (var sql in Tables)
        {
            await using var command = database.DataSource.CreateCommand(sql);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
                rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
            dump.Add(rows);
        }
        return dump;
    }
}
