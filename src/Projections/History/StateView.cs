using System.Globalization;
using System.Text.Json.Nodes;
using EventEngine.Model;
using EventEngine.Projections.Queries;
using EventEngine.Runtime;
using EventEngine.State;
using FluentValidation;
using MediatR;

namespace EventEngine.Projections.History;

/// <summary>
/// GET /engine/v1/state?at=&amp;limit=&amp;continue=&amp;kind=&amp;namespace=&amp;daemonset=&amp;node=: the cluster as it
/// was, a page at a time: nodes, then DaemonSets, then pods, at most <see cref="GetStateAt.Limit"/> objects a page, optionally one
/// kind (nodes, daemonsets, pods), one namespace, one DaemonSet (it and its pods) or one node (it and its pods). A
/// continue token pins the seq of the first page, so every page describes the same state.
/// </summary>
public sealed record GetStateAt(string? At, int Limit = ContinueToken.DefaultLimit, string? Continue = null,
    string? Kind = null, string? Namespace = null, string? DaemonSet = null, string? Node = null) : IRequest<JsonObject>;

public sealed class GetStateAtValidator : AbstractValidator<GetStateAt>
{
    public GetStateAtValidator()
    {
        RuleFor(q => q.Kind).Must(k => k is null or "nodes" or "daemonsets" or "pods")
            .WithMessage((_, k) => $"Unsupported value: \"{k}\": supported values: \"nodes\", \"daemonsets\", \"pods\"").OverridePropertyName("kind");
        RuleFor(q => q.DaemonSet).MustBeDaemonSetKey().When(q => q.DaemonSet is not null);
        RuleFor(q => q.Namespace).MustBeNamespaceName().When(q => q.Namespace is not null);
        RuleFor(q => q.Node).MustBeNodeName().When(q => q.Node is not null);
    }
}

/// <summary>
/// The cluster at a point of the log, read a page at a time from the object history: a page costs the objects on it
/// (and, for nodes, which are listed in natural name order, the names of every node then). The fingerprint is the
/// whole state's, kept for every seq.
/// </summary>
public sealed class StateViewHandler(TimeTravel travel) : IRequestHandler<GetStateAt, JsonObject>
{
    private const int NodeSection = 0, DaemonSetSection = 1, PodSection = 2;

    public async Task<JsonObject> Handle(GetStateAt q, CancellationToken ct)
    {
        using var timing = EngineMetrics.TimeTravel("state");
        long seq;
        var (section, after) = (NodeSection, "");
        if (q.Continue is { Length: > 0 })
        {
            if (ContinueToken.Decode(q.Continue, 3) is not [var seqText, var sectionText, var key]
                || !ContinueToken.TryNumber(seqText, out seq) || !int.TryParse(sectionText, out section) || section is < NodeSection or > PodSection)
                throw new InvalidAtException($"continue: \"{q.Continue}\" is not a token this server gave", "continue");
            after = key;
        }
        else
        {
            seq = await travel.ResolveAsync(q.At, ct);
        }

        var nodes = new List<NodeState>();
        var daemonSets = new List<(DaemonSetState DaemonSet, RevisionState? Current)>();
        var pods = new List<PodState>();
        var left = q.Limit + 1;
        var (last, lastSection) = ("", section);
        for (; section <= PodSection && left > 0; section++, after = "")
        {
            if (!Lists(q, section)) continue;
            var found = section switch
            {
                NodeSection => await NodesAsync(q, seq, after, left, ct),
                DaemonSetSection => await DaemonSetsAsync(q, seq, after, left, ct),
                _ => await PodsAsync(q, seq, after, left, ct),
            };
            foreach (var (key, value) in found)
            {
                if (--left == 0) break;
                (last, lastSection) = (key, section);
                switch (value)
                {
                    case NodeState n: nodes.Add(n); break;
                    case ValueTuple<DaemonSetState, RevisionState?> d: daemonSets.Add(d); break;
                    case PodState p: pods.Add(p); break;
                }
            }
        }

        var page = new JsonObject
        {
            ["at"] = At(seq, await travel.TimeOfAsync(seq, ct)),
            ["fingerprint"] = await travel.FingerprintAsync(seq, ct),
            ["nodes"] = new JsonArray(nodes.Select(n => Json.ToNode(Views.Node(n))).ToArray()),
            ["daemonSets"] = new JsonArray(daemonSets.Select(d =>
            {
                var node = Json.ToNode(Views.DaemonSet(d.DaemonSet)).AsObject();
                node["currentRevision"] = new JsonObject { ["revision"] = d.Current?.Number, ["hash"] = d.DaemonSet.CurrentHash };
                return (JsonNode)node;
            }).ToArray()),
            ["pods"] = new JsonArray(pods.Select(p => Json.ToNode(Views.Pod(p))).ToArray()),
        };
        if (left == 0)
            page["continue"] = ContinueToken.Encode(seq.ToString(CultureInfo.InvariantCulture), lastSection.ToString(CultureInfo.InvariantCulture), last);
        return page;
    }

