using EventEngine.Events;
using EventEngine.Runtime;
using EventEngine.State;
using Npgsql;
using NpgsqlTypes;

namespace EventEngine.Projections.ReadModels;

/// <summary>
/// Writes the read models (nodes, DaemonSets with status, pods, revisions) inside the append transaction: the
/// objects an append touched are upserted from the state after it, or deleted when they are gone.
/// </summary>
public static class ReadModelWriter
{
    public const string Checkpoint = "read_models";

    /// <summary>The inline projection registered with the runtime: the statements that bring the read models to the batch's end.</summary>
    public static IEnumerable<NpgsqlBatchCommand> Statements(ProjectionBatch batch, string suffix = "")
    {
        var after = batch.After;
        var versions = batch.Positions;
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        var daemonSets = new HashSet<string>(StringComparer.Ordinal);
        var pods = new HashSet<string>(StringComparer.Ordinal);
        var revisionNamespaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, e) in batch.Events)
        {
            // what an event's stream is about (as Subjects.StreamOf decides it): a pod, else a DaemonSet, else a node
            if (Subjects.PodOf(e) is { } pod) pods.Add(pod);
            else if (Subjects.DaemonSetOf(e) is { } ds)
            {
                daemonSets.Add(ds);
                if (e is not DaemonSetStatusChanged) revisionNamespaces.Add(ds[..ds.IndexOf('/')]);
            }
            else if (Subjects.NodeOf(e) is { } node) nodes.Add(node);
        }

        return Statements(
            nodes.Where(after.Nodes.ContainsKey).Select(n => Rows.Node(after.Nodes[n], versions)).ToList(),
            nodes.Where(n => !after.Nodes.ContainsKey(n)).ToList(),
            daemonSets.Where(after.DaemonSets.ContainsKey).Select(d => Rows.DaemonSet(after.DaemonSets[d], versions)).ToList(),
            daemonSets.Where(d => !after.DaemonSets.ContainsKey(d)).ToList(),
            // a pod's row is its whole Kubernetes object as JSON: made on every core, in the same order
            pods.Where(after.Pods.ContainsKey).AsParallel().AsOrdered().Select(p => Rows.Pod(after.Pods[p], after, versions)).ToList(),
            pods.Where(p => !after.Pods.ContainsKey(p)).ToList(),
            ChangedRevisions(batch.Before, after, revisionNamespaces).ToList(),
            RemovedRevisions(batch.Before, after, revisionNamespaces).ToList(),
            batch.Events[^1].Stored.Seq, suffix);
    }

    /// <summary>
    /// Every row of a state, copied (binary COPY) into a rebuild's new tables while they have no indexes: each key is
    /// there once, so nothing conflicts. The rows are made on every core a slice at a time, in the state's order, and
    /// the slice is copied before the next is made (a pod's row is its whole object as JSON: all of them at once would
    /// hold the cluster's JSON in memory).
    /// </summary>
    public static async Task CopyAllAsync(NpgsqlConnection connection, ClusterState state, IStreamPositions versions, string suffix, CancellationToken ct)
    {
        await CopyAsync(connection, $"proj_nodes{suffix} (name, resource_version, updated_seq, object)",
            state.Nodes.Values, n => Rows.Node(n, versions), static (row, values) =>
            {
                values.Add((row.Name, NpgsqlDbType.Text));
                values.Add((row.ResourceVersion, NpgsqlDbType.Bigint));
                values.Add((row.UpdatedSeq, NpgsqlDbType.Bigint));
                values.Add((row.Object, NpgsqlDbType.Json));
            }, ct);
        await CopyAsync(connection, $"proj_daemonsets{suffix} (namespace, name, uid, current_hash, resource_version, updated_seq, object)",
            state.DaemonSets.Values, d => Rows.DaemonSet(d, versions), static (row, values) =>
            {
                values.Add((row.Namespace, NpgsqlDbType.Text));
                values.Add((row.Name, NpgsqlDbType.Text));
                values.Add((row.Uid, NpgsqlDbType.Text));
                values.Add((row.CurrentHash, NpgsqlDbType.Text));
                values.Add((row.ResourceVersion, NpgsqlDbType.Bigint));
                values.Add((row.UpdatedSeq, NpgsqlDbType.Bigint));
                values.Add((row.Object, NpgsqlDbType.Json));
            }, ct);
        await CopyAsync(connection, $"proj_pods{suffix} (namespace, name, daemonset, node, phase, ready, hash, created_at, resource_version, updated_seq, object)",
            state.Pods.Values, p => Rows.Pod(p, state, versions), static (row, values) =>
            {
                values.Add((row.Namespace, NpgsqlDbType.Text));
                values.Add((row.Name, NpgsqlDbType.Text));
                values.Add((row.DaemonSet, NpgsqlDbType.Text));
                values.Add((row.Node, NpgsqlDbType.Text));
                values.Add((row.Phase, NpgsqlDbType.Text));
                values.Add((row.Ready, NpgsqlDbType.Boolean));
                values.Add((row.Hash, NpgsqlDbType.Text));
                values.Add((row.CreatedAt, NpgsqlDbType.TimestampTz));
                values.Add((row.ResourceVersion, NpgsqlDbType.Bigint));
                values.Add((row.UpdatedSeq, NpgsqlDbType.Bigint));
                values.Add((row.Object, NpgsqlDbType.Json));
            }, ct);
        await CopyAsync(connection, $"proj_revisions{suffix} (namespace, name, owner_uid, number, hash, created_at, template, object)",
            state.Revisions.Values, r => Rows.Revision(r, state), static (row, values) =>
            {
                values.Add((row.Namespace, NpgsqlDbType.Text));
                values.Add((row.Name, NpgsqlDbType.Text));
                values.Add((row.OwnerUid, NpgsqlDbType.Text));
                values.Add((row.Number, NpgsqlDbType.Bigint));
                values.Add((row.Hash, NpgsqlDbType.Text));
                values.Add((row.CreatedAt, NpgsqlDbType.TimestampTz));
                values.Add((row.Template, NpgsqlDbType.Json));
                values.Add((row.Object, NpgsqlDbType.Json));
            }, ct);
    }

    /// <summary>How many rows <see cref="CopyAllAsync"/> makes at a time.</summary>
    private const int CopySlice = 2_000;

    private static async Task CopyAsync<TObject, TRow>(NpgsqlConnection connection, string table, IEnumerable<TObject> objects,
        Func<TObject, TRow> rowOf, Action<TRow, List<(object? Value, NpgsqlDbType Type)>> columns, CancellationToken ct)
    {
        await using var importer = await connection.BeginBinaryImportAsync($"copy {table} from stdin (format binary)", ct);
        var values = new List<(object? Value, NpgsqlDbType Type)>();
        foreach (var slice in objects.Chunk(CopySlice))
        {
            foreach (var row in slice.AsParallel().AsOrdered().Select(rowOf).ToArray())
            {
                values.Clear();
                columns(row, values);
                await importer.StartRowAsync(ct);
                foreach (var (value, type) in values)
                {
                    if (value is null) await importer.WriteNullAsync(ct);
                    else await importer.WriteAsync(value, type, ct);
                }
            }
        }
        await importer.CompleteAsync(ct);
    }

    private static IEnumerable<Rows.RevisionRow> ChangedRevisions(ClusterState before, ClusterState after, HashSet<string> namespaces) =>
        after.Revisions.Values
            .Where(r => namespaces.Contains(r.Namespace) && !ReferenceEquals(before.Revisions.GetValueOrDefault(r.Key), r))
            .Select(r => Rows.Revision(r, after));

    private static IEnumerable<string> RemovedRevisions(ClusterState before, ClusterState after, HashSet<string> namespaces) =>
        before.Revisions.Keys.Where(k => namespaces.Contains(k[..k.IndexOf('/')]) && !after.Revisions.ContainsKey(k));

    private static List<NpgsqlBatchCommand> Statements(
        List<Rows.NodeRow> nodes, List<string> goneNodes,
        List<Rows.DaemonSetRow> daemonSets, List<string> goneDaemonSets,
        List<Rows.PodRow> pods, List<string> gonePods,
        List<Rows.RevisionRow> revisions, List<string> goneRevisions,
        long seq, string suffix)
    {
        var batch = new List<NpgsqlBatchCommand>();
        if (goneNodes.Count > 0) batch.Add(Statement.Of($"delete from proj_nodes{suffix} where name = any(@a)", ("a", goneNodes.ToArray())));
        if (nodes.Count > 0)
            batch.Add(Statement.Of($"""
                insert into proj_nodes{suffix} (name, resource_version, updated_seq, object)
                select * from unnest(@a::text[], @b::bigint[], @c::bigint[], @d::json[])
                on conflict (name) do update set resource_version = excluded.resource_version, updated_seq = excluded.updated_seq, object = excluded.object
                """,
                ("a", nodes.Select(r => r.Name).ToArray()), ("b", nodes.Select(r => r.ResourceVersion).ToArray()),
                ("c", nodes.Select(r => r.UpdatedSeq).ToArray()), ("d", nodes.Select(r => r.Object).ToArray())));
        if (goneDaemonSets.Count > 0)
            batch.Add(KeyedDelete($"proj_daemonsets{suffix}", goneDaemonSets));
        if (daemonSets.Count > 0)
            batch.Add(Statement.Of($"""
                insert into proj_daemonsets{suffix} (namespace, name, uid, current_hash, resource_version, updated_seq, object)
                select * from unnest(@a::text[], @b::text[], @c::text[], @d::text[], @e::bigint[], @f::bigint[], @g::json[])
                on conflict (namespace, name) do update set uid = excluded.uid, current_hash = excluded.current_hash,
                    resource_version = excluded.resource_version, updated_seq = excluded.updated_seq, object = excluded.object
                """,
                ("a", daemonSets.Select(r => r.Namespace).ToArray()), ("b", daemonSets.Select(r => r.Name).ToArray()),
                ("c", daemonSets.Select(r => r.Uid).ToArray()), ("d", daemonSets.Select(r => r.CurrentHash).ToArray()),
                ("e", daemonSets.Select(r => r.ResourceVersion).ToArray()), ("f", daemonSets.Select(r => r.UpdatedSeq).ToArray()),
                ("g", daemonSets.Select(r => r.Object).ToArray())));
        if (gonePods.Count > 0)
            batch.Add(KeyedDelete($"proj_pods{suffix}", gonePods));
        if (pods.Count > 0)
            batch.Add(Statement.Of($"""
                insert into proj_pods{suffix} (namespace, name, daemonset, node, phase, ready, hash, created_at, resource_version, updated_seq, object)
                select * from unnest(@a::text[], @b::text[], @c::text[], @d::text[], @e::text[], @f::boolean[], @g::text[],
                                     @h::timestamptz[], @i::bigint[], @j::bigint[], @k::json[])
                on conflict (namespace, name) do update set daemonset = excluded.daemonset, node = excluded.node, phase = excluded.phase,
                    ready = excluded.ready, hash = excluded.hash, created_at = excluded.created_at,
                    resource_version = excluded.resource_version, updated_seq = excluded.updated_seq, object = excluded.object
                """,
                ("a", pods.Select(r => r.Namespace).ToArray()), ("b", pods.Select(r => r.Name).ToArray()),
                ("c", pods.Select(r => r.DaemonSet).ToArray()), ("d", pods.Select(r => r.Node).ToArray()),
                ("e", pods.Select(r => r.Phase).ToArray()), ("f", pods.Select(r => r.Ready).ToArray()),
                ("g", pods.Select(r => r.Hash).ToArray()), ("h", pods.Select(r => r.CreatedAt).ToArray()),
                ("i", pods.Select(r => r.ResourceVersion).ToArray()), ("j", pods.Select(r => r.UpdatedSeq).ToArray()),
                ("k", pods.Select(r => r.Object).ToArray())));
        if (goneRevisions.Count > 0)
            batch.Add(KeyedDelete($"proj_revisions{suffix}", goneRevisions));
        if (revisions.Count > 0)
            batch.Add(Statement.Of($"""
                insert into proj_revisions{suffix} (namespace, name, owner_uid, number, hash, created_at, template, object)
                select * from unnest(@a::text[], @b::text[], @c::text[], @d::bigint[], @e::text[], @f::timestamptz[], @g::json[], @h::json[])
                on conflict (namespace, name) do update set owner_uid = excluded.owner_uid, number = excluded.number, hash = excluded.hash,
                    created_at = excluded.created_at, template = excluded.template, object = excluded.object
                """,
                ("a", revisions.Select(r => r.Namespace).ToArray()), ("b", revisions.Select(r => r.Name).ToArray()),
                ("c", revisions.Select(r => r.OwnerUid).ToArray()), ("d", revisions.Select(r => r.Number).ToArray()),
                ("e", revisions.Select(r => r.Hash).ToArray()), ("f", revisions.Select(r => r.CreatedAt).ToArray()),
                ("g", revisions.Select(r => r.Template).ToArray()), ("h", revisions.Select(r => r.Object).ToArray())));
        batch.Add(Statement.Of("""
            insert into proj_checkpoint (name, seq) values (@a, @b) on conflict (name) do update set seq = excluded.seq
            """, ("a", Checkpoint), ("b", seq)));
        return batch;
    }

    /// <summary>Deletes rows by their (namespace, name) key, so the primary key's index finds them.</summary>
    private static NpgsqlBatchCommand KeyedDelete(string table, List<string> keys) =>
        Statement.Of($"delete from {table} d using unnest(@a::text[], @b::text[]) as t(namespace, name) where d.namespace = t.namespace and d.name = t.name",
            ("a", keys.Select(k => k[..k.IndexOf('/')]).ToArray()), ("b", keys.Select(k => k[(k.IndexOf('/') + 1)..]).ToArray()));
}
