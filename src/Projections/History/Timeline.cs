using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;
using EventEngine.Storage;

namespace EventEngine.Projections.History;

/// <summary>
/// GET /engine/v1/timeline: the incident timeline, optionally about one node or one DaemonSet, and with Divergences the
/// divergences from Kubernetes' rules the page's events began and ended.
/// </summary>
public sealed record GetTimeline(string? From, string? To, string? Node, string? DaemonSet, int Limit, string? Continue, bool IncludeStatus, bool Divergences = false)
    : IRequest<JsonObject>;

public sealed class GetTimelineValidator : AbstractValidator<GetTimeline>
{
    public GetTimelineValidator()
    {
        RuleFor(q => q.DaemonSet).MustBeDaemonSetKey().When(q => q.DaemonSet is not null);
        RuleFor(q => q.Node).MustBeNodeName().When(q => q.Node is not null);
    }
}

/// <summary>
/// Events in order, each with time, actor, a sentence, its cause (the causing event and the request), and the
/// placement change it made (the pods created and removed because of it). Filtering keeps the events that touched
/// the node or DaemonSet, and the events that caused those.
/// </summary>
public sealed class TimelineHandler(TimeTravel travel, EventStore store, ReplayOptions options, TimeProvider clock) : IRequestHandler<GetTimeline, JsonObject>
{
    public async Task<JsonObject> Handle(GetTimeline q, CancellationToken ct)
    {
        using var timing = EngineMetrics.TimeTravel("timeline");
        var to = await travel.ResolveAsync(q.To, ct, "to");
        var after = q.Continue is { Length: > 0 } token
            ? long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : throw new InvalidAtException($"continue: \"{token}\" is not a token this server gave", "continue")
            : await StartAsync(q.From, ct);

        // the events are read first, decoded and not described: which of them the page keeps (those the filter matches,
        // and their causes up the chain) is known as they are read, and only those are described, from the states
        // around them. A filtered page reads many events and keeps few
        var events = new List<(StoredEvent Stored, Recorded Recorded)>();
        var causes = new Dictionary<Guid, Guid?>();
        var placements = new Dictionary<Guid, List<IEvent>>();
        var keep = new HashSet<Guid>();
        string? lastCorrelation = null;
        long? lastKept = null;
        long? lastRead = null;
        var seen = 0;
        await foreach (var (stored, recorded) in travel.ReadAsync(after, to, ct))
        {
            // once the page is full, read on to the end of its last command: the pods it created or removed because of a
            // kept event follow it. A page that finds little (a filter few events match) ends the same way once it has
            // read as many events as a what-if may replay (Engine:Limits:ReplayEvents), with what it found and where to go
            // on: a page's time and memory are bounded, not the whole log's
            var correlation = stored.Metadata.CorrelationId;
            if ((lastKept is not null || seen >= options.MaxEvents) && correlation != lastCorrelation) break;
            lastCorrelation = correlation;
            lastRead = stored.Seq;
            seen++;
            if (recorded.CausationId is { } cause && causes.ContainsKey(cause))
                (placements.TryGetValue(cause, out var made) ? made : placements[cause] = []).Add(recorded.Event);
            if (lastKept is not null) continue;
            events.Add((stored, recorded));
            causes[stored.Id] = recorded.CausationId;
            if (Matches(recorded.Event, q) && (q.IncludeStatus || recorded.Event is not DaemonSetStatusChanged))
            {
                keep.Add(stored.Id);
                // the events that caused a kept event stay too, up the chain
                for (var up = recorded.CausationId; up is { } id && causes.TryGetValue(id, out var next) && keep.Add(id);)
                    up = next;
                if (keep.Count >= q.Limit) lastKept = stored.Seq;
            }
        }

        var kept = new List<Read>();
        var byId = new Dictionary<Guid, JsonObject>();
        foreach (var step in await travel.DescribeAsync(events.Where(e => keep.Contains(e.Stored.Id)).ToList(), ct))
        {
            var entry = Entry(step);
            foreach (var made in placements.GetValueOrDefault(step.Stored.Id) ?? []) AddPlacement(entry, made);
            byId[step.Stored.Id] = entry;
            kept.Add(new Read(step.Stored.Seq, step.Stored.Id, step.Recorded.CausationId, entry));
        }
        // a kept event's cause is kept when the page read it (the chain above); one older than the page is read from the
        // log, all of them in one query (no description without its states)
        var older = await store.ReadEventsAsync(kept.Select(e => e.Cause).OfType<Guid>().Where(c => !byId.ContainsKey(c)).Distinct().ToArray(), ct);
        foreach (var entry in kept)
            if (entry.Cause is { } cause)
                entry.Entry["cause"] = byId.TryGetValue(cause, out var known) ? Reference(known) : older.TryGetValue(cause, out var e) ? Reference(e) : null;
        var items = new JsonArray(kept.Select(e => (JsonNode)e.Entry).ToArray());
        var result = new JsonObject { ["items"] = items, ["to"] = to };
        if ((lastKept ?? (seen >= options.MaxEvents ? lastRead : null)) is { } stop && stop < to)
            result["continue"] = stop.ToString(CultureInfo.InvariantCulture);
        if (q.Divergences && lastRead is { } last)
            result["divergences"] = await DivergencesAsync(q, after, last, to, kept, ct);
        return result;
    }

