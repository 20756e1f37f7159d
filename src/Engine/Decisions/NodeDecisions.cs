using System.Collections.Immutable;
using System.Text.Json.Nodes;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Model.Patches;
using EventEngine.State;
using EventEngine.Validation;

namespace EventEngine.Decisions;

/// <summary>Node commands decided against the current state: join, replace, merge patch, remove.</summary>
public static class NodeDecisions
{
    public static Decided Join(ClusterState s, Node node, DateTimeOffset now, Func<Guid> newId)
    {
        var errors = ObjectRules.ValidateNode(node);
        if (errors.Count > 0) return Failure.Invalid($"Node {node.Metadata?.Name}", errors);
        var name = node.Metadata!.Name!;
        if (s.Nodes.ContainsKey(name)) return Failure.Conflict($"node {name} already exists");
        return Decided.Of(new NodeJoined(
            name,
            node.Metadata.Uid ?? newId().ToString(),
            node.Metadata.Labels ?? new Dictionary<string, string>(),
            StampTaints(node.Spec?.Taints ?? [], [], now),
            node.Spec?.Unschedulable ?? false,
            node.Status?.Conditions ?? [],
            node.Metadata.Annotations is { Count: > 0 } annotations ? annotations : null,
            node.Status?.Capacity is { Count: > 0 } capacity ? capacity : null,
            node.Status?.Allocatable is { Count: > 0 } allocatable ? allocatable : null));
    }

    /// <summary>
    /// Replace labels, annotations, taints, unschedulable, resources and conditions; one event per kind of change. With
    /// <paramref name="statusOnly"/> (the status subresource), the spec is the node's own, as the API server keeps it: the
    /// status is the whole status, and the labels and annotations the body gives are taken (a map it leaves out stays). A
    /// manifest written whole (PUT of the node, an apply) that gives no resources leaves the node's: a manifest seldom
    /// carries them.
    /// </summary>
    public static Decided Replace(ClusterState s, string name, Node node, DateTimeOffset now, bool statusOnly = false) =>
        Replace(s, name, node, now, statusOnly, keepUnsaidResources: !statusOnly, keepUnsaidMetadata: true);

    /// <summary>
    /// <see cref="Replace(ClusterState, string, Node, DateTimeOffset, bool)"/>, saying whether resources the body does not
    /// give are kept (a manifest) or removed (a status written whole, or a patch of the node as served, where a resource
    /// list missing is one the patch removed).
    /// </summary>
    private static Decided Replace(ClusterState s, string name, Node node, DateTimeOffset now, bool statusOnly, bool keepUnsaidResources,
        bool keepUnsaidMetadata)
    {
        if (!s.Nodes.TryGetValue(name, out var current)) return Failure.NotFound($"node {name}");
        if (statusOnly)
        {
            // the status subresource resets the spec alone (nodeStatusStrategy): labels and annotations the body gives are
            // kept, as the API server keeps them; a map a written status leaves out stays, one a patch removed is gone
            var served = Views.Node(current);
            node = served with
            {
                Status = node.Status,
                Metadata = served.Metadata! with
                {
                    Labels = node.Metadata?.Labels ?? (keepUnsaidMetadata ? served.Metadata!.Labels : null),
                    Annotations = node.Metadata?.Annotations ?? (keepUnsaidMetadata ? served.Metadata!.Annotations : null),
                },
            };
        }
        if (node.Metadata?.Name is { } bodyName && bodyName != name)
            return Failure.Invalid($"Node {name}", "metadata.name", $"Invalid value: \"{bodyName}\": does not match the name in the path");
        node = node with { Metadata = (node.Metadata ?? new ObjectMeta()) with { Name = name } };
        var errors = ObjectRules.ValidateNode(node);
        if (errors.Count > 0) return Failure.Invalid($"Node {name}", errors);

        var events = new List<IEvent>();
        var labels = node.Metadata!.Labels ?? new Dictionary<string, string>();
        if (!SameMap(labels, current.Labels)) events.Add(new NodeLabelsChanged(name, labels));
        var annotations = node.Metadata.Annotations ?? new Dictionary<string, string>();
        if (!SameMap(annotations, current.Annotations ?? ImmutableDictionary<string, string>.Empty)) events.Add(new NodeAnnotationsChanged(name, annotations));
        var taints = node.Spec?.Taints ?? [];
        if (!SameTaints(taints, current.Taints)) events.Add(new NodeTaintsChanged(name, StampTaints(taints, current.Taints, now)));
        var unschedulable = node.Spec?.Unschedulable ?? false;
        if (unschedulable != current.Unschedulable) events.Add(unschedulable ? new NodeCordoned(name) : new NodeUncordoned(name));
        var capacity = node.Status?.Capacity ?? (keepUnsaidResources ? current.Capacity : null);
        var allocatable = node.Status?.Allocatable ?? (keepUnsaidResources ? current.Allocatable : null);
        if (!SameMap(capacity ?? Empty, current.Capacity ?? Empty) || !SameMap(allocatable ?? Empty, current.Allocatable ?? Empty))
            events.Add(new NodeResourcesChanged(name, capacity is { Count: > 0 } ? capacity : null, allocatable is { Count: > 0 } ? allocatable : null));
        var conditions = node.Status?.Conditions ?? [];
        foreach (var c in conditions)
            if (current.Conditions.FirstOrDefault(x => x.Type == c.Type)?.Status != c.Status)
                events.Add(new NodeConditionChanged(name, c.Type!, c.Status));
        foreach (var gone in current.Conditions.Where(x => conditions.All(c => c.Type != x.Type)))
            events.Add(new NodeConditionChanged(name, gone.Type!, null));
        return events.Count == 0 ? Decided.Nothing($"node {name} unchanged") : new Decided(events);
    }

