using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using EventEngine.Model;

namespace EventEngine.State;

/// <summary>
/// A canonical hash of a cluster state: nodes, DaemonSets (object, generation, revision, status), revisions, pods,
/// backoffs, and the causes the fold remembers (the events later actions will name), in a fixed order. Two folds of
/// the same log give the same fingerprint; replay and live, and a restored snapshot and a fresh fold, can be compared
/// by it.
/// </summary>
public static class Fingerprint
{
    /// <summary>
    /// Each object's line, kept as long as the object lives: consecutive states share almost all their objects, so a
    /// walk that fingerprints every state of a log renders each object once.
    /// </summary>
    private static readonly ConditionalWeakTable<object, string> Lines = [];

    public static string Of(ClusterState s)
    {
        var text = new StringBuilder();
        foreach (var n in s.Nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal))
            text.Append(Lines.GetValue(n, static o => NodeLine((NodeState)o)));
        foreach (var ds in s.DaemonSets.Values.OrderBy(d => d.Key, StringComparer.Ordinal))
            text.Append(Lines.GetValue(ds, static o => DaemonSetLine((DaemonSetState)o)));
        foreach (var r in s.Revisions.Values.OrderBy(r => r.Key, StringComparer.Ordinal))
            text.Append("R|").Append(r.Key).Append('|').Append(r.Number).Append('|').Append(r.Hash).Append('|').Append(r.OwnerUid).Append('\n');
        foreach (var p in s.Pods.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append(Lines.GetValue(p, static o => PodLine((PodState)o)));
        foreach (var (key, b) in s.Backoffs.OrderBy(b => b.Key, StringComparer.Ordinal))
            text.Append("B|").Append(key).Append('|').Append(b.Delay.Ticks).Append('|').Append(Json.FormatTime(b.LastUpdate)).Append('\n');
        foreach (var (uid, owner) in s.DeletedOwners.OrderBy(o => o.Key, StringComparer.Ordinal))
            text.Append("X|").Append(uid).Append('|').Append(owner.DaemonSet).Append('|').Append(owner.PropagationPolicy).Append('|').Append(owner.Cause).Append('\n');
        foreach (var (node, cause) in s.RemovedNodes.OrderBy(n => n.Key, StringComparer.Ordinal))
            text.Append("G|").Append(node).Append('|').Append(cause).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string NodeLine(NodeState n) => $"N|{Canonical(Views.Node(n))}|{n.TaintsCause}\n";

    private static string DaemonSetLine(DaemonSetState ds)
    {
        var line = new StringBuilder("D|").Append(Canonical(Views.DaemonSet(ds))).Append('|').Append(ds.CurrentHash)
            .Append('|').Append(ds.TemplateGeneration).Append('|').Append(ds.PodsCreated)
            .Append('|').Append(ds.SpecCause).Append('|').Append(ds.RevisionCause).Append('|').Append(ds.RevisionRestored);
        foreach (var (node, slot) in ds.Slots.OrderBy(x => x.Key, StringComparer.Ordinal))
            line.Append('|').Append(node).Append('=').Append(slot.Cause);
        return line.Append('\n').ToString();
    }

    private static string PodLine(PodState p) => $"P|{Canonical(Views.Pod(p))}|{p.StatusCause}|{p.Origin}|{p.LabelsCause}\n";

    /// <summary>Key order and nil-versus-empty do not count: the log's jsonb does not keep either.</summary>
    private static string Canonical<T>(T value) => CanonicalJson.Write(System.Text.Json.JsonSerializer.SerializeToElement(value, Json.Options));
}
