using System.Globalization;
using System.Text.Json.Nodes;
using EventEngine.Events;
using EventEngine.Projections.History;
using EventEngine.Projections.Kubernetes;
using EventEngine.Projections.Queries;
using EventEngine.State;
using EventEngine.Storage;
using Npgsql;

namespace EventEngine.Api.Kubernetes;

/// <summary>
/// core/v1 Events and Namespaces read from the log: the log events that stand for Events (pods created and deleted by
/// the controller, node registrations, cordons and conditions) become Events as <see cref="ClusterEvents"/> words them,
/// with the DaemonSet and node they name as the object history holds them just before; namespaces are the ones
/// DaemonSets and pods have used, each created by its first use.
/// </summary>
public sealed class KubeEvents(EventStore store, HistoryReader history, NpgsqlDataSource db)
{
    /// <summary>The log event types <see cref="ClusterEvents.From"/> makes Events of.</summary>
    public static readonly IReadOnlyList<string> Recorded =
    [
        .. new[]
        {
            typeof(PodCreated), typeof(PodDeleted), typeof(NodeCordoned), typeof(NodeUncordoned), typeof(NodeJoined),
            typeof(NodeRemoved), typeof(NodeConditionChanged),
        }.Select(EventTypes.NameOf),
    ];

    private const int LogPage = 2_000;

    /// <summary>
    /// A page of Events in log order up to the head read first (the list's resourceVersion); the continue token is
    /// the seq of the last log event read, so the next page resumes after it.
    /// </summary>
    public async Task<Page?> PageAsync(string? inNamespace, Func<string, bool>? keep, int limit, string? continueToken, CancellationToken ct)
    {
        if (ContinueToken.Decode(continueToken, 1) is not [var part] || !ContinueToken.TryNumber(part, out var after)) return null;
        var head = await store.GetHeadSeqAsync(ct);
        var items = new List<string>();
        while (true)
        {
            var page = await store.ReadOfTypesAsync(after, head, Recorded, LogPage, ct);
            if (page.Count == 0) return new Page(items, null) { ResourceVersion = head };
            foreach (var (stored, events) in await OfAsync(page, ct))
            {
                foreach (var e in events)
                {
                    if (inNamespace is not null && (string?)e["metadata"]?["namespace"] != inNamespace) continue;
                    var text = e.ToJsonString();
                    if (keep is null || keep(text)) items.Add(text);
                }
                after = stored.Seq;
                // a log event's Events stay on one page: a page may hold a few more than the limit
                if (items.Count >= limit) return new Page(items, ContinueToken.Encode(after.ToString(CultureInfo.InvariantCulture))) { ResourceVersion = head };
            }
            after = page[^1].Seq;
        }
    }

    /// <summary>The Events each log event of a page stands for, in log order (log events that stand for none are left out).</summary>
    public async Task<List<(StoredEvent Stored, IReadOnlyList<JsonObject> Events)>> OfAsync(IReadOnlyList<StoredEvent> page, CancellationToken ct)
    {
        var result = new List<(StoredEvent, IReadOnlyList<JsonObject>)>();
        var decoded = page.Where(e => Recorded.Contains(e.Type)).Select(e => (Stored: e, Event: EventTypes.Decode(e).Event)).ToList();
        if (decoded.Count == 0) return result;
        var named = decoded.SelectMany(d => Named(d.Event)).Distinct().ToList();
        var versions = await history.VersionsAsync(named, [], decoded[0].Stored.Seq - 1, decoded[^1].Stored.Seq, ct);
        foreach (var (stored, e) in decoded)
        {
            var events = ClusterEvents.From(stored, e, ContextAt(versions, stored.Seq - 1));
            if (events.Count > 0) result.Add((stored, events));
        }
        return result;
    }

    /// <summary>Every namespace in use since the beginning, by name, as of now.</summary>
    public async Task<(long Head, List<JsonObject> Items)> NamespacesAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var command = new NpgsqlCommand("""
            select (select coalesce(max(seq), 0) from events), u.ns, u.first, e.recorded_at
            from (select split_part(key, '/', 1) as ns, min(lower) as first
                  from (select key, lower from history where kind in ('D', 'P') union all select key, lower from history_open where kind in ('D', 'P')) v
                  group by 1) u
            join events e on e.seq = u.first
            """, connection, transaction);
        var uses = new Dictionary<string, NamespaceUse>(StringComparer.Ordinal);
        long head = 0;
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                head = reader.GetInt64(0);
                uses[reader.GetString(1)] = new NamespaceUse(reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3));
            }
        if (uses.Count == 0) head = await store.GetHeadSeqAsync(ct);
        // default and kube-system begin with the log's first event
        if (head > 0 && (await store.ReadAllAsync(0, 1, ct)) is [var first])
            foreach (var name in ClusterNamespaces.Always)
                uses[name] = new NamespaceUse(name, first.Seq, first.RecordedAt);
        return (head, ClusterNamespaces.Objects(uses).ToList());
    }

    /// <summary>The objects an Event of this log event may name: its DaemonSet, or the node whose uid it carries.</summary>
    private static IEnumerable<(char Kind, string Key)> Named(IEvent e) => e switch
    {
        PodCreated x => DaemonSet(x.DaemonSet),
        PodDeleted { DaemonSet: { } ds } => DaemonSet(ds),
        NodeRemoved x => [(ObjectHistory.Kinds.Node, x.Node)],
        _ => [],
    };

    private static IEnumerable<(char, string)> DaemonSet(string key) =>
        [(ObjectHistory.Kinds.DaemonSet, key), (ObjectHistory.Kinds.DaemonSetStatus, key)];

    /// <summary>The DaemonSets and nodes as they stood at a seq; a DaemonSet's resourceVersion is the later of its spec's and status's.</summary>
    private static EventContext ContextAt(List<HistoryReader.Ranged> versions, long at)
    {
        HistoryReader.Ranged? Holding(char kind, string key) =>
            versions.FirstOrDefault(v => v.Kind == kind && v.Key == key && v.Lower <= at && v.Upper >= at);
        return new EventContext(
            key =>
            {
                if (Holding(ObjectHistory.Kinds.DaemonSet, key) is not { } spec) return null;
                var part = (ObjectHistory.DaemonSetPart)ObjectHistory.Read(spec.Kind, spec.Body);
                var version = Math.Max(spec.Lower, Holding(ObjectHistory.Kinds.DaemonSetStatus, key)?.Lower ?? 0);
                var slash = key.IndexOf('/');
                return new InvolvedDaemonSet(key[..slash], key[(slash + 1)..], part.Uid, version.ToString(CultureInfo.InvariantCulture));
            },
            node => Holding(ObjectHistory.Kinds.Node, node) is { } n ? ((NodeState)ObjectHistory.Read(n.Kind, n.Body)).Uid : null);
    }
}
