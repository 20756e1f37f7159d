using System.Text.Json.Nodes;
using EventEngine.Model;
using MediatR;
using Npgsql;

namespace EventEngine.Projections.Queries;

/// <summary>GET .../daemonsets/{name}/revisions: the history, oldest number first; null when the DaemonSet does not exist.</summary>
public sealed record ListRevisions(string Namespace, string Name) : IRequest<IReadOnlyList<JsonObject>?>;

public sealed class RevisionQueryHandler(NpgsqlDataSource db) : IRequestHandler<ListRevisions, IReadOnlyList<JsonObject>?>
{
    public async Task<IReadOnlyList<JsonObject>?> Handle(ListRevisions q, CancellationToken ct)
    {
        // the per-revision summary comes from placement history: nodes reached, first and last time, pods now
        await using var command = db.CreateCommand("""
            select d.uid, r.name, r.number, r.hash, r.hash = d.current_hash, r.created_at, r.template::text,
                   p.nodes, p.first_time, p.last_time, p.running
            from proj_daemonsets d
            left join proj_revisions r on r.owner_uid = d.uid
            left join lateral (
                select count(distinct node) as nodes, min(from_time) as first_time,
                       case when bool_or(to_seq is null) then null else max(to_time) end as last_time,
                       count(*) filter (where to_seq is null) as running
                from proj_placements where daemonset = d.namespace || '/' || d.name and hash = r.hash) p on true
            where d.namespace = @ns and d.name = @name
            order by r.number
            """);
        command.Parameters.AddWithValue("ns", q.Namespace);
        command.Parameters.AddWithValue("name", q.Name);
        await using var reader = await command.ExecuteReaderAsync(ct);
        List<JsonObject>? items = null;
        while (await reader.ReadAsync(ct))
        {
            items ??= [];
            if (reader.IsDBNull(1)) continue;
            items.Add(new JsonObject
            {
                ["revision"] = reader.GetInt64(2),
                ["name"] = reader.GetString(1),
                ["hash"] = reader.GetString(3),
                ["current"] = reader.GetBoolean(4),
                ["createdAt"] = Json.FormatTime(reader.GetFieldValue<DateTimeOffset>(5)),
                ["template"] = JsonNode.Parse(reader.GetString(6)),
                ["summary"] = new JsonObject
                {
                    ["nodesReached"] = reader.IsDBNull(7) ? 0 : reader.GetInt64(7),
                    ["first"] = reader.IsDBNull(8) ? null : Json.FormatTime(reader.GetFieldValue<DateTimeOffset>(8)),
                    ["last"] = reader.IsDBNull(9) ? null : Json.FormatTime(reader.GetFieldValue<DateTimeOffset>(9)),
                    ["current"] = reader.IsDBNull(10) ? 0 : reader.GetInt64(10),
                },
            });
        }
        return items;
    }
}