    /// <summary>A merge patch (what commands built in code send).</summary>
    public static Decided Patch(ClusterState s, string name, JsonNode patch, DateTimeOffset now) => Patch(s, name, ObjectPatch.Merge(patch), now);

    /// <summary>A patch of the node as served, in any of the formats a PATCH request carries (of its status alone, with <paramref name="statusOnly"/>).</summary>
    public static Decided Patch(ClusterState s, string name, ObjectPatch patch, DateTimeOffset now, bool statusOnly = false)
    {
        if (!s.Nodes.TryGetValue(name, out var current)) return Failure.NotFound($"node {name}");
        Node node;
        try
        {
            var patched = patch.Apply(Json.ToNode(Views.Node(current)), "v1", "Node");
            node = Manifests.Deserialize<Node>(patched);
        }
        catch (PatchException e)
        {
            return Patched.Refused($"node {name}", e);
        }
        catch (ManifestException e)
        {
            return Failure.Malformed(e.Message, e.Path);
        }
        return Replace(s, name, node, now, statusOnly, keepUnsaidResources: false, keepUnsaidMetadata: false);
    }

    /// <summary>Create, or replace if it exists (what apply does).</summary>
    public static Decided Upsert(ClusterState s, Node node, DateTimeOffset now, Func<Guid> newId) =>
        node.Metadata?.Name is { } name && s.Nodes.ContainsKey(name) ? Replace(s, name, node, now) : Join(s, node, now, newId);

    public static Decided Remove(ClusterState s, string name) =>
        s.Nodes.ContainsKey(name) ? Decided.Of(new NodeRemoved(name)) : Failure.NotFound($"node {name}");

    /// <summary>Taints keep the time they were first added; a new NoExecute taint is stamped now (eviction clocks start there).</summary>
    private static List<Taint> StampTaints(IReadOnlyList<Taint> taints, IReadOnlyList<Taint> previous, DateTimeOffset now) =>
        taints.Select(t => t.TimeAdded is not null || t.Effect != "NoExecute"
            ? t
            : t with { TimeAdded = previous.FirstOrDefault(p => p.SameAs(t))?.TimeAdded ?? now }).ToList();

    private static bool SameTaints(IReadOnlyList<Taint> a, IReadOnlyList<Taint> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.SameAs(p.Second));

    private static readonly ImmutableDictionary<string, string> Empty = ImmutableDictionary<string, string>.Empty;

    internal static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
