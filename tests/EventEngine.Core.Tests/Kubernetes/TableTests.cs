using System.Text.Json.Nodes;
using EventEngine.Api.Kubernetes;

namespace EventEngine.Core.Tests.Kubernetes;

/// <summary>
/// Server-side printing as Kubernetes 1.32 does it; the row cases are printers_test.go's (TestPrintPod,
/// TestPrintPodWithRestartableInitContainer, TestPrintPodwide, TestPrintNodeStatus, TestPrintNodeRole, TestPrintEvent,
/// TestPrintNamespace, TestPrintDaemonSet, TestPrintControllerRevision), written as the v1 JSON the API serves.
/// </summary>
public sealed class TableTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static string Ago(TimeSpan d) => EventEngine.Model.Json.FormatTime(Now - d);

    /// <summary>Parses JSON in which @ago(10s), @ago(2m), @ago(5d) stand for the time that long before Now.</summary>
    private static JsonObject Obj(string json) =>
        JsonNode.Parse(System.Text.RegularExpressions.Regex.Replace(json, @"@ago\((\d+)([smhd])\)", m =>
        {
            var n = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return Ago(m.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            });
        }))!.AsObject();

    /// <summary>The cells as text, numbers as "#n", to compare with the upstream expectations in one string.</summary>
    private static string Cells(ApiResource resource, string json, bool wide = true)
    {
        var cells = Tables.Cells(resource, Obj(json), Now).Select(c => c!.GetValueKind() == System.Text.Json.JsonValueKind.Number ? "#" + c : (string)c!);
        var columns = Tables.Columns(resource);
        return string.Join(" | ", cells.Where((_, i) => wide || columns[i].Priority == 0));
    }

    private static string Pod(string spec, string status, string metadata = """{"name":"test"}""") =>
        $$"""{"metadata":{{metadata}},"spec":{{spec}},"status":{{status}}}""";

    private static readonly string TwoContainers = """{"containers":[{"name":"a"},{"name":"b"}]}""";
    private static readonly string OneContainer = """{"containers":[{"name":"a"}]}""";

    public static TheoryData<string, string> PodRows => new()
    {
        // TestPrintPod
        { Pod(TwoContainers, """{"phase":"podPhase","containerStatuses":[{"ready":true,"restartCount":3,"state":{"running":{}}},{"restartCount":3}]}"""),
            "test | 1/2 | podPhase | 6 | <unknown>" },
        { Pod(TwoContainers, """{"phase":"podPhase","containerStatuses":[{"ready":true,"restartCount":3,"state":{"running":{}}},{"restartCount":3,"state":{"waiting":{"reason":"ContainerWaitingReason"}}}]}"""),
            "test | 1/2 | ContainerWaitingReason | 6 | <unknown>" },
        { Pod(TwoContainers, """{"phase":"podPhase","containerStatuses":[{"restartCount":3,"state":{"waiting":{"reason":"ContainerWaitingReason"}}},{"restartCount":3,"state":{"terminated":{"reason":"ContainerTerminatedReason"}}}]}"""),
            "test | 0/2 | ContainerWaitingReason | 6 | <unknown>" },
        { Pod(TwoContainers, """{"phase":"podPhase","containerStatuses":[{"ready":true,"restartCount":3,"state":{"running":{}}},{"ready":true,"restartCount":3}]}"""),
            "test | 1/2 | podPhase | 6 | <unknown>" },
        { Pod(TwoContainers, """{"reason":"podReason","phase":"podPhase","containerStatuses":[{"ready":true,"restartCount":3,"state":{"running":{}}},{"ready":true,"restartCount":3}]}"""),
            "test | 1/2 | podReason | 6 | <unknown>" },
        { Pod(TwoContainers, """{"phase":"Running","containerStatuses":[{"ready":true,"restartCount":3,"state":{"terminated":{"reason":"Completed","exitCode":0}}},{"ready":true,"restartCount":3,"state":{"running":{}}}]}"""),
            "test | 1/2 | NotReady | 6 | <unknown>" },
        { Pod(TwoContainers, """{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"ready":true,"restartCount":3,"state":{"terminated":{"reason":"Completed","exitCode":0}}},{"ready":true,"restartCount":3,"state":{"running":{}}}]}"""),
            "test | 1/2 | Running | 6 | <unknown>" },
        { Pod("""{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]}""",
              """{"phase":"podPhase","initContainerStatuses":[{"restartCount":3,"state":{"running":{}},"lastState":{"terminated":{"finishedAt":"@ago(10s)"}}}],"containerStatuses":[{"state":{"waiting":{}}}]}"""),
            "test | 0/1 | Init:0/1 | 3 (10s ago) | <unknown>" },
        { Pod("""{"initContainers":[{"name":"i"},{"name":"j"}],"containers":[{"name":"a"}]}""",
              """{"phase":"podPhase","initContainerStatuses":[{"restartCount":3,"state":{"running":{}},"lastState":{"terminated":{"finishedAt":"@ago(10s)"}}},{"state":{"waiting":{}}}],"containerStatuses":[{"state":{"waiting":{}}}]}"""),
            "test | 0/1 | Init:0/2 | 3 (10s ago) | <unknown>" },
        { Pod("""{"initContainers":[{"name":"i"},{"name":"j"}],"containers":[{"name":"a"}]}""",
              """{"phase":"podPhase","initContainerStatuses":[{"state":{"terminated":{}}},{"restartCount":3,"state":{"running":{}},"lastState":{"terminated":{"finishedAt":"@ago(10s)"}}}],"containerStatuses":[{"state":{"waiting":{}}}]}"""),
            "test | 0/1 | Init:1/2 | 3 (10s ago) | <unknown>" },
        { Pod("""{"initContainers":[{"name":"i"},{"name":"j"}],"containers":[{"name":"a"}]}""",
              """{"phase":"podPhase","initContainerStatuses":[{"restartCount":2,"state":{"terminated":{}},"lastState":{"terminated":{"finishedAt":"@ago(2m)"}}},{"restartCount":3,"state":{"running":{}},"lastState":{"terminated":{"finishedAt":"@ago(10s)"}}}],"containerStatuses":[{"state":{"waiting":{}}}]}"""),
            "test | 0/1 | Init:1/2 | 5 (10s ago) | <unknown>" },
        { Pod("""{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]}""",
              """{"phase":"Running","initContainerStatuses":[{"restartCount":2,"state":{"terminated":{}},"lastState":{"terminated":{"finishedAt":"@ago(2m)"}}}],"containerStatuses":[{"restartCount":4,"state":{"running":{}},"lastState":{"terminated":{"finishedAt":"@ago(20s)"}}}]}"""),
            "test | 0/1 | Running | 4 (20s ago) | <unknown>" },
        { Pod(OneContainer, """{"phase":"Running","containerStatuses":[{"ready":true,"restartCount":3,"state":{"running":{}},"lastState":{"terminated":{"finishedAt":"@ago(5d)"}}}]}"""),
            "test | 1/1 | Running | 3 (5d ago) | <unknown>" },
        { Pod(TwoContainers, """{"phase":"Running","containerStatuses":[{"ready":true,"state":{"running":{}}},{"ready":true,"restartCount":3,"state":{"running":{}},"lastState":{"terminated":{"finishedAt":"@ago(10d)"}}}]}"""),
            "test | 2/2 | Running | 3 (10d ago) | <unknown>" },
        { Pod(TwoContainers, """{"phase":"Running","containerStatuses":[{"ready":true,"restartCount":6,"state":{"running":{}},"lastState":{"terminated":{"finishedAt":"@ago(5d)"}}},{"ready":true,"restartCount":3,"state":{"running":{}},"lastState":{"terminated":{"finishedAt":"@ago(20d)"}}}]}"""),
            "test | 2/2 | Running | 9 (5d ago) | <unknown>" },
        { Pod(TwoContainers, """{"phase":"podPhase","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}"""),
            "test | 0/2 | SchedulingGated | 0 | <unknown>" },
        { Pod(OneContainer, """{"phase":"Succeeded","containerStatuses":[{"state":{"terminated":{"reason":"Completed","exitCode":0}}}]}"""),
            "test | 0/1 | Completed | 0 | <unknown>" },
        { Pod(OneContainer, """{"phase":"Failed","containerStatuses":[{"state":{"terminated":{"reason":"Error","exitCode":1}}}]}"""),
            "test | 0/1 | Error | 0 | <unknown>" },
        { Pod(OneContainer, """{"phase":"Succeeded","containerStatuses":[{"state":{"terminated":{"reason":"Completed","exitCode":0}}}]}""", """{"name":"test","deletionTimestamp":"@ago(10s)"}"""),
            "test | 0/1 | Completed | 0 | <unknown>" },
        { Pod(OneContainer, """{"phase":"Running","containerStatuses":[{"state":{"running":{}}}]}""", """{"name":"test","deletionTimestamp":"@ago(10s)"}"""),
            "test | 0/1 | Terminating | 0 | <unknown>" },
        { Pod(OneContainer, """{"phase":"Pending"}""", """{"name":"test","deletionTimestamp":"@ago(10s)"}"""),
            "test | 0/1 | Terminating | 0 | <unknown>" },
        { Pod(OneContainer, """{"phase":"Running","reason":"NodeLost"}""", """{"name":"test","deletionTimestamp":"@ago(10s)"}"""),
            "test | 0/1 | Unknown | 0 | <unknown>" },
        { Pod(OneContainer, """{"phase":"Running","containerStatuses":[{"state":{"terminated":{"signal":9}}}]}"""),
            "test | 0/1 | Signal:9 | 0 | <unknown>" },
        { Pod(OneContainer, """{"phase":"Running","containerStatuses":[{"state":{"terminated":{"exitCode":2}}}]}"""),
            "test | 0/1 | ExitCode:2 | 0 | <unknown>" },
        { Pod("""{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]}""", """{"phase":"Pending","initContainerStatuses":[{"state":{"terminated":{"exitCode":3}}}]}"""),
            "test | 0/1 | Init:ExitCode:3 | 0 | <unknown>" },
        { Pod("""{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]}""", """{"phase":"Pending","initContainerStatuses":[{"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}"""),
            "test | 0/1 | Init:CrashLoopBackOff | 0 | <unknown>" },
        // TestPrintPodWithRestartableInitContainer
        { Pod("""{"initContainers":[{"name":"r1","restartPolicy":"Always"},{"name":"r2","restartPolicy":"Always"}],"containers":[{"name":"a"}]}""",
              """{"phase":"Pending","initContainerStatuses":[{"name":"r1","restartCount":3,"state":{"running":{}},"started":false,"lastState":{"terminated":{"finishedAt":"@ago(10s)"}}},{"name":"r2","state":{"waiting":{}},"started":false}],"containerStatuses":[{"state":{"waiting":{}}}],"conditions":[{"type":"Initialized","status":"False"}]}"""),
            "test | 0/3 | Init:0/2 | 3 (10s ago) | <unknown>" },
        { Pod("""{"initContainers":[{"name":"r1","restartPolicy":"Always"},{"name":"r2","restartPolicy":"Always"}],"containers":[{"name":"a"}]}""",
              """{"phase":"Pending","initContainerStatuses":[{"name":"r1","restartCount":3,"state":{"running":{}},"started":true,"lastState":{"terminated":{"finishedAt":"@ago(10s)"}}},{"name":"r2","state":{"running":{}},"started":false}],"containerStatuses":[{"state":{"waiting":{}}}],"conditions":[{"type":"Initialized","status":"False"}]}"""),
            "test | 0/3 | Init:1/2 | 3 (10s ago) | <unknown>" },
        { Pod("""{"initContainers":[{"name":"r1","restartPolicy":"Always"},{"name":"r2","restartPolicy":"Always"}],"containers":[{"name":"a"}]}""",
              """{"phase":"Running","initContainerStatuses":[{"name":"r1","restartCount":3,"state":{"running":{}},"started":true,"lastState":{"terminated":{"finishedAt":"@ago(10s)"}}},{"name":"r2","state":{"running":{}},"started":true}],"containerStatuses":[{"ready":true,"restartCount":4,"state":{"running":{}},"lastState":{"terminated":{"finishedAt":"@ago(20s)"}}}],"conditions":[{"type":"Initialized","status":"True"}]}"""),
            "test | 1/3 | Running | 7 (10s ago) | <unknown>" },
        { Pod("""{"initContainers":[{"name":"r1","restartPolicy":"Always"},{"name":"r2","restartPolicy":"Always"}],"containers":[{"name":"a"}]}""",
              """{"phase":"Succeeded","initContainerStatuses":[{"name":"r1","restartCount":3,"state":{"terminated":{"reason":"Error","exitCode":137}},"started":false,"lastState":{"terminated":{"finishedAt":"@ago(10s)"}}},{"name":"r2","state":{"terminated":{"reason":"Error","exitCode":137}},"started":false}],"containerStatuses":[{"restartCount":4,"state":{"terminated":{"reason":"Completed","exitCode":0}},"lastState":{"terminated":{"finishedAt":"@ago(20s)"}}}],"conditions":[{"type":"Initialized","status":"True"}]}"""),
            "test | 0/3 | Completed | 7 (10s ago) | <unknown>" },
        { Pod("""{"initContainers":[{"name":"init1","image":"initimage"},{"name":"sidecar1","image":"sidecarimage","restartPolicy":"Always"}],"containers":[{"name":"container1","image":"containerimage"}]}""",
              """{"phase":"Running","initContainerStatuses":[{"name":"initinvalid"},{"name":"init1"},{"name":"sidecar1"}],"containerStatuses":[{"name":"containerinvalid"},{"name":"container1"}]}"""),
            "test | 0/2 | Init:0/2 | 0 | <unknown>" },
    };

    [Theory]
    [MemberData(nameof(PodRows))]
    public void PodRow_AsPrintPod(string pod, string expected) => Assert.Equal(expected, Cells(ApiResources.Pods, pod, wide: false));

    [Theory] // TestPrintPodwide
    [InlineData("""{"phase":"podPhase","podIPs":[{"ip":"1.1.1.1"}],"nominatedNodeName":"node1","conditions":[{"type":"condition1","status":"False"},{"type":"condition2","status":"True"}],"containerStatuses":[{"ready":true,"restartCount":3,"state":{"running":{}}},{"restartCount":3}]}""",
        """{"nodeName":"test1","containers":[{},{}],"readinessGates":[{"conditionType":"condition1"},{"conditionType":"condition2"},{"conditionType":"condition3"}]}""",
        "test | 1/2 | podPhase | 6 | <unknown> | 1.1.1.1 | test1 | node1 | 1/3")]
    [InlineData("""{"phase":"podPhase","podIPs":[{"ip":"1.1.1.1"},{"ip":"2001:db8::"}],"nominatedNodeName":"node1","conditions":[{"type":"condition1","status":"False"},{"type":"condition2","status":"True"}],"containerStatuses":[{"ready":true,"restartCount":3,"state":{"running":{}}},{"restartCount":3}]}""",
        """{"nodeName":"test1","containers":[{},{}],"readinessGates":[{"conditionType":"condition1"},{"conditionType":"condition2"},{"conditionType":"condition3"}]}""",
        "test | 1/2 | podPhase | 6 | <unknown> | 1.1.1.1 | test1 | node1 | 1/3")]
    [InlineData("""{"phase":"podPhase","containerStatuses":[{"ready":true,"restartCount":3,"state":{"running":{}}},{"restartCount":3,"state":{"waiting":{"reason":"ContainerWaitingReason"}}}]}""",
        """{"containers":[{},{}]}""",
        "test | 1/2 | ContainerWaitingReason | 6 | <unknown> | <none> | <none> | <none> | <none>")]
    public void PodRow_Wide(string status, string spec, string expected) => Assert.Equal(expected, Cells(ApiResources.Pods, Pod(spec, status)));

    [Fact] // TestPrintPodConditions
    public void FinishedPods_CarryTheCompletedRowCondition()
    {
        var succeeded = Tables.Row(ApiResources.Pods, Obj(Pod(TwoContainers, """{"phase":"Succeeded"}""")), Now);
        Assert.Equal("""[{"type":"Completed","status":"True","reason":"Succeeded","message":"The pod has completed successfully."}]""", succeeded["conditions"]!.ToJsonString());
        var failed = Tables.Row(ApiResources.Pods, Obj(Pod(TwoContainers, """{"phase":"Failed"}""")), Now);
        Assert.Equal("""[{"type":"Completed","status":"True","reason":"Failed","message":"The pod failed."}]""", failed["conditions"]!.ToJsonString());
        Assert.Null(Tables.Row(ApiResources.Pods, Obj(Pod(TwoContainers, """{"phase":"Running"}""")), Now)["conditions"]);
    }

    [Theory] // TestPrintNodeStatus, TestPrintNodeRole
    [InlineData("""{"metadata":{"name":"foo1"},"status":{"conditions":[{"type":"Ready","status":"True"}]}}""", "foo1 | Ready | <none> | <unknown> | ")]
    [InlineData("""{"metadata":{"name":"foo2"},"spec":{"unschedulable":true},"status":{"conditions":[{"type":"Ready","status":"True"}]}}""", "foo2 | Ready,SchedulingDisabled | <none> | <unknown> | ")]
    [InlineData("""{"metadata":{"name":"foo3"},"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Ready","status":"True"}]}}""", "foo3 | Ready | <none> | <unknown> | ")]
    [InlineData("""{"metadata":{"name":"foo4"},"status":{"conditions":[{"type":"Ready","status":"False"}]}}""", "foo4 | NotReady | <none> | <unknown> | ")]
    [InlineData("""{"metadata":{"name":"foo5"},"spec":{"unschedulable":true},"status":{"conditions":[{"type":"Ready","status":"False"}]}}""", "foo5 | NotReady,SchedulingDisabled | <none> | <unknown> | ")]
    [InlineData("""{"metadata":{"name":"foo6"},"status":{"conditions":[{"type":"InvalidValue","status":"True"}]}}""", "foo6 | Unknown | <none> | <unknown> | ")]
    [InlineData("""{"metadata":{"name":"foo7"},"status":{"conditions":[{}]}}""", "foo7 | Unknown | <none> | <unknown> | ")]
    [InlineData("""{"metadata":{"name":"foo8"},"spec":{"unschedulable":true},"status":{"conditions":[{"type":"InvalidValue","status":"True"}]}}""", "foo8 | Unknown,SchedulingDisabled | <none> | <unknown> | ")]
    [InlineData("""{"metadata":{"name":"foo9"}}""", "foo9 | Unknown | <none> | <unknown> | ")]
    [InlineData("""{"metadata":{"name":"foo10","labels":{"node-role.kubernetes.io/master":"","node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/proxy":"","kubernetes.io/role":"node"}}}""", "foo10 | Unknown | control-plane,master,node,proxy | <unknown> | ")]
    [InlineData("""{"metadata":{"name":"foo11","labels":{"kubernetes.io/role":"node"}}}""", "foo11 | Unknown | node | <unknown> | ")]
    [InlineData("""{"metadata":{"name":"foo12","labels":{"node-role.kubernetes.io/":"x"}},"status":{"nodeInfo":{"kubeletVersion":"v1.32.4"}}}""", "foo12 | Unknown | <none> | <unknown> | v1.32.4")]
    public void NodeRow_AsPrintNode(string node, string expected) => Assert.Equal(expected, Cells(ApiResources.Nodes, node, wide: false));

    [Theory] // TestPrintNodeOSImage, TestPrintNodeKernelVersion, TestPrintNodeContainerRuntimeVersion, TestPrintNodeExternalIP, TestPrintNodeInternalIP
    [InlineData("""{"nodeInfo":{"osImage":"fake-os-image"},"addresses":[{"type":"ExternalIP","address":"1.1.1.1"}]}""", "<none> | 1.1.1.1 | fake-os-image | <unknown> | <unknown>")]
    [InlineData("""{"nodeInfo":{"kernelVersion":"fake-kernel-version"},"addresses":[{"type":"ExternalIP","address":"1.1.1.1"}]}""", "<none> | 1.1.1.1 | <unknown> | fake-kernel-version | <unknown>")]
    [InlineData("""{"nodeInfo":{"containerRuntimeVersion":"foo://1.2.3"},"addresses":[{"type":"ExternalIP","address":"1.1.1.1"}]}""", "<none> | 1.1.1.1 | <unknown> | <unknown> | foo://1.2.3")]
    [InlineData("""{"addresses":[{"type":"InternalIP","address":"1.1.1.1"}]}""", "1.1.1.1 | <none> | <unknown> | <unknown> | <unknown>")]
    [InlineData("""{"addresses":[{"type":"ExternalIP","address":"2.2.2.2"},{"type":"InternalIP","address":"3.3.3.3"},{"type":"ExternalIP","address":"4.4.4.4"}]}""", "3.3.3.3 | 2.2.2.2 | <unknown> | <unknown> | <unknown>")]
    [InlineData("""{"addresses":[{"type":"InternalIP","address":"2.2.2.2"},{"type":"ExternalIP","address":"3.3.3.3"},{"type":"InternalIP","address":"4.4.4.4"}]}""", "2.2.2.2 | 3.3.3.3 | <unknown> | <unknown> | <unknown>")]
    public void NodeRow_WideColumns(string status, string expected) =>
        Assert.EndsWith(" | " + expected, Cells(ApiResources.Nodes, $$"""{"metadata":{"name":"foo"},"status":{{status}}}"""));

    public static TheoryData<string, string> EventRows => new()
    {
        // TestPrintEvent (wide)
        { """{"metadata":{"name":"event2"},"source":{"component":"kubelet","host":"Node1"},"involvedObject":{"kind":"Deployment","name":"Deployment Name","fieldPath":"spec.containers{foo}"},"reason":"Event Reason","message":"Message Data","firstTimestamp":"@ago(3d)","lastTimestamp":"@ago(2d)","count":6,"type":"Warning"}""",
            "2d | Warning | Event Reason | deployment/Deployment Name | spec.containers{foo} | kubelet, Node1 | Message Data | 3d | #6 | event2" },
        { """{"metadata":{"name":"event3"},"source":{"component":"kubelet","host":"Node1"},"involvedObject":{"kind":"Deployment","name":"Deployment Name","fieldPath":"spec.containers{foo}"},"reason":"Event Reason","message":"Message Data","eventTime":"@ago(3d)","lastTimestamp":"@ago(3d)","count":1,"type":"Warning"}""",
            "3d | Warning | Event Reason | deployment/Deployment Name | spec.containers{foo} | kubelet, Node1 | Message Data | 3d | #1 | event3" },
        { """{"metadata":{"name":"event4"},"source":{"component":"kubelet","host":"Node1"},"involvedObject":{"kind":"Deployment","name":"Deployment Name","fieldPath":"spec.containers{foo}"},"reason":"Event Reason","message":"Message Data","eventTime":"@ago(3d)","firstTimestamp":"@ago(3d)","count":1,"type":"Warning"}""",
            "3d | Warning | Event Reason | deployment/Deployment Name | spec.containers{foo} | kubelet, Node1 | Message Data | 3d | #1 | event4" },
        { """{"metadata":{"name":"event5"},"source":{"component":"kubelet","host":"Node1"},"involvedObject":{"kind":"Deployment","name":"Deployment Name","fieldPath":"spec.containers{foo}"},"reason":"Event Reason","message":"Message Data","eventTime":"@ago(3d)","count":1,"type":"Warning"}""",
            "3d | Warning | Event Reason | deployment/Deployment Name | spec.containers{foo} | kubelet, Node1 | Message Data | 3d | #1 | event5" },
        { """{"metadata":{"name":"event6"},"source":{"component":"kubelet","host":"Node1"},"involvedObject":{"kind":"Deployment","name":"Deployment Name","fieldPath":"spec.containers{foo}"},"series":{"count":2,"lastObservedTime":"@ago(2d)"},"reason":"Event Reason","message":"Message Data","eventTime":"@ago(3d)","type":"Warning"}""",
            "2d | Warning | Event Reason | deployment/Deployment Name | spec.containers{foo} | kubelet, Node1 | Message Data | 3d | #2 | event6" },
        { """{"metadata":{"name":"event7"},"source":{"component":"kubelet","host":"Node1"},"involvedObject":{"kind":"Deployment","name":"Deployment Name","fieldPath":"spec.containers{foo}"},"reason":"Event Reason","message":"Message Data","eventTime":"@ago(3d)","type":"Warning"}""",
            "3d | Warning | Event Reason | deployment/Deployment Name | spec.containers{foo} | kubelet, Node1 | Message Data | 3d | #1 | event7" },
        { """{"metadata":{"name":"event2"},"reportingComponent":"kubelet","reportingInstance":"test","involvedObject":{"kind":"Deployment","name":"Deployment Name","fieldPath":"spec.containers{foo}"},"reason":"Event Reason","message":"Message Data","firstTimestamp":"@ago(3d)","lastTimestamp":"@ago(2d)","count":6,"type":"Warning"}""",
            "2d | Warning | Event Reason | deployment/Deployment Name | spec.containers{foo} | kubelet, test | Message Data | 3d | #6 | event2" },
        { """{"metadata":{"name":"agent.0000000000000071"},"involvedObject":{"kind":"DaemonSet","namespace":"default","name":"agent"},"reason":"SuccessfulCreate","message":"  Created pod: agent-x \n","source":{"component":"daemonset-controller"},"firstTimestamp":"@ago(45s)","lastTimestamp":"@ago(45s)","count":1,"type":"Normal"}""",
            "45s | Normal | SuccessfulCreate | daemonset/agent |  | daemonset-controller | Created pod: agent-x | 45s | #1 | agent.0000000000000071" },
        { """{"metadata":{"name":"e"},"involvedObject":{"kind":"Node"},"type":"Normal"}""",
            "<unknown> | Normal |  | node |  |  |  | <unknown> | #1 | e" },
    };

    [Theory]
    [MemberData(nameof(EventRows))]
    public void EventRow_AsPrintEvent(string e, string expected) => Assert.Equal(expected, Cells(ApiResources.Events, e));

    [Fact] // TestPrintEvent, not wide: what kubectl get events shows
    public void EventRow_NarrowColumns_AreLastSeenTypeReasonObjectMessage()
    {
        var e = """{"metadata":{"name":"event1"},"source":{"component":"kubelet"},"involvedObject":{"kind":"Pod","name":"Pod Name","fieldPath":"spec.containers{foo}"},"reason":"Event Reason","message":"Message Data","firstTimestamp":"@ago(3d)","lastTimestamp":"@ago(2d)","count":6,"type":"Normal"}""";
        Assert.Equal("2d | Normal | Event Reason | pod/Pod Name | Message Data", Cells(ApiResources.Events, e, wide: false));
    }

    [Theory] // TestPrintNamespace
    [InlineData("""{"metadata":{"name":"namespace1","creationTimestamp":"2026-12-04T12:00:01Z"},"status":{"phase":"FooStatus"}}""", "namespace1 | FooStatus | 0s")]
    [InlineData("""{"metadata":{"name":"namespace2"}}""", "namespace2 |  | <unknown>")]
    [InlineData("""{"metadata":{"name":"default","creationTimestamp":"2026-11-04T12:00:00Z"},"status":{"phase":"Active"}}""", "default | Active | 30d")]
    public void NamespaceRow_AsPrintNamespace(string ns, string expected) => Assert.Equal(expected, Cells(ApiResources.Namespaces, ns));

    [Theory] // TestPrintDaemonSet
    [InlineData("""
        {"metadata":{"name":"test1","creationTimestamp":"2026-12-04T12:00:00Z"},
         "spec":{"template":{"spec":{"containers":[{"name":"fake-container1","image":"fake-image1"},{"name":"fake-container2","image":"fake-image2"}]}}},
         "status":{"currentNumberScheduled":2,"desiredNumberScheduled":3,"numberReady":1,"updatedNumberScheduled":2,"numberAvailable":0}}
        """, "test1 | #3 | #2 | #1 | #2 | #0 | <none> | 0s | fake-container1,fake-container2 | fake-image1,fake-image2 | <none>")]
    [InlineData("""
        {"metadata":{"name":"agent","creationTimestamp":"2026-12-04T11:55:00Z"},
         "spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"spec":{"nodeSelector":{"role":"edge","disk":"ssd"},"containers":[{"name":"agent","image":"agent:1.2"}]}}},
         "status":{"currentNumberScheduled":5,"desiredNumberScheduled":5,"numberReady":4,"updatedNumberScheduled":5,"numberAvailable":4}}
        """, "agent | #5 | #5 | #4 | #5 | #4 | disk=ssd,role=edge | 5m | agent | agent:1.2 | app=agent")]
    public void DaemonSetRow_AsPrintDaemonSet(string ds, string expected) => Assert.Equal(expected, Cells(ApiResources.DaemonSets, ds));

    [Theory] // TestPrintControllerRevision, TestFormatResourceName
    [InlineData("""{"metadata":{"name":"test1","creationTimestamp":"2026-12-04T12:00:01Z","ownerReferences":[{"controller":true,"apiVersion":"apps/v1","kind":"DaemonSet","name":"foo"}]},"revision":1}""", "test1 | daemonset.apps/foo | #1 | 0s")]
    [InlineData("""{"metadata":{"name":"test2","creationTimestamp":"2026-12-04T12:00:01Z","ownerReferences":[{"controller":false,"kind":"ABC","name":"foo"}]},"revision":1}""", "test2 | <none> | #1 | 0s")]
    [InlineData("""{"metadata":{"name":"test3","creationTimestamp":"2026-12-04T12:00:01Z","ownerReferences":[]},"revision":2}""", "test3 | <none> | #2 | 0s")]
    [InlineData("""{"metadata":{"name":"test4","creationTimestamp":"2026-12-04T12:00:01Z"},"revision":2}""", "test4 | <none> | #2 | 0s")]
    [InlineData("""{"metadata":{"name":"test5","ownerReferences":[{"controller":true,"apiVersion":"v1","kind":"Kind","name":"name"}]},"revision":3}""", "test5 | kind/name | #3 | <unknown>")]
    public void ControllerRevisionRow_AsPrintControllerRevision(string revision, string expected) =>
        Assert.Equal(expected, Cells(ApiResources.ControllerRevisions, revision));

    [Theory]
    [InlineData("", "PartialObjectMetadata")]
    [InlineData("Metadata", "PartialObjectMetadata")]
    [InlineData("Object", "Pod")]
    [InlineData("None", null)]
    public void IncludeObject_GivesEachRowItsMetadata_TheWholeObject_OrNothing(string given, string? kind)
    {
        Assert.True(Tables.TryInclude(given, out var include));
        // a list's item may carry no kind: the whole object is given one, as the API server encodes it
        var pod = Obj("""{"metadata":{"name":"a","namespace":"default"},"spec":{"nodeName":"node-1","containers":[{"name":"c"}]},"status":{"phase":"Running"}}""");
        var row = Tables.Table(ApiResources.Pods, [pod], Now, include: include)["rows"]![0]!;
        Assert.Equal(kind, (string?)row["object"]?["kind"]);
        if (kind == "Pod") Assert.Equal(("v1", "node-1"), ((string?)row["object"]!["apiVersion"], (string?)row["object"]!["spec"]!["nodeName"]));
        Assert.False(Tables.TryInclude("All", out _));
        Assert.False(Tables.TryInclude("object", out _));
    }

    [Fact]
    public void Table_HasTheApiServersShape()
    {
        var pods = new[]
        {
            Obj("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"default","uid":"u1","resourceVersion":"7","creationTimestamp":"2026-12-04T11:00:00Z","labels":{"app":"agent"},"annotations":{"x":"y"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"agent","uid":"d1","controller":true}],"deletionTimestamp":"2026-12-04T11:59:00Z"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Running"}}"""),
            Obj("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"},"spec":{},"status":{}}"""),
        };
        var table = Tables.Table(ApiResources.Pods, pods, Now, resourceVersion: "42", continueToken: "next");
        Assert.Equal("Table", (string)table["kind"]!);
        Assert.Equal("meta.k8s.io/v1", (string)table["apiVersion"]!);
        Assert.Equal("""{"resourceVersion":"42","continue":"next"}""", table["metadata"]!.ToJsonString());
        Assert.Equal(["kind", "apiVersion", "metadata", "columnDefinitions", "rows"], table.Select(p => p.Key));
        var rows = table["rows"]!.AsArray();
        Assert.Equal(2, rows.Count);
        var row = rows[0]!.AsObject();
        Assert.Equal(["cells", "object"], row.Select(p => p.Key));
        Assert.Equal("""["a","0/1","Terminating","0","60m","<none>","<none>","<none>","<none>"]""", row["cells"]!.ToJsonString(EventEngine.Model.Json.Options));
        var partial = row["object"]!.AsObject();
        Assert.Equal("PartialObjectMetadata", (string)partial["kind"]!);
        Assert.Equal("meta.k8s.io/v1", (string)partial["apiVersion"]!);
        Assert.Equal(pods[0]["metadata"]!.ToJsonString(), partial["metadata"]!.ToJsonString());
        Assert.NotSame(pods[0]["metadata"], partial["metadata"]);
        Assert.Equal("""{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"b"}}""", rows[1]!["object"]!.ToJsonString());
    }

    [Fact]
    public void Table_OfNothing_HasColumnsAndAnEmptyRowList_AndNoListMetadataUnlessGiven()
    {
        var table = Tables.Table(ApiResources.Nodes, [], Now);
        Assert.Equal("{}", table["metadata"]!.ToJsonString());
        Assert.Equal("[]", table["rows"]!.ToJsonString());
        Assert.Equal(10, table["columnDefinitions"]!.AsArray().Count);
    }

    [Fact]
    public void ColumnDefinitions_AreSerializedWithEveryField()
    {
        var first = Tables.Table(ApiResources.Pods, [], Now)["columnDefinitions"]![0]!.ToJsonString();
        Assert.Equal(
            """{"name":"Name","type":"string","format":"name","description":"Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names","priority":0}""",
            first);
    }

    public static TheoryData<ApiResource, string> ColumnSets => new()
    {
        { ApiResources.Pods, "Name:string:name:0 Ready:string::0 Status:string::0 Restarts:string::0 Age:string::0 IP:string::1 Node:string::1 Nominated Node:string::1 Readiness Gates:string::1" },
        { ApiResources.Nodes, "Name:string:name:0 Status:string::0 Roles:string::0 Age:string::0 Version:string::0 Internal-IP:string::1 External-IP:string::1 OS-Image:string::1 Kernel-Version:string::1 Container-Runtime:string::1" },
        { ApiResources.DaemonSets, "Name:string:name:0 Desired:integer::0 Current:integer::0 Ready:integer::0 Up-to-date:integer::0 Available:integer::0 Node Selector:string::0 Age:string::0 Containers:string::1 Images:string::1 Selector:string::1" },
        { ApiResources.ControllerRevisions, "Name:string:name:0 Controller:string::0 Revision:string::0 Age:string::0" },
        { ApiResources.Events, "Last Seen:string::0 Type:string::0 Reason:string::0 Object:string::0 Subobject:string::1 Source:string::1 Message:string::0 First Seen:string::1 Count:string::1 Name:string:name:1" },
        { ApiResources.Namespaces, "Name:string:name:0 Status:string::0 Age:string::0" },
    };

    [Theory]
    [MemberData(nameof(ColumnSets))]
    public void Columns_AreThoseOfPrintersGo(ApiResource resource, string columns) =>
        Assert.Equal(columns, string.Join(" ", Tables.Columns(resource).Select(c => $"{c.Name}:{c.Type}:{c.Format}:{c.Priority}")));

    [Theory]
    [MemberData(nameof(ColumnSets))]
    public void EveryRow_HasOneCellPerColumn(ApiResource resource, string _)
    {
        var cells = Tables.Cells(resource, Obj("""{"metadata":{"name":"x"}}"""), Now);
        Assert.Equal(Tables.Columns(resource).Count, cells.Count);
        Assert.All(Tables.Columns(resource), c => Assert.False(string.IsNullOrWhiteSpace(c.Description)));
    }

    [Fact]
    public void Descriptions_QuoteTheSwaggerDocs()
    {
        var ds = Tables.Columns(ApiResources.DaemonSets);
        Assert.Equal("The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/", ds[1].Description);
        Assert.Equal("The total number of nodes that are running updated daemon pod", ds[4].Description);
        Assert.StartsWith("CreationTimestamp is a timestamp representing the server time when this object was created.", ds[7].Description);
        Assert.Contains("\n\nPopulated by the system.", ds[7].Description);
        Assert.Equal("The status of the node", Tables.Columns(ApiResources.Nodes)[1].Description);
        Assert.Equal("Controller of the object", Tables.Columns(ApiResources.ControllerRevisions)[1].Description);
        Assert.Equal("revision indicates the revision of the state represented by Data.", Tables.Columns(ApiResources.ControllerRevisions)[2].Description);
        Assert.Equal("The object that this event is about.", Tables.Columns(ApiResources.Events)[3].Description);
        Assert.Equal("The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", Tables.Columns(ApiResources.Pods)[3].Description);
    }
}