    /// <summary>An event the page keeps: its entry, and what is needed of it once the states around it are gone.</summary>
    private sealed record Read(long Seq, Guid Id, Guid? Cause, JsonObject Entry);

    /// <summary>
    /// The divergences of the events read (at most the last Engine:Limits:ReplayEvents of them): each entry that began
    /// or ended one says so, and the list says how long each lasted.
    /// </summary>
    private async Task<JsonArray> DivergencesAsync(GetTimeline q, long after, long last, long head, List<Read> kept, CancellationToken ct)
    {
        var filters = new FindDivergences(null, null, q.DaemonSet, q.Node, 0);
        var report = await FindDivergencesHandler.ScanAsync(travel, Math.Max(after, last - options.MaxEvents), last, filters,
            last == head && string.IsNullOrEmpty(q.To) ? clock.GetUtcNow() : null, ct);
        var bySeq = kept.ToDictionary(k => k.Seq, k => k.Entry);
        var list = new JsonArray();
        foreach (var d in report.Items)
        {
            var item = JsonSerializer.SerializeToNode(d, Json.Options)!.AsObject();
            list.Add(item);
            var brief = new JsonObject { ["daemonSet"] = d.DaemonSet, ["node"] = d.Node, ["kind"] = d.Kind, ["reason"] = d.Reason };
            if (!d.StartedBefore && d.Cause is { } cause && bySeq.TryGetValue(cause.Seq, out var began)) Mark(began, "began", brief);
            if (d.Until is { } until && bySeq.TryGetValue(until.Seq, out var ended)) Mark(ended, "ended", brief.DeepClone().AsObject());
        }
        return list;
    }

    private static void Mark(JsonObject entry, string how, JsonObject divergence)
    {
        if (entry["divergences"] is not JsonObject marks) entry["divergences"] = marks = new JsonObject { ["began"] = new JsonArray(), ["ended"] = new JsonArray() };
        marks[how]!.AsArray().Add(divergence);
    }

    /// <summary>"from" is inclusive: a seq, or the first event at or after a time.</summary>
    private async Task<long> StartAsync(string? from, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(from)) return 0;
        if (long.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return Math.Max(0, seq - 1);
        if (!TimeTravel.TryParseTime(from, out var time))
            throw new InvalidAtException($"from: \"{from}\" is neither a seq number nor an RFC 3339 time", "from");
        return await store.LastSeqBeforeAsync(time, ct);
    }

    private static bool Matches(IEvent e, GetTimeline q) =>
        (q.Node is null || Subjects.NodeOf(e) == q.Node) && (q.DaemonSet is null || Subjects.DaemonSetOf(e) == q.DaemonSet);

    private static JsonObject Entry(LogStep step)
    {
        var e = step.Stored;
        var description = Descriptions.Of(step.Recorded.Event, step.Before, step.After, e.Metadata.Reason?.Message);
        return new JsonObject
        {
            ["seq"] = e.Seq,
            ["id"] = e.Id.ToString(),
            ["time"] = Json.FormatTime(e.RecordedAt),
            ["type"] = e.Type,
            ["actor"] = e.Metadata.Actor,
            ["request"] = e.Metadata.CorrelationId,
            // what a request did is "by" its actor; what the controller did in answer says why instead (see cause)
            ["description"] = e.Metadata.Reason is null && step.Recorded.CausationId is null ? $"{description} by {e.Metadata.Actor}" : description,
            ["reason"] = e.Metadata.Reason is { } r ? new JsonObject { ["code"] = r.Code, ["message"] = r.Message } : null,
            ["cause"] = null,
            ["placement"] = new JsonArray(),
        };
    }

    /// <summary>A pod created or removed because of an earlier event joins that event's placement change.</summary>
    private static void AddPlacement(JsonObject causeEntry, IEvent e)
    {
        var (ds, list, item) = e switch
        {
            PodCreated x => (x.DaemonSet, "created", new JsonObject { ["pod"] = x.Pod, ["node"] = x.Node }),
            PodDeleted x => (x.DaemonSet ?? "", "removed", new JsonObject { ["pod"] = x.Pod, ["node"] = x.Node, ["reason"] = x.Reason }),
            _ => (null, "", null),
        };
        if (ds is null || item is null) return;
        var placement = causeEntry["placement"]!.AsArray();
        var group = placement.FirstOrDefault(g => (string?)g!["daemonSet"] == ds)?.AsObject();
        if (group is null)
        {
            group = new JsonObject { ["daemonSet"] = ds, ["created"] = new JsonArray(), ["removed"] = new JsonArray() };
            placement.Add(group);
        }
        group[list]!.AsArray().Add(item);
    }

    private static JsonObject Reference(JsonObject entry) => new()
    {
        ["seq"] = entry["seq"]!.DeepClone(),
        ["id"] = entry["id"]!.DeepClone(),
        ["type"] = entry["type"]!.DeepClone(),
        ["description"] = entry["description"]!.DeepClone(),
    };

    /// <summary>A cause older than the page, as the log holds it (no description without its states).</summary>
    private static JsonObject Reference(StoredEvent e) => new()
    {
        ["seq"] = e.Seq,
        ["id"] = e.Id.ToString(),
        ["type"] = e.Type,
        ["actor"] = e.Metadata.Actor,
    };
}
