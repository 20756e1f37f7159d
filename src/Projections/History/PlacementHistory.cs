using System.Text.Json.Nodes;
using EventEngine.Model;
using MediatR;
using Npgsql;

namespace EventEngine.Projections.History;

/// <summary>GET .../daemonsets/{name}/revisions/{rev}/placements: every pod that ran that revision; null when there is no such revision.</summary>
public sealed record GetRevisionPlacements(string Namespace, string Name, long Revision) : IRequest<JsonObject?>;

/// <summary>Placement history by revision, read from proj_placements (intervals keyed by the revision's hash).</summary>
public sealed class PlacementHistoryHandler(NpgsqlDataSource db) : IRequestHandler<GetRevisionPlacements, JsonObject?>
{
    public async Task<JsonObject?> Handle(GetRevisionPlacements q, CancellationToken ct)
    {
        await using var find = db.CreateCommand("""
            select r.hash, r.hash = d.current_hash from proj_daemonsets d join proj_revisions r on r.owner_uid = d.uid
            where d.namespace = @ns and d.name = @name and r.number = @rev
            """);
        find.Parameters.AddWithValue("ns", q.Namespace);
        find.Parameters.AddWithValue("name", q.Name);
        find.Parameters.AddWithValue("rev", q.Revision);
        string hash;
        bool current;
        await using (var reader = await find.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) return null;
            (hash, current) = (reader.GetString(0), reader.GetBoolean(1));
        }

        await using var command = db.CreateCommand("""
            select node, pod, from_seq, from_time, to_seq, to_time, end_reason, end_detail
            from proj_placements where daemonset = @ds and hash = @hash order by from_seq, pod
            """);
        command.Parameters.AddWithValue("ds", q.Namespace + "/" + q.Name);
        command.Parameters.AddWithValue("hash", hash);
        var items = new JsonArray();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var pod = reader.GetString(1);
                items.Add(new JsonObject
                {
                    ["node"] = reader.IsDBNull(0) ? null : reader.GetString(0),
                    ["pod"] = pod[(pod.IndexOf('/') + 1)..],
                    ["from"] = Json.FormatTime(reader.GetFieldValue<DateTimeOffset>(3)),
                    ["fromSeq"] = reader.GetInt64(2),
                    ["to"] = reader.IsDBNull(5) ? null : Json.FormatTime(reader.GetFieldValue<DateTimeOffset>(5)),
                    ["toSeq"] = reader.IsDBNull(4) ? null : reader.GetInt64(4),
                    ["ended"] = reader.IsDBNull(6) ? null : reader.GetString(6),
                    ["detail"] = reader.IsDBNull(7) ? null : reader.GetString(7),
                });
            }
        }
        return new JsonObject
        {
            ["daemonSet"] = q.Namespace + "/" + q.Name,
            ["revision"] = q.Revision,
            ["hash"] = hash,
            ["current"] = current,
            ["summary"] = Summary(items),
            ["items"] = items,
        };
    }

    /// <summary>Nodes reached, first and last time a pod ran it (last is null while one still runs), pods running now.</summary>
    public static JsonObject Summary(JsonArray items)
    {
        var running = items.Count(i => i!["to"] is null);
        return new JsonObject
        {
            ["nodesReached"] = items.Select(i => (string?)i!["node"]).Where(n => n is not null).Distinct().Count(),
            ["first"] = items.Count == 0 ? null : items.Select(i => (string)i!["from"]!).Min(StringComparer.Ordinal),
            ["last"] = items.Count == 0 || running > 0 ? null : items.Select(i => (string)i!["to"]!).Max(StringComparer.Ordinal),
            ["current"] = running,
        };
    }
}
