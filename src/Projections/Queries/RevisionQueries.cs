using System.Globalization;
using System.Text.Json.Nodes;
using EventEngine.Model;
using EventEngine.Projections.History;
using MediatR;
using Npgsql;

namespace EventEngine.Projections.Queries;

/// <summary>
/// GET .../daemonsets/{name}/revisions: a page of the history, oldest number first. Found is false when the
/// DaemonSet does not exist; Page is null when the continue token is not one this server gave.
/// </summary>
public sealed record ListRevisions(string Namespace, string Name, int Limit, string? Continue) : IRequest<(bool Found, Page? Page)>;

/// <summary>The revisions of the DaemonSet of that name now, each with how far it got (its own pods only, not a predecessor's).</summary>
public sealed class RevisionQueryHandler(NpgsqlDataSource db) : IRequestHandler<ListRevisions, (bool Found, Page? Page)>
{
    public async Task<(bool Found, Page? Page)> Handle(ListRevisions q, CancellationToken ct)
    {
        if (ContinueToken.Decode(q.Continue, 1) is not [var token] || !ContinueToken.TryNumber(token, out var after)) return (true, null);
        await using var command = db.CreateCommand($"""
            select r.name, r.number, r.hash, r.hash = d.current_hash, r.created_at, r.template::text,
                   p.nodes, p.first_time, p.last_time, p.running
            from proj_daemonsets d
            left join lateral (
                select * from proj_revisions where owner_uid = d.uid and number > @after order by number limit @limit) r on true
            left join lateral (
                select {RevisionReach.Columns}
                from proj_placements where daemonset_uid = d.uid and hash = r.hash) p on true
            where d.namespace = @ns and d.name = @name
            order by r.number
            """);
        command.Parameters.AddWithValue("ns", q.Namespace);
        command.Parameters.AddWithValue("name", q.Name);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("limit", q.Limit + 1);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var found = false;
        var items = new List<string>();
        long last = 0;
        while (await reader.ReadAsync(ct))
        {
            found = true;
            if (reader.IsDBNull(0)) continue;
            if (items.Count == q.Limit) return (true, new Page(items, ContinueToken.Encode(last.ToString(CultureInfo.InvariantCulture))));
            last = reader.GetInt64(1);
            items.Add(new JsonObject
            {
                ["revision"] = last,
                ["name"] = reader.GetString(0),
                ["hash"] = reader.GetString(2),
                ["current"] = reader.GetBoolean(3),
                ["createdAt"] = Json.FormatTime(reader.GetFieldValue<DateTimeOffset>(4)),
                ["template"] = Json.ParseStored(reader.GetString(5)),
                ["summary"] = RevisionReach.Read(reader, 6),
            }.ToJsonString());
        }
        return (found, new Page(items, null));
    }

}
