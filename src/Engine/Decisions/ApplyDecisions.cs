using System.Text.Json.Nodes;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Decisions;

/// <summary>
/// POST /engine/v1/apply: every Node, DaemonSet and observed Pod of a body, created or replaced, as one command.
/// Each object is decided against the state left by the ones before it, so a pod may name a DaemonSet of the
/// same body; one refused object refuses the whole body.
/// </summary>
public static class ApplyDecisions
{
    public static Decided Apply(ClusterState s, IReadOnlyList<JsonObject> objects, DateTimeOffset now, Func<Guid> newId)
    {
        var events = new List<IEvent>();
        var notes = new List<string>();
        for (var i = 0; i < objects.Count; i++)
        {
            var decided = One(s, objects[i], now, newId);
            if (decided.Failure is { } failure) return failure.AtItem(i);
            if (decided.Note is { } note) notes.Add(note);
            foreach (var e in decided.Events)
            {
                s = Fold.Evolve(s, new Recorded(Guid.Empty, now, e));
                events.Add(e);
            }
        }
        return new Decided(events, null, notes.Count == 0 ? null : string.Join("; ", notes));
    }

    /// <summary>One object created or replaced, decided alone: a refusal's field paths are the object's own (metadata.name).</summary>
    public static Decided One(ClusterState s, JsonObject given, DateTimeOffset now, Func<Guid> newId)
    {
        object obj;
        try
        {
            obj = Manifests.ToObject(given);
        }
        catch (ManifestException e)
        {
            return e.Malformed ? Failure.Malformed(e.Message, e.Path) : Failure.Invalid("object", e.Path, e.Message);
        }
        return obj switch
        {
            Node node => NodeDecisions.Upsert(s, node, now, newId),
            DaemonSet ds => DaemonSetDecisions.Upsert(s, ds, now, newId),
            Pod pod => PodDecisions.Register(s, pod, now),
            _ => throw new InvalidOperationException("unreachable"),
        };
    }
}
