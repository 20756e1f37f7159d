using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Reconciliation;
using EventEngine.State;

namespace EventEngine.Core.Tests;

/// <summary>
/// Given/When/Then over the pure core: commands are decided and folded like the engine does it, and every step is
/// settled. Manifests are written as YAML, as users write them.
/// </summary>
public sealed class TestCluster
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _ids;

    public ClusterState State { get; private set; } = ClusterState.Empty;
    public DateTimeOffset Now { get; private set; } = Start;
    public List<Emitted> LastStep { get; } = [];

    public Guid NewId() => new(0, 0, 0, BitConverter.GetBytes(++_ids));

    public static JsonObject Yaml(string yaml) => EventEngine.Model.Yaml.ToJson(yaml).Single()!.AsObject();

    /// <summary>Applies objects (Node, DaemonSet, Pod YAML documents) as one command and settles.</summary>
    public TestCluster Apply(string yaml)
    {
        var objects = EventEngine.Model.Yaml.ToJson(yaml).Select(n => n!.AsObject()).ToList();
        return Run(ApplyDecisions.Apply(State, objects, Now, NewId));
    }

    public TestCluster Node(string name, string labels = "{}", string taints = "[]") =>
        Apply($"{{apiVersion: v1, kind: Node, metadata: {{name: {name}, labels: {labels}}}, spec: {{taints: {taints}}}}}");

    public TestCluster Nodes(int count) => Apply(string.Join("\n---\n", Enumerable.Range(0, count).Select(i => $"{{apiVersion: v1, kind: Node, metadata: {{name: node-{i}}}}}")));

    /// <summary>A DaemonSet named foo in default selecting app=foo, with extra spec fields merged in.</summary>
    public TestCluster DaemonSet(string podSpec = "{}", string spec = "{}", string name = "foo") =>
        Apply(DaemonSetYaml(podSpec, spec, name));

    public static string DaemonSetYaml(string podSpec = "{}", string spec = "{}", string name = "foo")
    {
        var ds = Yaml($$$"""
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: {{{name}}}, namespace: default}
            spec:
              selector: {matchLabels: {app: {{{name}}}}}
              template:
                metadata: {labels: {app: {{{name}}}}}
                spec: {containers: [{name: c, image: img:1}]}
            """);
        var merged = MergePatch.Apply(ds, Yaml($"{{spec: {{template: {{spec: {podSpec}}}}}}}"));
        merged = MergePatch.Apply(merged, Yaml($"{{spec: {spec}}}"));
        return merged!.ToJsonString();
    }

    /// <summary>An OnDelete DaemonSet selecting app=agent with one container image: overlapping DaemonSets share a template.</summary>
    public static string OnDeleteAgent(string name, string image) =>
        $"{{apiVersion: apps/v1, kind: DaemonSet, metadata: {{name: {name}, namespace: default}}, spec: {{selector: {{matchLabels: {{app: agent}}}}, " +
        $"updateStrategy: {{type: OnDelete}}, template: {{metadata: {{labels: {{app: agent}}}}, spec: {{containers: [{{name: c, image: '{image}'}}]}}}}}}}}";

    public TestCluster Run(Decided decided)
    {
        if (decided.Failure is { } f) throw new InvalidOperationException($"refused: {f.Detail}");
        var result = Steps.Run(State, decided.Events, Now, NewId);
        return Record(result);
    }

    /// <summary>Folds a decision's events without settling: the state one sync of the controller starts from.</summary>
    public TestCluster Unsettled(Func<ClusterState, Decided> decide)
    {
        var decided = decide(State);
        if (decided.Failure is { } f) throw new InvalidOperationException($"refused: {f.Detail}");
        State = decided.Events.Aggregate(State, (s, e) => Fold.Evolve(s, new Recorded(NewId(), Now, e)));
        return this;
    }

    public TestCluster Advance(double seconds)
    {
        Now = Now.AddSeconds(seconds);
        return Record(Steps.Tick(State, Now, NewId));
    }

    public TestCluster PatchNode(string name, string patchYaml) => Run(NodeDecisions.Patch(State, name, Yaml(patchYaml), Now));

    public TestCluster PatchDaemonSet(string patchYaml, string name = "foo") =>
        Run(DaemonSetDecisions.Patch(State, "default/" + name, Yaml(patchYaml)));

    public TestCluster Report(string pod, string phase, bool ready) =>
        Run(PodDecisions.ReportStatus(State, "default", pod, new PodStatus
        {
            Phase = phase,
            Conditions = [new PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = Now }],
        }, Now));

    /// <summary>Every live pod of the DaemonSet reports Running and Ready.</summary>
    public TestCluster ReadyAll(string name = "foo")
    {
        foreach (var pod in PodsOf(name).Where(p => p.IsLive && !p.Ready).ToList()) Report(pod.Name, "Running", true);
        return this;
    }

    private TestCluster Record(StepResult result)
    {
        State = result.State;
        LastStep.Clear();
        LastStep.AddRange(result.All);
        var problems = Fold.CheckIndexes(State);
        if (problems.Count > 0) throw new InvalidOperationException("fold indexes drifted: " + string.Join("; ", problems));
        return this;
    }

    public DaemonSetState Ds(string name = "foo") => State.DaemonSets["default/" + name];

    public List<PodState> PodsOf(string name = "foo") =>
        State.Pods.Values.Where(p => p.Namespace == "default" && p.Controller?.Uid == Ds(name).Uid).OrderBy(p => p.TargetNode ?? "", NaturalOrder.Instance).ToList();

    public List<PodState> LivePods(string name = "foo") => PodsOf(name).Where(p => p.IsLive).ToList();

    public PodState PodOn(string node, string name = "foo") => LivePods(name).Single(p => p.TargetNode == node);

    public DaemonSetStatus Status(string name = "foo") => Ds(name).Status;

    public List<T> Emitted<T>() where T : IEvent => LastStep.Select(e => e.Event.Event).OfType<T>().ToList();

    public List<Emitted> EmittedOf<T>() where T : IEvent => LastStep.Where(e => e.Event.Event is T).ToList();

    public Plan Reconcile() => Reconciler.Reconcile(State, Now, ReconcileScope.All);
}
