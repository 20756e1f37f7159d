using System.Diagnostics;
using EventEngine.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace EventEngine.Harness;

/// <summary>
/// The event store alone against raw Npgsql on a table of the same shape and indexes: a single durable append
/// against a single-row INSERT, a bulk append against a binary COPY.
/// </summary>
public static class StoreBench
{
    private const string Data = """{"pod":"agent-3-x7k2p","node":"node-1234","daemonSet":"kube-system/agent-3","namespace":"kube-system","hash":"5d8f7c9b4","uid":"0f8c2b1e-7e51-4a8e-9a55-3f2a8e9b6c11","templateGeneration":1,"labels":{"app":"agent-3","controller-revision-hash":"5d8f7c9b4","pod-template-generation":"1"},"tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute"}]}""";
    private static readonly EventMetadata Metadata = new("bench-correlation", null, "bench", null);

    public static async Task<List<Row>> RunAsync(string server, int singles, int bulk)
    {
        var database = $"bench_store_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        // both sides on the connection settings the server runs the store with (statements prepared after their second use,
        // no reset when a connection goes back to the pool): what is compared is the statements, not the settings
        var connection = EventEngine.Api.Hosting.EventDatabase.Tuned(new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString);
        await using var source = NpgsqlDataSource.Create(connection);
        await new MigrationRunner(source, NullLogger<MigrationRunner>.Instance).RunAsync();
        await using (var table = source.CreateCommand("""
            create table raw_events (seq bigint generated always as identity primary key, id uuid not null unique, stream text not null,
                version bigint not null, type text not null, data jsonb not null, metadata jsonb not null, recorded_at timestamptz not null,
                unique (stream, version));
            create index on raw_events (recorded_at)
            """)) await table.ExecuteNonQueryAsync();
        var store = new EventStore(source, TimeProvider.System);
        var metadata = System.Text.Json.JsonSerializer.Serialize(new { correlationId = "bench-correlation", causationId = (string?)null, actor = "bench", reason = (object?)null });

        // warm both paths up (connections, plans) before measuring
        for (var i = 0; i < 50; i++)
        {
            await RawInsertAsync(source, $"warm-{i}", metadata);
            await store.AppendAsync($"warm-{i}", ExpectedVersion.NoStream, [New()]);
        }

        // in alternating rounds, so that a slower minute of the disk (fsync times vary a lot) weighs on both alike
        const int rounds = 10;
        var (raw, ours) = (new Stopwatch(), new Stopwatch());
        for (var round = 0; round < rounds; round++)
        {
            var (first, last) = (singles * round / rounds, singles * (round + 1) / rounds);
            raw.Start();
            for (var i = first; i < last; i++) await RawInsertAsync(source, $"raw-{i}", metadata);
            raw.Stop();
            ours.Start();
            for (var i = first; i < last; i++) await store.AppendAsync($"single-{i}", ExpectedVersion.NoStream, [New()]);
            ours.Stop();
        }
        var rawRate = singles / raw.Elapsed.TotalSeconds;
        var oursRate = singles / ours.Elapsed.TotalSeconds;

        const int chunk = 10_000;
        var copy = Stopwatch.StartNew();
        for (var done = 0; done < bulk; done += chunk) await RawCopyAsync(source, done, chunk, metadata);
        var copyRate = bulk / copy.Elapsed.TotalSeconds;
        var bulkWatch = Stopwatch.StartNew();
        for (var done = 0; done < bulk; done += chunk)
        {
            var appends = Enumerable.Range(0, chunk / 10)
                .Select(s => new StreamAppend($"bulk-{done}-{s}", ExpectedVersion.NoStream, Enumerable.Range(0, 10).Select(_ => New()).ToList())).ToList();
            if (await store.BulkAppendAsync(appends) is not AppendSuccess) throw new InvalidOperationException("bulk append failed");
        }
        var bulkRate = bulk / bulkWatch.Elapsed.TotalSeconds;

        return
        [
            new("append", "single-event append (store)", oursRate, "appends/s", "single-row durable INSERT (Npgsql)", rawRate, oursRate / rawRate, ">= 0.6x"),
            new("append", "bulk append (store)", bulkRate, "events/s", "binary COPY (Npgsql)", copyRate, bulkRate / copyRate, ">= 0.7x"),
        ];
    }

    private static NewEvent New() => new(Guid.NewGuid(), "pod_created.v1", Data, Metadata);

    private static async Task RawInsertAsync(NpgsqlDataSource source, string stream, string metadata)
    {
        await using var command = source.CreateCommand(
            "insert into raw_events (id, stream, version, type, data, metadata, recorded_at) values ($1, $2, 1, 'pod_created.v1', $3::jsonb, $4::jsonb, now())");
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid() });
        command.Parameters.Add(new NpgsqlParameter { Value = stream });
        command.Parameters.Add(new NpgsqlParameter { Value = Data });
        command.Parameters.Add(new NpgsqlParameter { Value = metadata });
        await command.ExecuteNonQueryAsync();
    }

    private static async Task RawCopyAsync(NpgsqlDataSource source, int first, int count, string metadata)
    {
        await using var connection = await source.OpenConnectionAsync();
        await using var importer = await connection.BeginBinaryImportAsync(
            "copy raw_events (id, stream, version, type, data, metadata, recorded_at) from stdin (format binary)");
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            await importer.StartRowAsync();
            await importer.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid);
            await importer.WriteAsync($"copy-{first + i / 10}", NpgsqlDbType.Text);
            await importer.WriteAsync((long)(i % 10 + 1), NpgsqlDbType.Bigint);
            await importer.WriteAsync("pod_created.v1", NpgsqlDbType.Text);
            await importer.WriteAsync(Data, NpgsqlDbType.Jsonb);
            await importer.WriteAsync(metadata, NpgsqlDbType.Jsonb);
            await importer.WriteAsync(now, NpgsqlDbType.TimestampTz);
        }
        await importer.CompleteAsync();
    }
}
