using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using EventEngine.Events;
using EventEngine.State;
using EventEngine.Storage;

namespace EventEngine.Projections.Kubernetes;

/// <summary>When a namespace was first used: the seq and time of the log event that first named it.</summary>
public sealed record NamespaceUse(string Name, long Seq, DateTimeOffset At);

/// <summary>
/// The namespaces the engine serves (read-only): a namespace exists while a DaemonSet, a pod or an Event uses it;
/// default and kube-system always. Events outlive their objects in the log, so a namespace once used stays. Each is a
/// v1 Namespace, Active, created by the log event that first used it.
/// </summary>
public static class ClusterNamespaces
{
    public static readonly IReadOnlyList<string> Always = ["default", "kube-system"];

    private static readonly Guid NamespaceUids = new("8d5e2b67-1f4a-4c3e-b0a9-6c2f71d4e9b3");

    /// <summary>The namespaces a log event uses: its DaemonSet's or pod's, and default for the Events about nodes.</summary>
    public static IEnumerable<string> UsedBy(IEvent e)
    {
        if (Subjects.PodOf(e) is { } pod) yield return pod[..pod.IndexOf('/')];
        else if (Subjects.DaemonSetOf(e) is { } ds) yield return ds[..ds.IndexOf('/')];
        else if (Subjects.NodeOf(e) is not null) yield return "default";
    }

    /// <summary>
    /// One step of the fold over the log: the first event also starts default and kube-system (the cluster exists
    /// from its first event); a namespace keeps its first use.
    /// </summary>
    public static ImmutableSortedDictionary<string, NamespaceUse> Observe(
        ImmutableSortedDictionary<string, NamespaceUse> uses, StoredEvent stored, IEvent e)
    {
        var names = uses.IsEmpty ? Always.Concat(UsedBy(e)) : UsedBy(e);
        foreach (var name in names)
            if (!uses.ContainsKey(name)) uses = uses.Add(name, new NamespaceUse(name, stored.Seq, stored.RecordedAt));
        return uses;
    }

    /// <summary>The namespaces a state holds objects in, with default and kube-system, for callers without the log.</summary>
    public static ImmutableSortedSet<string> InUse(ClusterState state) =>
        Always.Concat(state.DaemonSets.Values.Select(d => d.Namespace)).Concat(state.Pods.Values.Select(p => p.Namespace))
            .ToImmutableSortedSet(StringComparer.Ordinal);

    /// <summary>Namespace objects, by name: every use, and default and kube-system even before the log has an event.</summary>
    public static IReadOnlyList<JsonObject> Objects(IReadOnlyDictionary<string, NamespaceUse> uses) =>
        Always.Concat(uses.Keys).Distinct().Order(StringComparer.Ordinal)
            .Select(name => Namespace(name, uses.GetValueOrDefault(name))).ToList();

    /// <summary>
    /// A v1 Namespace as the API server keeps one: the kubernetes.io/metadata.name label, the kubernetes finalizer,
    /// phase Active; uid from the name, resourceVersion and creationTimestamp from the first use when known.
    /// </summary>
    public static JsonObject Namespace(string name, NamespaceUse? firstUse)
    {
        var metadata = new JsonObject { ["name"] = name, ["uid"] = UidOf(name) };
        if (firstUse is not null)
        {
            metadata["resourceVersion"] = firstUse.Seq.ToString(CultureInfo.InvariantCulture);
            metadata["creationTimestamp"] = ClusterEvents.Seconds(firstUse.At);
        }
        metadata["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = name };
        return new JsonObject
        {
            ["kind"] = "Namespace",
            ["apiVersion"] = "v1",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
            ["status"] = new JsonObject { ["phase"] = "Active" },
        };
    }

    /// <summary>A name-based (version 5) UUID of the namespace's name.</summary>
    public static string UidOf(string name)
    {
        var bytes = new byte[16 + Encoding.UTF8.GetByteCount(name)];
        NamespaceUids.TryWriteBytes(bytes, bigEndian: true, out _);
        Encoding.UTF8.GetBytes(name, bytes.AsSpan(16));
        return ClusterEvents.NameBasedUuid(bytes);
    }
}
