using System.Globalization;
using System.Text.Json.Nodes;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Projections.Queries;
using MediatR;
using EventEngine.Storage;
using Npgsql;

namespace EventEngine.Projections.History;

/// <summary>
/// GET .../daemonsets/{name}/revisions/{rev}/placements: a page of the pods that ran that revision, oldest first;
/// null when there is no such revision.
/// </summary>
public sealed record GetRevisionPlacements(string Namespace, string Name, long Revision, int Limit, string? Continue) : IRequest<JsonObject?>;

/// <summary>
/// Placement history by revision, read from proj_placements by DaemonSet uid and revision hash. The DaemonSet is
/// the one of that name now or, when there is none, the one deleted last: after an incident the DaemonSet may be
/// gone, and its history must still answer; one recreated under the same name does not inherit it.
/// </summary>
public sealed class PlacementHistoryHandler(NpgsqlDataSource db, EventStore store, TimeTravel travel) : IRequestHandler<GetRevisionPlacements, JsonObject?>
{
    /// <summary>Whose history is read: the DaemonSet's uid, the revision's hash (null: no such revision), when it was deleted.</summary>
    private sealed record Owner(string Uid, string? Hash, bool Current, DateTimeOffset? DeletedAt);

    public async Task<JsonObject?> Handle(GetRevisionPlacements q, CancellationToken ct)
    {
        if (ContinueToken.Decode(q.Continue, 2) is not [var seqText, var afterPod] || !ContinueToken.TryNumber(seqText, out var afterSeq))
            throw new InvalidAtException($"continue: \"{q.Continue}\" is not a token this server gave", "continue");
        if ((await CurrentAsync(q, ct) ?? await DeletedAsync(q, ct)) is not { Hash: { } hash } owner) return null;

        // the summary and the page in one statement, so they read the same rows
        await using var command = db.CreateCommand($"""
            select s.nodes, s.first_time, s.last_time, s.running,
                   i.node, i.pod, i.from_seq, i.from_time, i.to_seq, i.to_time, i.end_reason, i.end_detail
            from (select {RevisionReach.Columns} from proj_placements where daemonset_uid = @uid and hash = @hash) s
            left join lateral (
                select node, pod, from_seq, from_time, to_seq, to_time, end_reason, end_detail from proj_placements
                where daemonset_uid = @uid and hash = @hash and (from_seq, pod) > (@seq, @pod)
                order by from_seq, pod limit @limit) i on true
            order by i.from_seq, i.pod
            """);
        command.Parameters.AddWithValue("uid", owner.Uid);
        command.Parameters.AddWithValue("hash", hash);
        command.Parameters.AddWithValue("seq", afterSeq);
        command.Parameters.AddWithValue("pod", afterPod);
        command.Parameters.AddWithValue("limit", q.Limit + 1);
        var items = new JsonArray();
        var summary = new JsonObject();
        string? next = null;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            string[] last = [];
            while (await reader.ReadAsync(ct))
            {
                summary = RevisionReach.Read(reader, 0);
                if (reader.IsDBNull(5)) continue;
                if (items.Count == q.Limit)
                {
                    next = ContinueToken.Encode(last);
                    break;
                }
                items.Add(Interval(reader));
                last = [reader.GetInt64(6).ToString(CultureInfo.InvariantCulture), reader.GetString(5)];
            }
        }
        var result = new JsonObject
        {
            ["daemonSet"] = q.Namespace + "/" + q.Name,
            ["uid"] = owner.Uid,
            ["deletedAt"] = owner.DeletedAt is { } deleted ? Json.FormatTime(deleted) : null,
            ["revision"] = q.Revision,
            ["hash"] = hash,
            ["current"] = owner.Current,
            ["summary"] = summary,
            ["items"] = items,
        };
        if (next is not null) result["continue"] = next;
        return result;
    }

    /// <summary>The DaemonSet of that name now, and its revision of that number.</summary>
    private async Task<Owner?> CurrentAsync(GetRevisionPlacements q, CancellationToken ct)
    {
        await using var find = db.CreateCommand("""
            select d.uid, r.hash, r.hash = d.current_hash
            from proj_daemonsets d left join proj_revisions r on r.owner_uid = d.uid and r.number = @rev
            where d.namespace = @ns and d.name = @name
            """);
        find.Parameters.AddWithValue("ns", q.Namespace);
        find.Parameters.AddWithValue("name", q.Name);
        find.Parameters.AddWithValue("rev", q.Revision);
        await using var reader = await find.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new Owner(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), !reader.IsDBNull(2) && reader.GetBoolean(2), null);
    }

    /// <summary>The DaemonSet of that name deleted last, and its revision of that number as numbered just before the delete.</summary>
    private async Task<Owner?> DeletedAsync(GetRevisionPlacements q, CancellationToken ct)
    {
        var key = q.Namespace + "/" + q.Name;
        if (await store.ReadLastOfTypeAsync(Subjects.DaemonSetStream(key), EventTypes.NameOf(typeof(DaemonSetDeleted)), ct) is not { } deleted)
            return null;
        var (seq, uid, deletedAt) = (deleted.Seq, ((DaemonSetDeleted)EventTypes.Decode(deleted).Event).Uid, deleted.RecordedAt);
        // revisions go with a DaemonSet deleted in the background: its numbering is read from the log as it stood
        var before = await travel.StateAtAsync(seq - 1, ct);
        if (before.DaemonSets.GetValueOrDefault(key) is not { } ds || ds.Uid != uid) return null;
        var hash = before.RevisionsOf(ds).FirstOrDefault(r => r.Number == q.Revision)?.Hash;
        return new Owner(uid, hash, false, deletedAt);
    }

    private static JsonObject Interval(NpgsqlDataReader reader)
    {
        var pod = reader.GetString(5);
        return new JsonObject
        {
            ["node"] = reader.IsDBNull(4) ? null : reader.GetString(4),
            ["pod"] = pod[(pod.IndexOf('/') + 1)..],
            ["from"] = Json.FormatTime(reader.GetFieldValue<DateTimeOffset>(7)),
            ["fromSeq"] = reader.GetInt64(6),
            ["to"] = reader.IsDBNull(9) ? null : Json.FormatTime(reader.GetFieldValue<DateTimeOffset>(9)),
            ["toSeq"] = reader.IsDBNull(8) ? null : reader.GetInt64(8),
            ["ended"] = reader.IsDBNull(10) ? null : reader.GetString(10),
            ["detail"] = reader.IsDBNull(11) ? null : reader.GetString(11),
        };
    }

}
