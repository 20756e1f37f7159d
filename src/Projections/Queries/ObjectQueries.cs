using MediatR;
using Npgsql;

namespace EventEngine.Projections.Queries;

/// <summary>GET /api/v1/nodes/{name}: the node as last written, or null.</summary>
public sealed record GetNode(string Name) : IRequest<string?>;

/// <summary>GET /api/v1/nodes: a page of nodes by name.</summary>
public sealed record ListNodes(int Limit, string? Continue) : IRequest<Page?>
{
    /// <summary>Which objects the page holds (selectors); pages are filled up to the limit with kept objects.</summary>
    public Func<string, bool>? Keep { get; init; }
}

/// <summary>GET .../namespaces/{ns}/daemonsets/{name}: the DaemonSet with its live status, or null.</summary>
public sealed record GetDaemonSet(string Namespace, string Name) : IRequest<string?>;

/// <summary>GET /apis/apps/v1/daemonsets and .../namespaces/{ns}/daemonsets.</summary>
public sealed record ListDaemonSets(string? Namespace, int Limit, string? Continue) : IRequest<Page?>
{
    public Func<string, bool>? Keep { get; init; }
}

/// <summary>GET /api/v1/pods?daemonset=ns/name&amp;node=: actual pods.</summary>
public sealed record ListPods(string? Namespace, string? DaemonSet, string? Node, int Limit, string? Continue) : IRequest<Page?>
{
    public Func<string, bool>? Keep { get; init; }
}

/// <summary>GET /api/v1/namespaces/{ns}/pods/{name}.</summary>
public sealed record GetPod(string Namespace, string Name) : IRequest<string?>;

/// <summary>GET /apis/apps/v1/namespaces/{ns}/controllerrevisions/{name}: the revision as apps/v1 ControllerRevision.</summary>
public sealed record GetControllerRevision(string Namespace, string Name) : IRequest<string?>;

/// <summary>GET /apis/apps/v1[/namespaces/{ns}]/controllerrevisions?daemonset=ns/name: revisions by namespace and name.</summary>
public sealed record ListControllerRevisions(string? Namespace, string? DaemonSet, int Limit, string? Continue) : IRequest<Page?>
{
    public Func<string, bool>? Keep { get; init; }
}

