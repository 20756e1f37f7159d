using System.IO.Compression;
using System.Text.Json;
using EventEngine.Model;
using EventEngine.State;
using Npgsql;

namespace EventEngine.Projections.History;

/// <summary>Folded states every so many events, so time travel on a long log folds only a short tail.</summary>
public sealed class Snapshots(NpgsqlDataSource db, SnapshotOptions options)
{
    public int Every => options.Every;

    public async Task WriteAsync(long seq, ClusterState state, CancellationToken ct, NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        const string sql = "insert into snapshots (seq, state) values (@seq, @state) on conflict (seq) do nothing";
        await using var command = connection is null ? db.CreateCommand(sql) : new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("seq", seq);
        command.Parameters.AddWithValue("state", Compress(state));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The latest snapshot at or before seq, if any.</summary>
    public async Task<(long Seq, ClusterState State)?> AtOrBeforeAsync(long seq, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select seq, state from snapshots where seq <= @seq order by seq desc limit 1");
        command.Parameters.AddWithValue("seq", seq);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return (reader.GetInt64(0), Decompress(reader.GetFieldValue<byte[]>(1)));
    }

    public async Task<long> LatestSeqAsync(CancellationToken ct)
    {
        await using var command = db.CreateCommand("select coalesce(max(seq), 0) from snapshots");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    public static byte[] Compress(ClusterState state)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
            JsonSerializer.Serialize(gzip, StateDocument.From(state), Json.Options);
        return buffer.ToArray();
    }

    public static ClusterState Decompress(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        return (JsonSerializer.Deserialize<StateDocument>(gzip, Json.Options) ?? throw new InvalidDataException("empty snapshot")).ToState();
    }
}

/// <summary>Engine:SnapshotEvery (default 1,000 events) and Engine:RecordFingerprints (default off).</summary>
public sealed record SnapshotOptions(int Every, bool RecordFingerprints);
