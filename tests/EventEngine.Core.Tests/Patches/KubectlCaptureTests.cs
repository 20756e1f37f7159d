using EventEngine.Decisions;
using EventEngine.Model.Patches;
using static EventEngine.Core.Tests.Patches.Captured;

namespace EventEngine.Core.Tests.Patches;

/// <summary>
/// Every patch kubectl 1.32 was seen sending (notes, section 4.3), applied to the object it was sent for; the result
/// is what the API server would store.
/// </summary>
public sealed class KubectlCaptureTests
{
    private static readonly string OneTaint = With(Node1, ("spec", $$$"""{"taints":[{{{DedicatedTaint}}}]}"""));
    private static readonly string TwoTaints = With(Node1, ("spec", $$$"""{"taints":[{{{OtherTaint}}},{{{DedicatedTaint}}}]}"""));
    private static readonly string Cordoned = With(Node1, ("spec", """{"unschedulable":true}"""));
    private static readonly string ContainerB = Container("""[{"name":"B","value":"2"}]""", "busybox:1.37");
    private static readonly string AgentB = Agent($"[{ContainerB}]", LastAppliedB);
    private static readonly string Finalizer = "example.com/a";

    private static string With(string json, params (string, string?)[] changes) => Canonical.With(json, changes);

    public static TheoryData<string, string, string, string, string> StrategicPatches => new()
    {
        {
            "taint node node-1 dedicated=infra:NoSchedule (no taints before)", "Node", Node1,
            $$$"""{"spec":{"taints":[{{{DedicatedTaint}}}]}}""",
            OneTaint
        },
        {
            "taint node node-1 other=x:NoExecute (one taint before): the whole new list", "Node", OneTaint,
            $$$"""{"spec":{"taints":[{{{OtherTaint}}},{{{DedicatedTaint}}}]}}""",
            TwoTaints
        },
        {
            "taint node node-1 dedicated=infra:NoSchedule-", "Node", TwoTaints,
            $$$"""{"spec":{"taints":[{{{OtherTaint}}}]}}""",
            With(Node1, ("spec", $$$"""{"taints":[{{{OtherTaint}}}]}"""))
        },
        {
            "taint node node-1 other- (the last taint)", "Node", With(Node1, ("spec", $$$"""{"taints":[{{{OtherTaint}}}]}""")),
            """{"spec":{"taints":null}}""",
            Node1
        },
        { "cordon node-1", "Node", Node1, """{"spec":{"unschedulable":true}}""", Cordoned },
        { "uncordon node-1", "Node", Cordoned, """{"spec":{"unschedulable":null}}""", Node1 },
        { "drain node-1 --dry-run=server cordons first", "Node", OneTaint, """{"spec":{"unschedulable":true}}""", With(OneTaint, ("spec.unschedulable", "true")) },
        {
            "apply a Node manifest whose labels and taints changed", "Node",
            With(Node1,
                ("metadata.labels", """{"kubernetes.io/hostname":"node-1","tier":"a"}"""),
                ("metadata.annotations", $$$"""{"{{{LastAppliedKey}}}":"old"}"""),
                ("spec", """{"taints":[{"effect":"NoSchedule","key":"k","value":"v"}]}""")),
            $$$"""{"metadata":{"annotations":{"{{{LastAppliedKey}}}":"new"},"labels":{"tier":"b"}},"spec":{"taints":[{"effect":"NoSchedule","key":"k","value":"w"}]}}""",
            With(Node1,
                ("metadata.labels", """{"kubernetes.io/hostname":"node-1","tier":"b"}"""),
                ("metadata.annotations", $$$"""{"{{{LastAppliedKey}}}":"new"}"""),
                ("spec", """{"taints":[{"effect":"NoSchedule","key":"k","value":"w"}]}"""))
        },
        {
            "set image ds/agent agent=busybox:1.38", "DaemonSet", Agent(),
            """{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"agent"}],"containers":[{"image":"busybox:1.38","name":"agent"}]}}}}""",
            With(Agent(), ("spec.template.spec.containers", $"[{Container(EnvA, "busybox:1.38")}]"))
        },
        {
            "apply -f ds2.yaml (re-apply: image changed, env A to B)", "DaemonSet", Agent(),
            """
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":@}},
             "spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"agent"}],
               "containers":[{"$setElementOrder/env":[{"name":"B"}],"env":[{"name":"B","value":"2"},{"$patch":"delete","name":"A"}],"image":"busybox:1.37","name":"agent"}]}}}}
            """.Replace("@", Canonical.Quote(LastAppliedB)),
            AgentB
        },
        {
            "apply -f dsbad.yaml (an unknown field is kept: strict decoding refuses it later)", "DaemonSet", AgentB,
            """
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"bad"}},
             "spec":{"bogusField":1,"template":{"spec":{"$setElementOrder/containers":[{"name":"agent"}],
               "containers":[{"$setElementOrder/env":[{"name":"A"}],"env":[{"name":"A","value":"1"},{"$patch":"delete","name":"B"}],"image":"busybox:1.36","name":"agent"}]}}}}
            """,
            With(Agent(), ("metadata.annotations", $$$"""{"deprecated.daemonset.template.generation":"1","{{{LastAppliedKey}}}":"bad"}"""), ("spec.bogusField", "1"))
        },
        {
            "rollout undo ds/agent --to-revision=1 (the revision's data verbatim)", "DaemonSet",
            With(AgentB, ("spec.template.metadata", """{"labels":{"app":"agent"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-12-04T13:00:00Z"}}""")),
            """{"spec": {"template": {"$patch": "replace", "metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"env": [{"name": "A", "value": "1"}], "image": "busybox:1.36", "name": "agent", "ports": [{"containerPort": 8080}]}], "tolerations": [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}]}}}}""",
            With(AgentB, ("spec.template", $$$"""{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"agent","ports":[{"containerPort":8080}]}],"tolerations":[{{{Toleration}}}]}}"""))
        },
        {
            "apply: volume source emptyDir to hostPath, tolerations removed, finalizer added", "DaemonSet",
            With(Agent(), ("spec.template.spec.volumes", """[{"name":"v","emptyDir":{}}]""")),
            """{"metadata":{"finalizers":["example.com/a"]},"spec":{"template":{"spec":{"$setElementOrder/volumes":[{"name":"v"}],"tolerations":null,"volumes":[{"$retainKeys":["hostPath","name"],"emptyDir":null,"hostPath":{"path":"/var/x"},"name":"v"}]}}}}""",
            With(Agent(),
                ("metadata.finalizers", $"[\"{Finalizer}\"]"),
                ("spec.template.spec.tolerations", null),
                ("spec.template.spec.volumes", """[{"hostPath":{"path":"/var/x"},"name":"v"}]"""))
        },
        {
            "apply: finalizers [a] to [a, b]", "DaemonSet", With(Agent(), ("metadata.finalizers", """["example.com/a"]""")),
            """{"metadata":{"$setElementOrder/finalizers":["example.com/a","example.com/b"],"finalizers":["example.com/b"]}}""",
            With(Agent(), ("metadata.finalizers", """["example.com/a","example.com/b"]"""))
        },
        {
            "apply: finalizers [a, b] to [a]", "DaemonSet", With(Agent(), ("metadata.finalizers", """["example.com/a","example.com/b"]""")),
            """{"metadata":{"$deleteFromPrimitiveList/finalizers":["example.com/b"],"$setElementOrder/finalizers":["example.com/a"],"finalizers":["example.com/a"]}}""",
            With(Agent(), ("metadata.finalizers", """["example.com/a"]"""))
        },
    };

