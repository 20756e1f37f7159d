using System.Globalization;
using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.Replay;
using EventEngine.Runtime;
using EventEngine.Validation;
using MediatR;

namespace EventEngine.Projections.History;

/// <summary>POST /engine/v1/replay: a what-if replay of a window of the log; the result, or why the request is refused.</summary>
public sealed record ReplayWindow(JsonObject Body) : IRequest<(JsonObject? Result, Failure? Failure)>;

/// <summary>
/// Replays (from, to] in memory from the real state at "from", with history altered by "changes", and answers,
/// step by step, how placement would have differed from what really happened. Nothing is written.
/// </summary>
/// <summary>Engine:Limits:ReplayEvents: the most events one what-if may replay (default 20,000).</summary>
public sealed record ReplayOptions(int MaxEvents);

public sealed class ReplayHandler(TimeTravel travel, ReplayOptions options) : IRequestHandler<ReplayWindow, (JsonObject? Result, Failure? Failure)>
{
    public async Task<(JsonObject? Result, Failure? Failure)> Handle(ReplayWindow q, CancellationToken ct)
    {
        using var timing = EngineMetrics.TimeTravel("whatif");
        var errors = new FieldErrors();
        var from = await SeqAsync(q.Body["from"], "from", errors, ct) ?? 0;
        var to = q.Body["to"] is null ? await travel.ResolveAsync(null, ct) : await SeqAsync(q.Body["to"], "to", errors, ct) ?? 0;
        if (to < from) errors.Invalid("to", to, "must not be before from");
        else if (to - from > options.MaxEvents)
            errors.Invalid("to", to, $"the window from {from} to {to} holds up to {to - from} events; a what-if replays at most {options.MaxEvents} (Engine:Limits:ReplayEvents): narrow it with from and to");
        var (alterations, paths, removed) = await ChangesAsync(q.Body["changes"], from, errors, ct);
        if (errors.Any) return (null, Failure.Invalid("replay request", errors.Errors));

        // the state at from and the window's commands are read side by side: neither needs the other
        var starting = travel.StateAtAsync(from, ct);
        var reading = CommandsAsync(from, to, ct);
        await Task.WhenAll(starting, reading);
        var result = WhatIf.Run(await starting, await reading, alterations, removed, ReplayIds.For(from, to));
        // a change that cannot be made where it was asked for (a node or DaemonSet not there then) is the request's fault
        foreach (var (index, failure) in result.Refused)
            Blame(errors, paths[index], alterations[index].AfterSeq, failure);
        if (errors.Any) return (null, Failure.Invalid("replay request", errors.Errors));
        return (ReplayAnswer.Render(result, from, to), null);
    }

    /// <summary>The window's events as the commands that wrote them (consecutive events of one correlation id).</summary>
    private async Task<List<LoggedCommand>> CommandsAsync(long from, long to, CancellationToken ct)
    {
        var commands = new List<LoggedCommand>();
        List<LoggedEvent>? events = null;
        await foreach (var (e, recorded) in travel.ReadAsync(from, to, ct))
        {
            var logged = new LoggedEvent(e.Seq, recorded, e.Metadata.Reason is not null);
            if (events is not null && commands[^1].Correlation == e.Metadata.CorrelationId)
            {
                events.Add(logged);
                continue;
            }
            events = [logged];
            commands.Add(new LoggedCommand(events, e.RecordedAt, e.Metadata.CorrelationId, e.Metadata.Actor));
        }
        return commands;
    }

    /// <summary>Where a change names its object (blamed when it is not there) and where the object's own fields begin.</summary>
    private sealed record ChangePaths(string Name, string Object);

    private static void Blame(FieldErrors errors, ChangePaths paths, long at, Failure failure)
    {
        if (failure.Kind == FailureKind.NotFound)
        {
            errors.Add(paths.Name, $"{failure.Detail} at seq {at}");
            return;
        }
        if (failure.Errors.Count == 0) errors.Add(paths.Object, failure.Detail);
        foreach (var e in failure.Errors)
        {
            errors.Add(paths.Object + (e.Field.Length == 0 || e.Field.StartsWith('[') ? "" : ".") + e.Field, e.Message);
        }
    }

    private async Task<long?> SeqAsync(JsonNode? node, string field, FieldErrors errors, CancellationToken ct)
    {
        if (node is null) return null;
        try
        {
            return await travel.ResolveAsync(node.GetValueKind() == System.Text.Json.JsonValueKind.Number ? ((long)node).ToString(CultureInfo.InvariantCulture) : (string?)node, ct);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            errors.Invalid(field, node.ToJsonString(), "must be a seq number or an RFC 3339 time");
            return null;
        }
    }

