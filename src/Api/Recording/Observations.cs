using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Runtime;
using EventEngine.State;

namespace EventEngine.Api.Recording;

/// <summary>
/// What a cluster was seen to hold, turned into events: objects as its API server shows them (a Node, a DaemonSet with
/// the status its controller reports, a Pod) decided as an apply would decide them, and objects gone. Shared by the
/// recorder (watch and list) and the import (audit logs, watch streams, List snapshots).
/// </summary>
public static class Observations
{
    /// <summary>The kinds recorded, by Kubernetes kind: whether they are namespaced, and how one is removed.</summary>
    public static readonly IReadOnlyDictionary<string, (bool Namespaced, Func<ClusterState, string, Decided> Remove, Func<ClusterState, string, bool> Has)> Kinds =
        new Dictionary<string, (bool, Func<ClusterState, string, Decided>, Func<ClusterState, string, bool>)>(StringComparer.Ordinal)
        {
            ["Node"] = (false, (s, name) => NodeDecisions.Remove(s, name), (s, name) => s.Nodes.ContainsKey(name)),
            // the cluster's garbage collector deletes the pods, and each is seen to go
            ["DaemonSet"] = (true, (s, key) => DaemonSetDecisions.Delete(s, key, DeletionPolicy.Background), (s, key) => s.DaemonSets.ContainsKey(key)),
            ["Pod"] = (true, (s, key) => PodDecisions.Delete(s, key[..key.IndexOf('/')], key[(key.IndexOf('/') + 1)..]), (s, key) => s.Pods.ContainsKey(key)),
            ["ControllerRevision"] = (true, DaemonSetDecisions.ForgetRevision, (s, key) => s.Revisions.ContainsKey(key)),
        };

    /// <summary>Kinds recorded only when a DaemonSet controls the object.</summary>
    public static bool Owned(string? kind) => kind is "Pod" or "ControllerRevision";

    /// <summary>Pods and ControllerRevisions are recorded when a DaemonSet controls them; every node and DaemonSet is.</summary>
    public static bool Wanted(JsonObject obj) =>
        !Owned(JsonFields.Text(obj, "kind"))
        || (JsonFields.At(obj, "metadata", "ownerReferences") as JsonArray)?.Any(o =>
            JsonFields.Text(o, "kind") == "DaemonSet" && JsonFields.At(o, "controller") is JsonValue controller && controller.TryGetValue<bool>(out var yes) && yes) == true;

    /// <summary>"name" for a node, "namespace/name" for the rest.</summary>
    public static string KeyOf(string kind, string? ns, string name) => Kinds[kind].Namespaced ? ns + "/" + name : name;

    public static string KeyOf(JsonObject obj) =>
        KeyOf(JsonFields.Text(obj, "kind") ?? "", JsonFields.Text(obj, "metadata", "namespace"), JsonFields.Text(obj, "metadata", "name") ?? "");

    /// <summary>
    /// An object as the engine takes it: without what the API server keeps for itself (resourceVersion, which would be
    /// read as a precondition, managedFields, generation), and a node without its annotations.
    /// </summary>
    public static JsonObject AsManifest(JsonObject obj)
    {
        var json = (JsonObject)obj.DeepClone();
        if (json["metadata"] is JsonObject metadata)
        {
            metadata.Remove("resourceVersion");
            metadata.Remove("managedFields");
            metadata.Remove("generation");
            // a real node's annotations are its agents' bookkeeping (some change as pods come and go) and do not bear
            // on placement: a recorded node is kept without them, as before nodes kept annotations
            if (JsonFields.Text(json, "kind") == "Node") metadata.Remove("annotations");
        }
        return json;
    }

    /// <summary>
    /// Records what was seen as one command (<see cref="Decide"/>), and gives the objects the engine refused in the
    /// decision that counted. A command may be decided more than once (when another process appended meanwhile, or the
    /// group before it did not commit as decided), each time on the log as it then is: only its last decision's
    /// refusals are given, so none is reported twice. The command is queued before this returns, in call order.
    /// </summary>
    public static async Task<(CommandOutcome Outcome, IReadOnlyList<(string What, Failure Failure)> Refused)> RecordAsync(
        EngineRuntime runtime, CommandContext context, IReadOnlyList<JsonObject> objects, IReadOnlyList<(string Kind, string Key)> removed,
        CancellationToken cancellationToken)
    {
        var refused = new List<(string What, Failure Failure)>();
        var outcome = await runtime.ExecuteAsync(context, (s, now) =>
        {
            refused.Clear();
            return Decide(s, objects, removed, now, (what, failure) => refused.Add((what, failure)));
        }, cancellationToken: cancellationToken);
        // answered after its last decision, on which the list was filled
        return (outcome, refused);
    }

    /// <summary>
    /// The events of what was seen, each object decided on the state the ones before it left; an object the engine
    /// refuses (invalid by its rules) is reported to <paramref name="refused"/> and does not keep the others out.
    /// </summary>
    public static Decided Decide(ClusterState s, IReadOnlyList<JsonObject> objects, IReadOnlyList<(string Kind, string Key)> removed, DateTimeOffset now,
        Action<string, Failure> refused)
    {
        var events = new List<IEvent>();
        void Take(Decided decided, string what)
        {
            if (decided.Failure is { } failure)
            {
                refused(what, failure);
                return;
            }
            foreach (var e in decided.Events)
            {
                s = Fold.Evolve(s, new Recorded(Guid.Empty, now, e));
                events.Add(e);
            }
        }
        foreach (var given in objects)
        {
            var obj = AsManifest(given);
            var kind = JsonFields.Text(obj, "kind") ?? "";
            var what = $"{kind} {KeyOf(obj)}";
            // a DaemonSet's status is the cluster controller's report: recorded as it says, beside the spec
            JsonNode? status = null;
            if (kind == "DaemonSet" && obj.Remove("status", out var reported)) status = reported;
            Take(kind == "ControllerRevision" ? ObserveRevision(s, obj) : ApplyDecisions.One(s, obj, now, Guid.NewGuid), what);
            if (status is JsonObject counts && s.DaemonSets.TryGetValue(KeyOf(obj), out var ds))
                Take(StatusReported(ds, counts), what + " status");
        }
        foreach (var (kind, key) in removed)
            if (Kinds.TryGetValue(kind, out var k) && k.Has(s, key)) Take(k.Remove(s, key), $"{kind} {key} removed");
        return events.Count == 0 ? Decided.Nothing("nothing new in the cluster") : new Decided(events);
    }

    /// <summary>The status a cluster's controller reported for a DaemonSet, when it says something new; one that does not read is refused.</summary>
    private static Decided StatusReported(DaemonSetState ds, JsonObject counts)
    {
        DaemonSetStatus observed;
        try
        {
            observed = Manifests.Deserialize<DaemonSetStatus>(counts);
        }
        catch (ManifestException e)
        {
            return Failure.MalformedAt("status", e);
        }
        return observed == ds.Status ? Decided.Nothing("the same status") : Decided.Of(new DaemonSetStatusChanged(ds.Key, observed));
    }

    private static Decided ObserveRevision(ClusterState s, JsonObject obj)
    {
        try
        {
            return DaemonSetDecisions.ObserveRevision(s, Manifests.Deserialize<ControllerRevision>(obj));
        }
        catch (ManifestException e)
        {
            return e.Malformed ? Failure.Malformed(e.Message, e.Path) : Failure.Invalid("ControllerRevision", e.Path, e.Message);
        }
    }
}