/// <summary>Reads the object read models. A null page means the continue token was not valid.</summary>
public sealed class ObjectQueryHandlers(NpgsqlDataSource db) :
    IRequestHandler<GetNode, string?>,
    IRequestHandler<ListNodes, Page?>,
    IRequestHandler<GetDaemonSet, string?>,
    IRequestHandler<ListDaemonSets, Page?>,
    IRequestHandler<ListPods, Page?>,
    IRequestHandler<GetPod, string?>,
    IRequestHandler<GetControllerRevision, string?>,
    IRequestHandler<ListControllerRevisions, Page?>
{
    public Task<string?> Handle(GetNode q, CancellationToken ct) =>
        SingleAsync("select object::text from proj_nodes where name = @a", ct, ("a", q.Name));

    public Task<Page?> Handle(ListNodes q, CancellationToken ct)
    {
        if (ContinueToken.Decode(q.Continue, 1) is not [var after]) return Task.FromResult<Page?>(null);
        return PageAsync("select object::text, name from proj_nodes where name > @a order by name limit @limit", q.Limit, q.Keep, ct,
            r => [r.GetString(1)], ("a", after));
    }

    public Task<string?> Handle(GetDaemonSet q, CancellationToken ct) =>
        SingleAsync("select object::text from proj_daemonsets where namespace = @a and name = @b", ct, ("a", q.Namespace), ("b", q.Name));

    public Task<Page?> Handle(ListDaemonSets q, CancellationToken ct)
    {
        if (ContinueToken.Decode(q.Continue, 2) is not [var ns, var name]) return Task.FromResult<Page?>(null);
        return PageAsync("""
            select object::text, namespace, name from proj_daemonsets
            where (@ns::text is null or namespace = @ns) and (namespace, name) > (@a, @b)
            order by namespace, name limit @limit
            """, q.Limit, q.Keep, ct, r => [r.GetString(1), r.GetString(2)], ("ns", (object?)q.Namespace ?? DBNull.Value), ("a", ns), ("b", name));
    }

    public Task<Page?> Handle(ListPods q, CancellationToken ct)
    {
        if (ContinueToken.Decode(q.Continue, 2) is not [var ns, var name]) return Task.FromResult<Page?>(null);
        return PageAsync("""
            select object::text, namespace, name from proj_pods
            where (@ns::text is null or namespace = @ns) and (@ds::text is null or daemonset = @ds) and (@node::text is null or node = @node)
              and (namespace, name) > (@a, @b)
            order by namespace, name limit @limit
            """, q.Limit, q.Keep, ct, r => [r.GetString(1), r.GetString(2)],
            ("ns", (object?)q.Namespace ?? DBNull.Value), ("ds", (object?)q.DaemonSet ?? DBNull.Value),
            ("node", (object?)q.Node ?? DBNull.Value), ("a", ns), ("b", name));
    }

    public Task<string?> Handle(GetPod q, CancellationToken ct) =>
        SingleAsync("select object::text from proj_pods where namespace = @a and name = @b", ct, ("a", q.Namespace), ("b", q.Name));

    // a revision's resourceVersion is the seq its current version began at (the history keeps it), set in the object's
    // text as it was stored (first in its metadata, which follows apiVersion and kind), not through jsonb: its data's
    // bytes are the ones kubectl compares (ControllerRevision.Data)
    private const string RevisionObject =
        """regexp_replace(r.object::text, '^(\{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":\{)(?=")', '\1"resourceVersion":"' || coalesce(h.lower, 0) || '",')""";

    private const string RevisionVersion = "left join history_open h on h.kind = 'R' and h.key = r.namespace || '/' || r.name";

    public Task<string?> Handle(GetControllerRevision q, CancellationToken ct) =>
        SingleAsync($"select {RevisionObject} from proj_revisions r {RevisionVersion} where r.namespace = @a and r.name = @b", ct, ("a", q.Namespace), ("b", q.Name));

    public Task<Page?> Handle(ListControllerRevisions q, CancellationToken ct)
    {
        if (ContinueToken.Decode(q.Continue, 2) is not [var ns, var name]) return Task.FromResult<Page?>(null);
        // the owner is found by uid: a revision orphaned by a deleted DaemonSet of the same name is not its
        return PageAsync($"""
            select {RevisionObject}, r.namespace, r.name from proj_revisions r {RevisionVersion}
            where (@ns::text is null or r.namespace = @ns)
              and (@ds::text is null or exists (
                  select 1 from proj_daemonsets d where d.uid = r.owner_uid and d.namespace || '/' || d.name = @ds))
              and (r.namespace, r.name) > (@a, @b)
            order by r.namespace, r.name limit @limit
            """, q.Limit, q.Keep, ct, r => [r.GetString(1), r.GetString(2)],
            ("ns", (object?)q.Namespace ?? DBNull.Value), ("ds", (object?)q.DaemonSet ?? DBNull.Value), ("a", ns), ("b", name));
    }

    private async Task<string?> SingleAsync(string sql, CancellationToken ct, params (string, object)[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>A page and the log's head, read in one snapshot: the head is the list's resourceVersion, and a watch from it misses nothing.</summary>
    private async Task<Page?> PageAsync(string sql, int limit, Func<string, bool>? keep, CancellationToken ct, Func<NpgsqlDataReader, string[]> key,
        params (string, object)[] parameters)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        long head;
        await using (var headCommand = new NpgsqlCommand("select coalesce(max(seq), 0) from events", connection, transaction))
            head = (long)(await headCommand.ExecuteScalarAsync(ct))!;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        // with a filter the rows stream in key order until the page is full: as many are read as it takes
        command.Parameters.AddWithValue("limit", keep is null ? limit + 1 : long.MaxValue);
        var items = new List<string>();
        string[]? last = null;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var item = reader.GetString(0);
            if (keep is not null && !keep(item)) continue;
            if (items.Count == limit) return new Page(items, ContinueToken.Encode(last!)) { ResourceVersion = head };
            items.Add(item);
            last = key(reader);
        }
        return new Page(items, null) { ResourceVersion = head };
    }
}
