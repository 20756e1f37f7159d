using System.Text;
using System.Text.Json.Nodes;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Projections.History;
using EventEngine.Projections.Kubernetes;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;

namespace EventEngine.Api.Kubernetes;

/// <summary>
/// Watches as a Kubernetes API server streams them (?watch=true): one JSON event per line, ADDED, MODIFIED, DELETED
/// and BOOKMARK, read from the log itself. An object's resourceVersion is the seq of the event that last changed it,
/// so a watch from any resourceVersion since the beginning replays exactly what happened after it (the log keeps
/// everything: no 410); without one it first lists what exists. What each event did to an object comes from the
/// object history: the version that begins at the event's seq and the one that ended just before it.
/// </summary>
public sealed class KubeWatch(EventStore store, HistoryReader history, KubeEvents events, EngineRuntime runtime, IConfiguration configuration)
{
    /// <summary>Another process may append too: look again at least this often even without a local signal.</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    /// <summary>How long a quiet watch goes between bookmarks, when the client allows them (Engine:Watch:BookmarkSeconds, 10 s).</summary>
    private readonly TimeSpan _bookmarkEvery = TimeSpan.FromSeconds(Math.Max(0.05, configuration.GetValue("Engine:Watch:BookmarkSeconds", 10.0)));

    /// <summary>What a watch asks for: the kind, a namespace, which objects (selectors), from where, for how long, in which form.</summary>
    public sealed record Request(
        ApiResource Resource, string? Namespace, Func<JsonObject, bool> Matches, long? From, bool Bookmarks, TimeSpan? Timeout,
        Func<JsonObject, bool, JsonObject>? AsTable, Func<CancellationToken, Task<(long Head, IReadOnlyList<JsonObject> Items)>> List);

    public async Task StreamAsync(HttpContext context, Request request)
    {
        using var timeout = new CancellationTokenSource(request.Timeout ?? TimeSpan.FromMinutes(30));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, timeout.Token);
        var ct = linked.Token;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache";
        using var changed = new CommitSignal(runtime);
        var first = true;
        async Task SendAsync(string type, JsonObject obj)
        {
            var payload = request.AsTable is { } table && type != "BOOKMARK" ? table(obj, first) : obj;
            first = false;
            var line = new JsonObject { ["type"] = type, ["object"] = payload }.ToJsonString(Json.Options);
            await context.Response.WriteAsync(line + "\n", Encoding.UTF8, ct);
        }
        try
        {
            await context.Response.StartAsync(ct);
            long after;
            if (request.From is { } from and > 0)
            {
                after = from;
            }
            else
            {
                // no resourceVersion (or 0): what exists now, then what changes
                var (head, items) = await request.List(ct);
                foreach (var item in items) await SendAsync("ADDED", item);
                after = head;
            }
            await context.Response.Body.FlushAsync(ct);
            var quietSince = DateTime.UtcNow;
            while (!ct.IsCancellationRequested)
            {
                var page = await store.ReadAllAsync(after, 1_000, ct);
                foreach (var (type, obj) in await ChangesAsync(request, page, ct)) await SendAsync(type, obj);
                if (page.Count > 0)
                {
                    after = page[^1].Seq;
                    await context.Response.Body.FlushAsync(ct);
                    quietSince = DateTime.UtcNow;
                    continue;
                }
                if (request.Bookmarks && DateTime.UtcNow - quietSince >= _bookmarkEvery)
                {
                    await SendAsync("BOOKMARK", new JsonObject
                    {
                        ["kind"] = request.Resource.Kind, ["apiVersion"] = request.Resource.GroupVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(after) },
                    });
                    await context.Response.Body.FlushAsync(ct);
                    quietSince = DateTime.UtcNow;
                }
                await changed.WaitAsync(request.Bookmarks && _bookmarkEvery < Recheck ? _bookmarkEvery : Recheck, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client went away, or timeoutSeconds ran out: the normal end of a watch
        }
    }