    [Theory]
    [MemberData(nameof(StrategicPatches))]
    public void StrategicMergePatch_FromKubectl_GivesWhatTheServerStores(string command, string kind, string original, string patch, string expected)
    {
        var schema = PatchSchema.For(kind == "Node" ? "v1" : "apps/v1", kind)!;
        var result = StrategicMergePatch.Apply(Canonical.Parse(original), Canonical.Parse(patch)!, schema);
        Canonical.Equal(expected, result, command);
    }

    public static TheoryData<string, string, string?> MergePatches => new()
    {
        { "label node node-1 disk=ssd", """{"metadata":{"labels":{"disk":"ssd"}}}""", """{"kubernetes.io/arch":"amd64","kubernetes.io/hostname":"node-1","kubernetes.io/os":"linux","disk":"ssd"}""" },
        { "label node node-1 disk=hdd --overwrite", """{"metadata":{"labels":{"disk":"hdd"}}}""", """{"kubernetes.io/arch":"amd64","kubernetes.io/hostname":"node-1","kubernetes.io/os":"linux","disk":"hdd"}""" },
        { "label node node-1 disk-", """{"metadata":{"labels":{"disk":null}}}""", """{"kubernetes.io/arch":"amd64","kubernetes.io/hostname":"node-1","kubernetes.io/os":"linux"}""" },
        { "annotate (metadata without annotations)", """{"metadata":{"annotations":{"kubernetes.io/change-cause":"hello"}}}""", null },
    };

    /// <summary>label and annotate send JSON merge patches; on maps alone the strategic merge agrees with them.</summary>
    [Theory]
    [MemberData(nameof(MergePatches))]
    public void MergePatch_FromKubectl_GivesTheSameUnderBothEngines(string command, string patch, string? labels)
    {
        var original = With(Node1, ("metadata.labels", """{"kubernetes.io/arch":"amd64","kubernetes.io/hostname":"node-1","kubernetes.io/os":"linux","disk":"old"}"""));
        var expected = labels is null
            ? With(original, ("metadata.annotations", """{"kubernetes.io/change-cause":"hello"}"""))
            : With(original, ("metadata.labels", labels));
        Canonical.Equal(expected, MergePatch.Apply(Canonical.Parse(original), Canonical.Parse(patch)), command);
        Canonical.Equal(expected, StrategicMergePatch.Apply(Canonical.Parse(original), Canonical.Parse(patch)!, PatchSchema.For("v1", "Node")!), command);
    }
}
