using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Reconciliation;
using EventEngine.State;
using EventEngine.Tests.Scenarios;

namespace EventEngine.Core.Tests.Scenarios;

/// <summary>Drives the pure core directly: decide, fold, settle; no storage, no HTTP. Checks the fold's indexes after every command.</summary>
public sealed class CoreDriver : IScenarioDriver
{
    private readonly List<Recorded> _step = [];
    private long _ids;
    private DateTimeOffset _now = ScenarioRunner.Start;

    public ClusterState State { get; private set; } = ClusterState.Empty;

    private Guid NewId() => new(0, 0, 0, BitConverter.GetBytes(++_ids));

    public Task BeginStepAsync()
    {
        _step.Clear();
        return Task.CompletedTask;
    }

    private Task<int> Run(Decided decided)
    {
        // the statuses the API answers for each kind (the scenarios expect HTTP statuses; the core knows only kinds)
        if (decided.Failure is { } failure)
            return Task.FromResult(failure.Kind switch { FailureKind.Malformed => 400, FailureKind.NotFound => 404, FailureKind.Conflict => 409, _ => 422 });
        Record(Steps.Run(State, decided.Events, _now, NewId));
        return Task.FromResult(200);
    }

    private void Record(StepResult result)
    {
        State = result.State;
        _step.AddRange(result.All.Select(e => e.Event));
        var problems = Fold.CheckIndexes(State);
        if (problems.Count > 0) throw new InvalidOperationException("fold indexes drifted: " + string.Join("; ", problems));
    }

    public Task<int> ApplyAsync(JsonArray objects) =>
        Run(ApplyDecisions.Apply(State, objects.Select(o => o!.AsObject()).ToList(), _now, NewId));

    public Task<int> PatchNodeAsync(string name, JsonNode patch) => Run(NodeDecisions.Patch(State, name, patch, _now));

    public Task<int> DeleteNodeAsync(string name) => Run(NodeDecisions.Remove(State, name));

    public Task<int> PatchDaemonSetAsync(string ns, string name, JsonNode patch) => Run(DaemonSetDecisions.Patch(State, ns + "/" + name, patch));

    public Task<int> RollbackAsync(string ns, string name, long toRevision) => Run(DaemonSetDecisions.Rollback(State, ns + "/" + name, toRevision));

    public Task<int> DeleteDaemonSetAsync(string ns, string name, string propagationPolicy) =>
        Run(DaemonSetDecisions.Delete(State, ns + "/" + name, propagationPolicy));

    public Task<int> ReportPodStatusAsync(string ns, string pod, string phase, bool ready, DateTimeOffset at) =>
        Run(PodDecisions.ReportStatus(State, ns, pod, new PodStatus
        {
            Phase = phase,
            Conditions = [new PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = at }],
        }, _now));

    public Task<int> DeletePodAsync(string ns, string pod) => Run(PodDecisions.Delete(State, ns, pod));

    public Task<int> AdvanceClockAsync(int seconds)
    {
        _now = _now.AddSeconds(seconds);
        Record(Steps.Tick(State, _now, NewId));
        return Task.FromResult(200);
    }

    public Task<IReadOnlyList<ScenarioPod>> PodsAsync(string ns, string name)
    {
        var ds = State.DaemonSets.GetValueOrDefault(ns + "/" + name);
        IReadOnlyList<ScenarioPod> pods = State.Pods.Values
            .Where(p => p.Namespace == ns && (ds is not null ? p.Controller?.Uid == ds.Uid : p.Controller?.Name == name))
            .Select(p => new ScenarioPod(p.Namespace, p.Name, p.TargetNode, p.Phase, p.Ready, p.IsTerminating, p.Hash))
            .ToList();
        return Task.FromResult(pods);
    }

    public Task<JsonObject?> StatusAsync(string ns, string name) =>
        Task.FromResult(State.DaemonSets.TryGetValue(ns + "/" + name, out var ds) ? Json.ToNode(ds.Status).AsObject() : null);

    public Task<IReadOnlyList<ScenarioRevision>> RevisionsAsync(string ns, string name)
    {
        IReadOnlyList<ScenarioRevision> revisions = State.DaemonSets.TryGetValue(ns + "/" + name, out var ds)
            ? State.RevisionsOf(ds).Select(r => new ScenarioRevision(r.Number, r.Hash, r.Hash == ds.CurrentHash)).ToList()
            : [];
        return Task.FromResult(revisions);
    }

    public Task<IReadOnlyList<ScenarioEvent>> StepEventsAsync()
    {
        IReadOnlyList<ScenarioEvent> events = _step.Select(r =>
        {
            var data = JsonNode.Parse(EventTypes.Serialize(r.Event))!;
            return new ScenarioEvent(EventTypes.NameOf(r.Event), (string?)data["daemonSet"], (string?)data["pod"]);
        }).ToList();
        return Task.FromResult(events);
    }
}
