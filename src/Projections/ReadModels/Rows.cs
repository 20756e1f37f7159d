using System.Globalization;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Runtime;
using EventEngine.State;

namespace EventEngine.Projections.ReadModels;

/// <summary>
/// Read-model rows as pure functions of an object's state and its streams' versions and seqs, so a row written
/// live and the same row rebuilt from the log are byte for byte the same.
/// </summary>
public static class Rows
{
    public sealed record NodeRow(string Name, long ResourceVersion, long UpdatedSeq, string Object);
    public sealed record DaemonSetRow(string Namespace, string Name, string Uid, string CurrentHash, long ResourceVersion, long UpdatedSeq, string Object);
    public sealed record PodRow(string Namespace, string Name, string? DaemonSet, string? Node, string Phase, bool Ready, string? Hash,
        DateTimeOffset CreatedAt, long ResourceVersion, long UpdatedSeq, string Object);
    public sealed record RevisionRow(string Namespace, string Name, string? OwnerUid, long Number, string Hash, DateTimeOffset CreatedAt, string Template, string Object);

    public static NodeRow Node(NodeState n, IStreamPositions v)
    {
        var seq = v.Seq(Subjects.NodeStream(n.Name));
        var view = Kubernetes.KubeViews.Node(n);
        view["metadata"]!["resourceVersion"] = Text(seq);
        return new NodeRow(n.Name, seq, seq, view.ToJsonString(Json.Options));
    }

    public static DaemonSetRow DaemonSet(DaemonSetState ds, IStreamPositions v)
    {
        var view = Views.DaemonSet(ds);
        var seq = Subjects.DaemonSetStreams(ds.Key).Max(v.Seq);
        view = view with { Metadata = view.Metadata! with { ResourceVersion = Text(seq) } };
        return new DaemonSetRow(ds.Namespace, ds.Name, ds.Uid, ds.CurrentHash, seq, seq, Json.Serialize(view));
    }

    public static PodRow Pod(PodState p, ClusterState s, IStreamPositions v)
    {
        var seq = v.Seq(Subjects.PodStream(p.Key));
        var daemonSet = p.Controller is { Kind: "DaemonSet", Name: { } owner } ? p.Namespace + "/" + owner : null;
        return new PodRow(p.Namespace, p.Name, daemonSet, p.TargetNode, p.Phase, p.Ready, p.Hash, p.CreatedAt, seq, seq,
            Kubernetes.KubeViews.PodJson(p, s, Text(seq)));
    }

    public static RevisionRow Revision(RevisionState r, ClusterState s) =>
        new(r.Namespace, r.Name, r.OwnerUid, r.Number, r.Hash, r.CreatedAt, Json.Serialize(r.Template),
            Json.Serialize(Views.Revision(r, s.DaemonSetByUid(r.OwnerUid))));

    private static string Text(long version) => version.ToString(CultureInfo.InvariantCulture);
}
