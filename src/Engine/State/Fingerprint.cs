using System.Security.Cryptography;
using System.Text;
using EventEngine.Model;

namespace EventEngine.State;

/// <summary>
/// A canonical hash of a cluster state: nodes, DaemonSets (object, generation, revision, status), revisions, pods
/// and backoffs, in a fixed order. Two folds of the same log give the same fingerprint; replay and live can be
/// compared by it.
/// </summary>
public static class Fingerprint
{
    public static string Of(ClusterState s)
    {
        var text = new StringBuilder();
        foreach (var n in s.Nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal))
            text.Append("N|").Append(Canonical(Views.Node(n))).Append('\n');
        foreach (var ds in s.DaemonSets.Values.OrderBy(d => d.Key, StringComparer.Ordinal))
            text.Append("D|").Append(Canonical(Views.DaemonSet(ds))).Append('|').Append(ds.CurrentHash)
                .Append('|').Append(ds.TemplateGeneration).Append('|').Append(ds.PodsCreated).Append('\n');
        foreach (var r in s.Revisions.Values.OrderBy(r => r.Key, StringComparer.Ordinal))
            text.Append("R|").Append(r.Key).Append('|').Append(r.Number).Append('|').Append(r.Hash).Append('|').Append(r.OwnerUid).Append('\n');
        foreach (var p in s.Pods.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append("P|").Append(Canonical(Views.Pod(p))).Append('\n');
        foreach (var (key, b) in s.Backoffs.OrderBy(b => b.Key, StringComparer.Ordinal))
            text.Append("B|").Append(key).Append('|').Append(b.Delay.Ticks).Append('|').Append(Json.FormatTime(b.LastUpdate)).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Key order and nil-versus-empty do not count: the log's jsonb does not keep either.</summary>
    private static string Canonical<T>(T value) => CanonicalJson.Write(System.Text.Json.JsonSerializer.SerializeToElement(value, Json.Options));
}
