using System.Globalization;
using System.Text.Json.Nodes;
using EventEngine.Model;
using EventEngine.Projections.Queries;
using EventEngine.Runtime;
using EventEngine.State;
using MediatR;

namespace EventEngine.Projections.History;

/// <summary>
/// GET /engine/v1/state?at=&amp;limit=&amp;continue=: the cluster as it was, a page at a time: nodes, then DaemonSets
/// (each with its placement), then pods, at most <see cref="Limit"/> objects a page. A continue token pins the seq of
/// the first page, so every page describes the same state.
/// </summary>
public sealed record GetStateAt(string? At, int Limit = ContinueToken.DefaultLimit, string? Continue = null) : IRequest<JsonObject>;

/// <summary>
/// The cluster at a point of the log: nodes, DaemonSets with revision and status, pods, and per DaemonSet the
/// desired and actual nodes. Built from the same fold as the live engine, so replay and reality agree.
/// </summary>
public sealed class StateViewHandler(TimeTravel travel) : IRequestHandler<GetStateAt, JsonObject>
{
    public async Task<JsonObject> Handle(GetStateAt q, CancellationToken ct)
    {
        using var timing = EngineMetrics.TimeTravel("state");
        long seq;
        var (section, after) = (0, "");
        if (q.Continue is { Length: > 0 })
        {
            if (ContinueToken.Decode(q.Continue, 3) is not [var seqText, var sectionText, var key]
                || !ContinueToken.TryNumber(seqText, out seq) || !int.TryParse(sectionText, out section) || section is < 0 or > 2)
                throw new InvalidAtException($"continue: \"{q.Continue}\" is not a token this server gave", "continue");
            after = key;
        }
        else
        {
            seq = await travel.ResolveAsync(q.At, ct);
        }
        var state = await travel.StateAtAsync(seq, ct);
        return Render(state, seq, await travel.TimeOfAsync(seq, ct), q.Limit, section, after);
    }

    /// <summary>One page of the state: the objects after (section, key), at most <paramref name="limit"/>.</summary>
    public static JsonObject Render(ClusterState s, long seq, DateTimeOffset? time, int limit, int section, string after)
    {
        var items = After(s, section, after).Take(limit + 1).ToList();
        var more = items.Count > limit;
        if (more) items.RemoveAt(limit);
        var page = Render(s, seq, time,
            items.Select(i => i.Object).OfType<NodeState>(), items.Select(i => i.Object).OfType<DaemonSetState>(), items.Select(i => i.Object).OfType<PodState>());
        if (more)
            page["continue"] = ContinueToken.Encode(seq.ToString(CultureInfo.InvariantCulture), items[^1].Section.ToString(CultureInfo.InvariantCulture), items[^1].Key);
        return page;
    }

    /// <summary>Every object in page order (nodes by natural name, DaemonSets and pods by key) after a position.</summary>
    private static IEnumerable<(int Section, string Key, object Object)> After(ClusterState s, int section, string after)
    {
        if (section == 0)
            foreach (var name in s.NodeNames.Where(n => after.Length == 0 || NaturalOrder.Instance.Compare(n, after) > 0))
                yield return (0, name, s.Nodes[name]);
        if (section <= 1)
            foreach (var ds in s.DaemonSets.Values.Where(d => section < 1 || string.CompareOrdinal(d.Key, after) > 0).OrderBy(d => d.Key, StringComparer.Ordinal))
                yield return (1, ds.Key, ds);
        foreach (var pod in s.Pods.Values.Where(p => section < 2 || string.CompareOrdinal(p.Key, after) > 0).OrderBy(p => p.Key, StringComparer.Ordinal))
            yield return (2, pod.Key, pod);
    }

    private static JsonObject Render(ClusterState s, long seq, DateTimeOffset? time, IEnumerable<NodeState> nodes, IEnumerable<DaemonSetState> daemonSets, IEnumerable<PodState> pods) => new()
    {
        ["at"] = At(seq, time),
        ["fingerprint"] = Fingerprint.Of(s),
        ["nodes"] = new JsonArray(nodes.Select(n => Json.ToNode(Views.Node(n))).ToArray()),
        ["daemonSets"] = new JsonArray(daemonSets.Select(d =>
        {
            var node = Json.ToNode(Views.DaemonSet(d)).AsObject();
            var current = s.CurrentRevision(d);
            node["currentRevision"] = new JsonObject { ["revision"] = current?.Number, ["hash"] = d.CurrentHash };
            return (JsonNode)node;
        }).ToArray()),
        ["pods"] = new JsonArray(pods.Select(p => Json.ToNode(Views.Pod(p))).ToArray()),
        ["placement"] = new JsonArray(daemonSets.Select(d => (JsonNode)new JsonObject
        {
            ["daemonSet"] = d.Key,
            ["desired"] = Nodes(d.Slots.Where(x => x.Value.ShouldRun).Select(x => x.Key)),
            ["actual"] = Nodes(LiveNodes(s, d)),
        }).ToArray()),
    };

    public static JsonObject At(long seq, DateTimeOffset? time) => new() { ["seq"] = seq, ["time"] = time is { } t ? Json.FormatTime(t) : null };

    /// <summary>The nodes where the DaemonSet has a live pod (not terminating, not terminal).</summary>
    public static IEnumerable<string> LiveNodes(ClusterState s, DaemonSetState d) =>
        d.Slots.Where(x => x.Value.Pods.Any(k => s.Pods[k].IsLive)).Select(x => x.Key);

    /// <summary>Node names as a JSON array, in natural order.</summary>
    public static JsonArray Nodes(IEnumerable<string> names) =>
        new(names.Order(NaturalOrder.Instance).Select(n => (JsonNode)JsonValue.Create(n)).ToArray());
}
