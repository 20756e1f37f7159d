using System.Text.Json.Serialization;
using EventEngine.Events;
using EventEngine.Placement;
using EventEngine.Runtime;
using EventEngine.Storage;
using FluentValidation;
using MediatR;

namespace EventEngine.Projections.History;

/// <summary>GET /engine/v1/explain?daemonset=ns/name&amp;node=&amp;at=: why a pod should or should not run on a node.</summary>
public sealed record ExplainPlacement(string? DaemonSet, string? Node, string? At) : IRequest<Inspected<Explanation>>;

public sealed class ExplainPlacementValidator : AbstractValidator<ExplainPlacement>
{
    public ExplainPlacementValidator()
    {
        RuleFor(q => q.DaemonSet).MustBeDaemonSetKey();
        RuleFor(q => q.Node).MustBeNodeName();
    }
}

/// <summary>
/// The answer at one point of the log: every rule checked (NodeShouldRun.Explain), satisfied or not; each of the two
/// answers with the rules that decided it; the DaemonSet's pods on the node (oldest first); and the event after which
/// the answer last became what it is; and where the pair differs from what the rules say there (see
/// GET /engine/v1/divergences: missing, misscheduled), which for a recorded cluster is its controller's divergence.
/// </summary>
public sealed record Explanation(
    string DaemonSet,
    string Node,
    LogPoint At,
    bool ShouldRun,
    bool ShouldContinueRunning,
    string Summary,
    Decisions Decisions,
    IReadOnlyList<PlacementRule> Rules,
    bool Running,
    IReadOnlyList<PodView> Pods,
    LastChange LastChange,
    IReadOnlyList<DivergenceHere> Divergences);

/// <summary>A divergence of the pair at the point explained: its kind and why.</summary>
public sealed record DivergenceHere(string Kind, string Reason);

/// <summary>shouldRun and shouldContinueRunning, each with what decided it.</summary>
public sealed record Decisions(Decision ShouldRun, Decision ShouldContinueRunning);

/// <summary>One answer: its value, a sentence, and the rules that made it false (none when it is true).</summary>
public sealed record Decision(bool Value, string Because, IReadOnlyList<PlacementRule> DecidedBy);

/// <summary>The event that last changed the answer, with the answer before it (null: the pair did not exist) and after.</summary>
public sealed record LastChange(
    long Seq,
    Guid Id,
    string Type,
    string Stream,
    DateTimeOffset RecordedAt,
    string Actor,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] PlacementAnswer? Before,
    PlacementAnswer After);

public sealed class ExplainPlacementHandler(TimeTravel timeTravel, EventStore store) : IRequestHandler<ExplainPlacement, Inspected<Explanation>>
{
    public async Task<Inspected<Explanation>> Handle(ExplainPlacement q, CancellationToken ct)
    {
        using var timing = EngineMetrics.TimeTravel("explain");
        var resolved = await Inspection.ResolveAsync(timeTravel, q.At, ct);
        if (resolved.Value is not { } at) return resolved.Failure!;
        var state = await timeTravel.PartAtAsync(at.Seq, Inspection.DaemonSetOnNodeScopes(q.DaemonSet!, q.Node!), ct);
        if (!state.DaemonSets.TryGetValue(q.DaemonSet!, out var ds)) return Inspection.NotFound("daemonset", $"daemonset {q.DaemonSet}", at);
        if (!state.Nodes.TryGetValue(q.Node!, out var node)) return Inspection.NotFound("node", $"node {q.Node}", at);

        var verdict = NodeShouldRun.Explain(node, ds.Placement);
        var revisions = Inspection.RevisionNumbers(state, ds);
        var pods = ds.SlotOf(node.Name).Pods.Select(key => state.Pods[key]).ToList();
        var change = AnswerHistory.LastChange(
            await store.ReadStreamAsync(Subjects.NodeStream(node.Name), cancellationToken: ct),
            await store.ReadStreamAsync(Subjects.DaemonSetStream(ds.Key), cancellationToken: ct),
            node.Name, ds.Key, at.Seq);
        // both exist at this point and did not before the log began, so some event made the answer what it is
        if (change is not { After: { } after }) throw new InvalidOperationException($"no event created {ds.Key} and {node.Name}: the log is inconsistent");

        return new Explanation(ds.Key, node.Name, at, verdict.ShouldRun, verdict.ShouldContinueRunning, verdict.Summary, DecisionsOf(verdict),
            verdict.Rules, pods.Any(p => p.IsLive), pods.Select(p => Inspection.Pod(p, ds, revisions)).ToList(),
            new LastChange(change.Event.Seq, change.Event.Id, change.Event.Type, change.Event.Stream, change.Event.RecordedAt,
                change.Event.Metadata.Actor, change.Before, after),
            FindDivergencesHandler.At(state, ds.Key, node.Name).Select(d => new DivergenceHere(d.Key.Kind, d.Reason)).ToList());
    }

    private static Decisions DecisionsOf(PlacementVerdict v) => new(
        v.ShouldRun
            ? new Decision(true, "every rule is satisfied", [])
            : new Decision(false, PlacementVerdict.Sentence(v.StopsRunning), v.StopsRunning),
        v.ShouldContinueRunning
            ? new Decision(true, v.ShouldRun
                ? "every rule is satisfied"
                : "node name and node selection hold and every NoExecute taint is tolerated", [])
            : new Decision(false, PlacementVerdict.Sentence(v.StopsContinuing), v.StopsContinuing));
}
