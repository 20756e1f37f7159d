using System.Text.Json.Nodes;
using EventEngine.Model;
using EventEngine.State;
using MediatR;

namespace EventEngine.Projections.History;

/// <summary>GET /engine/v1/state?at=: the whole cluster as it was (null when "at" is past the head is not possible: it is clamped).</summary>
public sealed record GetStateAt(string? At) : IRequest<JsonObject>;

/// <summary>
/// The cluster at a point of the log: nodes, DaemonSets with revision and status, pods, and per DaemonSet the
/// desired and actual nodes. Built from the same fold as the live engine, so replay and reality agree.
/// </summary>
public sealed class StateViewHandler(TimeTravel travel) : IRequestHandler<GetStateAt, JsonObject>
{
    public async Task<JsonObject> Handle(GetStateAt q, CancellationToken ct)
    {
        var seq = await travel.ResolveAsync(q.At, ct);
        var state = await travel.StateAtAsync(seq, ct);
        return Render(state, seq, await travel.TimeOfAsync(seq, ct));
    }

    public static JsonObject Render(ClusterState s, long seq, DateTimeOffset? time) => new()
    {
        ["at"] = At(seq, time),
        ["fingerprint"] = Fingerprint.Of(s),
        ["nodes"] = new JsonArray(s.NodeNames.Select(n => Json.ToNode(Views.Node(s.Nodes[n]))).ToArray()),
        ["daemonSets"] = new JsonArray(s.DaemonSets.Values.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d =>
        {
            var node = Json.ToNode(Views.DaemonSet(d)).AsObject();
            var current = s.CurrentRevision(d);
            node["currentRevision"] = new JsonObject { ["revision"] = current?.Number, ["hash"] = d.CurrentHash };
            return (JsonNode)node;
        }).ToArray()),
        ["pods"] = new JsonArray(s.Pods.Values.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Json.ToNode(Views.Pod(p))).ToArray()),
        ["placement"] = new JsonArray(s.DaemonSets.Values.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => (JsonNode)new JsonObject
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