    /// <summary>Whether a section is listed under the query's filters (a namespace or DaemonSet has no nodes; a node no DaemonSets).</summary>
    private static bool Lists(GetStateAt q, int section) => section switch
    {
        NodeSection => q.Kind is null or "nodes" && q.Namespace is null && q.DaemonSet is null,
        DaemonSetSection => q.Kind is null or "daemonsets" && q.Node is null,
        _ => q.Kind is null or "pods",
    };

    private async Task<IEnumerable<(string Key, object Value)>> NodesAsync(GetStateAt q, long seq, string after, int limit, CancellationToken ct)
    {
        var rows = await travel.VersionsAsync(seq, [q.Node is null ? new([ObjectHistory.Kinds.Node]) : new([ObjectHistory.Kinds.Node], Node: q.Node)], ct);
        // natural order (node-2 before node-10) is not an order an index keeps: sort the names, read back only the page
        return rows.Where(r => r.Kind == ObjectHistory.Kinds.Node && (after.Length == 0 || NaturalOrder.Instance.Compare(r.Key, after) > 0))
            .OrderBy(r => r.Key, NaturalOrder.Instance).Take(limit)
            .Select(r => (r.Key, r.Read().Value));
    }

    private async Task<IEnumerable<(string Key, object Value)>> DaemonSetsAsync(GetStateAt q, long seq, string after, int limit, CancellationToken ct)
    {
        IEnumerable<string> keys = q.DaemonSet is { } one
            ? [one]
            : (await travel.PageAsync(seq, ObjectHistory.Kinds.DaemonSet, after, limit, q.Namespace, ct)).Select(r => r.Key);
        var wanted = keys.Where(k => string.CompareOrdinal(k, after) > 0).ToList();
        if (wanted.Count == 0) return [];
        var kinds = new[] { ObjectHistory.Kinds.DaemonSet, ObjectHistory.Kinds.DaemonSetStatus, ObjectHistory.Kinds.Revision };
        var state = ObjectHistory.StateOf(TimeTravel.Deserialize(await travel.VersionsAsync(seq, wanted.Select(k => new HistoryReader.Scope(kinds, Owner: k)).ToList(), ct)));
        return wanted.Where(state.DaemonSets.ContainsKey).Order(StringComparer.Ordinal)
            .Select(k => (k, (object)(state.DaemonSets[k], state.CurrentRevision(state.DaemonSets[k]))));
    }

    private async Task<IEnumerable<(string Key, object Value)>> PodsAsync(GetStateAt q, long seq, string after, int limit, CancellationToken ct)
    {
        if (q.DaemonSet is null && q.Node is null)
            return (await travel.PageAsync(seq, ObjectHistory.Kinds.Pod, after, limit, q.Namespace, ct)).Select(r => (r.Key, r.Read().Value));
        // one DaemonSet's pods, one node's, or one DaemonSet's on one node, in a namespace or not: the database finds
        // them by the DaemonSet or the node, orders and cuts them, and sends the page's
        var scope = new HistoryReader.Scope([ObjectHistory.Kinds.Pod], Owner: q.DaemonSet, Node: q.Node);
        return (await travel.ScopePageAsync(seq, scope, after, limit, q.Namespace, ct)).Select(r => (r.Key, r.Read().Value));
    }

    public static JsonObject At(long seq, DateTimeOffset? time) => new() { ["seq"] = seq, ["time"] = time is { } t ? Json.FormatTime(t) : null };

    /// <summary>The nodes where the DaemonSet has a live pod (not terminating, not terminal).</summary>
    public static IEnumerable<string> LiveNodes(ClusterState s, DaemonSetState d) =>
        d.Slots.Where(x => x.Value.Pods.Any(k => s.Pods[k].IsLive)).Select(x => x.Key);

    /// <summary>Node names as a JSON array, in natural order.</summary>
    public static JsonArray Nodes(IEnumerable<string> names) =>
        new(names.Order(NaturalOrder.Instance).Select(n => (JsonNode)JsonValue.Create(n)).ToArray());
}