    /// <summary>
    /// changes: [{at, replaceDaemonSet: object} (its running pods take the new template, no rollout) | {at, apply: [objects]}
    /// (as if applied then) | {at, patchNode: {name, patch}} | {at, patchDaemonSet: {daemonset, patch}} | {removeEvents: [seq]}].
    /// </summary>
    private async Task<(List<Alteration>, List<ChangePaths>, HashSet<long>)> ChangesAsync(JsonNode? node, long from, FieldErrors errors, CancellationToken ct)
    {
        var alterations = new List<Alteration>();
        var paths = new List<ChangePaths>();
        var removed = new HashSet<long>();
        if (node is null) return (alterations, paths, removed);
        if (node is not JsonArray changes)
        {
            errors.Invalid("changes", "", "must be a list");
            return (alterations, paths, removed);
        }
        void Add(Alteration alteration, ChangePaths where)
        {
            alterations.Add(alteration);
            paths.Add(where);
        }
        for (var i = 0; i < changes.Count; i++)
        {
            var path = $"changes[{i}]";
            if (changes[i] is not JsonObject change)
            {
                errors.Invalid(path, "", "must be an object");
                continue;
            }
            var at = await SeqAsync(change["at"], path + ".at", errors, ct) ?? from;
            if (change["removeEvents"] is JsonArray seqs)
            {
                foreach (var seq in seqs)
                    if (seq is JsonValue v && v.TryGetValue<long>(out var n)) removed.Add(n);
                    else errors.Invalid(path + ".removeEvents", seq?.ToJsonString(), "must be seq numbers");
            }
            else if (change["apply"] is JsonArray apply)
            {
                var objects = apply.OfType<JsonObject>().Select(o => (JsonObject)o.DeepClone()).ToList();
                if (objects.Count != apply.Count) errors.Invalid(path + ".apply", "", "must be a list of objects");
                var daemonSet = objects.FirstOrDefault(o => JsonFields.Text(o, "kind") == "DaemonSet") is { } ds
                    ? JsonFields.Text(ds, "metadata", "namespace") + "/" + JsonFields.Text(ds, "metadata", "name") : null;
                Add(new Alteration(at, $"apply {string.Join(", ", objects.Select(o => $"{JsonFields.Text(o, "kind")} {JsonFields.Text(o, "metadata", "name")}"))}",
                    (s, now, newId) => ApplyDecisions.Apply(s, objects, now, newId), daemonSet), new ChangePaths(path + ".apply", path + ".apply"));
            }
            else if (change["replaceDaemonSet"] is JsonObject replacement)
            {
                var key = JsonFields.Text(replacement, "metadata", "namespace") + "/" + JsonFields.Text(replacement, "metadata", "name");
                Add(new Alteration(at, $"DaemonSet {key} replaced, as if it had always been so",
                    (s, now, newId) => ApplyDecisions.One(s, (JsonObject)replacement.DeepClone(), now, newId), key, Retroactive: true),
                    new ChangePaths(path + ".replaceDaemonSet.metadata.name", path + ".replaceDaemonSet"));
            }
            else if (change["patchNode"] is JsonObject patchNode && JsonFields.Text(patchNode, "name") is { } name && patchNode["patch"] is JsonObject nodePatch)
            {
                Add(new Alteration(at, $"patch node {name}", (s, now, _) => NodeDecisions.Patch(s, name, nodePatch.DeepClone(), now)),
                    new ChangePaths(path + ".patchNode.name", path + ".patchNode.patch"));
            }
            else if (change["patchDaemonSet"] is JsonObject patchDs && JsonFields.Text(patchDs, "daemonset") is { } key && patchDs["patch"] is JsonObject dsPatch)
            {
                Add(new Alteration(at, $"patch DaemonSet {key}", (s, _, _) => DaemonSetDecisions.Patch(s, key, dsPatch.DeepClone()), key),
                    new ChangePaths(path + ".patchDaemonSet.daemonset", path + ".patchDaemonSet.patch"));
            }
            else
            {
                errors.Add(path, "Unsupported value: a change is one of replaceDaemonSet, apply, patchNode {name, patch}, patchDaemonSet {daemonset, patch}, removeEvents");
            }
        }
        return (alterations, paths, removed);
    }
}