    /// <summary>The watch events a page of the log makes for the watched kind, in log order, filtered as asked.</summary>
    private async Task<List<(string Type, JsonObject Object)>> ChangesAsync(Request request, IReadOnlyList<StoredEvent> page, CancellationToken ct)
    {
        var result = new List<(string, JsonObject)>();
        if (page.Count == 0) return result;
        var resource = request.Resource;
        if (resource == ApiResources.Events)
        {
            foreach (var (_, recorded) in await events.OfAsync(page, ct))
                foreach (var ev in recorded)
                    if (Within(request, ev)) result.Add(("ADDED", ev));
            return result;
        }
        if (resource == ApiResources.Namespaces) return result;
        var decoded = page.Select(e => (Stored: e, Event: EventTypes.Decode(e).Event)).ToList();

        // the objects of the watched kind each event changed, read with what rendering them needs
        var touched = decoded.Select(d => (d.Stored.Seq, Objects: Touched(resource, d.Event).ToList())).Where(t => t.Objects.Count > 0).ToList();
        if (touched.Count == 0) return result;
        // revisions come by their owner (with the owner itself, for its owner reference); the rest by key
        var owners = touched.SelectMany(t => t.Objects).Where(o => o.Kind == ObjectHistory.Kinds.Revision).Select(o => o.Key).Distinct().ToList();
        var wanted = touched.SelectMany(t => t.Objects).Where(o => o.Kind != ObjectHistory.Kinds.Revision)
            .Concat(owners.SelectMany(o => new[] { (ObjectHistory.Kinds.DaemonSet, o), (ObjectHistory.Kinds.DaemonSetStatus, o) }))
            .Distinct().ToList();
        var versions = await history.VersionsAsync(wanted, owners, page[0].Seq - 1, page[^1].Seq, ct);
        if (resource == ApiResources.Pods)
        {
            var podOwners = versions.Where(v => v.Kind == ObjectHistory.Kinds.Pod && !string.IsNullOrEmpty(v.Owner)).Select(v => v.Owner!).Distinct().ToList();
            if (podOwners.Count > 0)
                versions.AddRange(await history.VersionsAsync(
                    podOwners.SelectMany(o => new[] { (ObjectHistory.Kinds.DaemonSet, o), (ObjectHistory.Kinds.DaemonSetStatus, o) }).ToList(), podOwners,
                    page[0].Seq - 1, page[^1].Seq, ct));
        }

        foreach (var (seq, objects) in touched)
        {
            var before = StateAt(versions, seq - 1);
            var after = StateAt(versions, seq);
            foreach (var (kind, key) in objects)
            {
                IEnumerable<string> keys = kind == ObjectHistory.Kinds.Revision
                    ? versions.Where(v => v.Kind == ObjectHistory.Kinds.Revision && v.Owner == key).Select(v => v.Key).Distinct()
                    : [key];
                foreach (var k in keys)
                {
                    var old = Render(resource, before, k, seq - 1);
                    var now = Render(resource, after, k, seq);
                    if (old is not null && now is not null && JsonNode.DeepEquals(Without(old, "resourceVersion"), Without(now, "resourceVersion"))) continue;
                    var (wasIn, isIn) = (old is not null && Within(request, old), now is not null && Within(request, now));
                    if (isIn) result.Add((wasIn ? "MODIFIED" : "ADDED", now!));
                    else if (wasIn) result.Add(("DELETED", Stamped(old!, seq)));
                }
            }
        }
        return result;
    }

    private static bool Within(Request request, JsonObject obj) =>
        (request.Namespace is null || (string?)obj["metadata"]?["namespace"] == request.Namespace) && request.Matches(obj);

    /// <summary>The objects of the kind an event may have changed: (history kind, key); for revisions, the owning DaemonSet.</summary>
    private static IEnumerable<(char Kind, string Key)> Touched(ApiResource resource, IEvent e)
    {
        if (resource == ApiResources.Nodes && Subjects.PodOf(e) is null && Subjects.DaemonSetOf(e) is null && Subjects.NodeOf(e) is { } node)
            yield return (ObjectHistory.Kinds.Node, node);
        else if (resource == ApiResources.Pods && Subjects.PodOf(e) is { } pod)
            yield return (ObjectHistory.Kinds.Pod, pod);
        else if (resource == ApiResources.DaemonSets && Subjects.PodOf(e) is null && Subjects.DaemonSetOf(e) is { } ds)
        {
            yield return (ObjectHistory.Kinds.DaemonSet, ds);
            yield return (ObjectHistory.Kinds.DaemonSetStatus, ds);
        }
        else if (resource == ApiResources.ControllerRevisions && Subjects.PodOf(e) is null && e is not DaemonSetStatusChanged && Subjects.DaemonSetOf(e) is { } owner)
            yield return (ObjectHistory.Kinds.Revision, owner);
    }

    private static ClusterState StateAt(List<HistoryReader.Ranged> versions, long seq) =>
        ObjectHistory.StateOf(versions.Where(v => v.Lower <= seq && v.Upper >= seq)
            .GroupBy(v => (v.Kind, v.Key)).Select(g => g.First())
            .Select(v => (v.Kind, v.Key, ObjectHistory.Read(v.Kind, v.Body))));

    /// <summary>The object as the API serves it at that seq, with its resourceVersion, or null when it does not exist there.</summary>
    private static JsonObject? Render(ApiResource resource, ClusterState s, string key, long seq)
    {
        JsonObject? obj = null;
        if (resource == ApiResources.Nodes && s.Nodes.TryGetValue(key, out var n)) obj = KubeViews.Node(n);
        else if (resource == ApiResources.Pods && s.Pods.TryGetValue(key, out var p)) obj = KubeViews.Pod(p, s);
        else if (resource == ApiResources.DaemonSets && s.DaemonSets.TryGetValue(key, out var d)) obj = Json.ToNode(Views.DaemonSet(d)).AsObject();
        else if (resource == ApiResources.ControllerRevisions && s.Revisions.TryGetValue(key, out var r))
            obj = Json.ToNode(Views.Revision(r, s.DaemonSetByUid(r.OwnerUid))).AsObject();
        return obj is null ? null : Stamped(obj, seq);
    }

    private static JsonObject Stamped(JsonObject obj, long seq)
    {
        obj["metadata"]!["resourceVersion"] = Rv(seq);
        return obj;
    }

    private static JsonObject Without(JsonObject obj, string metadataField)
    {
        var copy = obj.DeepClone().AsObject();
        (copy["metadata"] as JsonObject)?.Remove(metadataField);
        return copy;
    }

    private static string Rv(long seq) => seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
