using System.Text.Json.Nodes;
using EventEngine.Api.Kubernetes;
using EventEngine.Events;
using EventEngine.Kubernetes;
using EventEngine.Model;
using EventEngine.Projections.Kubernetes;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;

namespace EventEngine.Core.Tests.Kubernetes;

/// <summary>
/// core/v1 Events derived from the log as the DaemonSet controller (daemon_controller.go, controller_utils.go), the
/// kubelet and the node controller record them.
/// </summary>
public sealed class ClusterEventsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 12, 0, 0, 123, TimeSpan.Zero);
    private static readonly Guid Id = new("0b6e3a2c-5f0d-4c1e-9a7b-2d4e6f8a0c11");

    private static readonly EventContext Known = new(
        key => key == "default/agent" ? new InvolvedDaemonSet("default", "agent", "ds-uid", "12") : null,
        node => node == "node-1" ? "node-uid" : null);

    private static readonly EventContext Unknown = new(_ => null, _ => null);

    private static StoredEvent Stored(IEvent e, long seq = 0x71, Guid? id = null, DateTimeOffset? at = null) =>
        new(seq, id ?? Id, Subjects.StreamOf(e), 1, EventTypes.NameOf(e), EventTypes.Serialize(e),
            new EventMetadata("c", null, "system:controller", null), at ?? At);

    private static IReadOnlyList<JsonObject> From(IEvent e, EventContext? context = null, long seq = 0x71) =>
        ClusterEvents.From(Stored(e, seq), e, context ?? Known);

    private static string Summary(JsonObject e) =>
        $"{e["type"]} {e["reason"]} {e["involvedObject"]!["kind"]}/{e["involvedObject"]!["name"]}: {e["message"]}";

    private static PodDeleted Deleted(string reason, string? ds = "default/agent") => new(ds, "default", "agent-abcde", "node-1", reason);

    [Fact]
    public void PodCreatedByTheController_IsSuccessfulCreate_AboutTheDaemonSet()
    {
        var e = Assert.Single(From(new PodCreated("default/agent", "default", "agent-abcde", "node-1", "ds-uid", "h1", 1,
            new Dictionary<string, string>(), [])));
        Assert.Equal(
            """
            {"kind":"Event","apiVersion":"v1","metadata":{"name":"agent.0000000000000710","namespace":"default","uid":"UID","resourceVersion":"113","creationTimestamp":"2026-12-04T12:00:00Z"},"involvedObject":{"kind":"DaemonSet","namespace":"default","name":"agent","uid":"ds-uid","apiVersion":"apps/v1","resourceVersion":"12"},"reason":"SuccessfulCreate","message":"Created pod: agent-abcde","source":{"component":"daemonset-controller"},"firstTimestamp":"2026-12-04T12:00:00Z","lastTimestamp":"2026-12-04T12:00:00Z","count":1,"type":"Normal","eventTime":null,"reportingComponent":"daemonset-controller","reportingInstance":""}
            """,
            e.ToJsonString(Json.Options).Replace((string)e["metadata"]!["uid"]!, "UID"));
    }

    [Fact]
    public void FailedPod_IsReported_ThenDeleted()
    {
        var events = From(Deleted(PodReasons.Failed));
        Assert.Equal(
            [
                "Warning FailedDaemonPod DaemonSet/agent: Found failed daemon pod default/agent-abcde on node node-1, will try to kill it",
                "Normal SuccessfulDelete DaemonSet/agent: Deleted pod: agent-abcde",
            ],
            events.Select(Summary));
        Assert.Equal(["agent.0000000000000710", "agent.0000000000000711"], events.Select(e => (string)e["metadata"]!["name"]!));
        Assert.NotEqual((string)events[0]["metadata"]!["uid"]!, (string)events[1]["metadata"]!["uid"]!);
    }

    [Fact]
    public void SucceededPod_IsReported_ThenDeleted() =>
        Assert.Equal(
            [
                "Normal SucceededDaemonPod DaemonSet/agent: Found succeeded daemon pod default/agent-abcde on node node-1, will try to delete it",
                "Normal SuccessfulDelete DaemonSet/agent: Deleted pod: agent-abcde",
            ],
            From(Deleted(PodReasons.Succeeded)).Select(Summary));

    [Theory]
    [InlineData(PodReasons.Misscheduled)]
    [InlineData(PodReasons.NoExecuteTaint)]
    [InlineData(PodReasons.RollingUpdate)]
    [InlineData(PodReasons.Duplicate)]
    public void PodsTheControllerDeletes_AreSuccessfulDelete(string reason) =>
        Assert.Equal(["Normal SuccessfulDelete DaemonSet/agent: Deleted pod: agent-abcde"], From(Deleted(reason)).Select(Summary));

    [Theory] // the garbage collector, pod GC, taint eviction and users record nothing on the DaemonSet
    [InlineData(PodReasons.DaemonSetDeleted)]
    [InlineData(PodReasons.NodeRemoved)]
    [InlineData(PodReasons.OwnerNotFound)]
    [InlineData(PodReasons.TolerationExpired)]
    [InlineData(PodReasons.Deleted)]
    public void PodsOthersDelete_RecordNoDaemonSetEvent(string reason) => Assert.Empty(From(Deleted(reason)));

    [Fact]
    public void PodsWithoutADaemonSet_RecordNothing() => Assert.Empty(From(Deleted(PodReasons.Failed, ds: null)));

    [Fact]
    public void UnknownDaemonSet_IsNamedFromTheEvent_WithoutResourceVersion()
    {
        var created = Assert.Single(From(new PodCreated("team-a/agent", "team-a", "agent-x", "node-1", "uid-9", "h", 1,
            new Dictionary<string, string>(), []), Unknown));
        Assert.Equal("""{"kind":"DaemonSet","namespace":"team-a","name":"agent","uid":"uid-9","apiVersion":"apps/v1"}""", created["involvedObject"]!.ToJsonString());
        Assert.Equal("team-a", (string)created["metadata"]!["namespace"]!);
        var deleted = Assert.Single(From(Deleted(PodReasons.Misscheduled, ds: "team-a/agent"), Unknown));
        Assert.Equal("""{"kind":"DaemonSet","namespace":"team-a","name":"agent","apiVersion":"apps/v1"}""", deleted["involvedObject"]!.ToJsonString());
    }

    [Fact]
    public void PodCreatedForAnEarlierDaemonSetOfTheSameName_KeepsItsOwnUid_AndNoResourceVersion()
    {
        var e = Assert.Single(From(new PodCreated("default/agent", "default", "agent-old", "node-1", "old-uid", "h", 1,
            new Dictionary<string, string>(), [])));
        Assert.Equal("""{"kind":"DaemonSet","namespace":"default","name":"agent","uid":"old-uid","apiVersion":"apps/v1"}""", e["involvedObject"]!.ToJsonString());
    }

    [Fact]
    public void Cordon_IsTheKubeletsNodeNotSchedulable_AboutItsNodeRef()
    {
        var e = Assert.Single(From(new NodeCordoned("node-1")));
        Assert.Equal("Normal NodeNotSchedulable Node/node-1: Node node-1 status is now: NodeNotSchedulable", Summary(e));
        Assert.Equal("""{"kind":"Node","name":"node-1","uid":"node-1"}""", e["involvedObject"]!.ToJsonString());
        Assert.Equal("default", (string)e["metadata"]!["namespace"]!);
        Assert.Equal("node-1.0000000000000710", (string)e["metadata"]!["name"]!);
        Assert.Equal("""{"component":"kubelet","host":"node-1"}""", e["source"]!.ToJsonString());
        Assert.Equal("kubelet", (string)e["reportingComponent"]!);
        Assert.Equal("node-1", (string)e["reportingInstance"]!);
        Assert.Equal("Normal NodeSchedulable Node/node-1: Node node-1 status is now: NodeSchedulable", Summary(Assert.Single(From(new NodeUncordoned("node-1")))));
    }

    [Fact]
    public void NodeJoinedAndRemoved_AreTheNodeControllers()
    {
        var joined = Assert.Single(From(new NodeJoined("node-2", "uid-2", new Dictionary<string, string>(), [], false, [])));
        Assert.Equal("Normal RegisteredNode Node/node-2: Node node-2 event: Registered Node node-2 in Controller", Summary(joined));
        Assert.Equal("""{"kind":"Node","name":"node-2","uid":"uid-2","apiVersion":"v1"}""", joined["involvedObject"]!.ToJsonString());
        Assert.Equal("""{"component":"node-controller"}""", joined["source"]!.ToJsonString());
        var removed = Assert.Single(From(new NodeRemoved("node-1")));
        Assert.Equal("Normal RemovingNode Node/node-1: Node node-1 event: Removing Node node-1 from Controller", Summary(removed));
        Assert.Equal("""{"kind":"Node","name":"node-1","uid":"node-uid","apiVersion":"v1"}""", removed["involvedObject"]!.ToJsonString());
    }

    [Theory]
    [InlineData("Ready", "True", "kubelet", "NodeReady")]
    [InlineData("Ready", "False", "kubelet", "NodeNotReady")]
    [InlineData("Ready", "Unknown", "node-controller", "NodeNotReady")]
    [InlineData("MemoryPressure", "True", "kubelet", "NodeHasInsufficientMemory")]
    [InlineData("MemoryPressure", "False", "kubelet", "NodeHasSufficientMemory")]
    [InlineData("DiskPressure", "True", "kubelet", "NodeHasDiskPressure")]
    [InlineData("DiskPressure", "False", "kubelet", "NodeHasNoDiskPressure")]
    [InlineData("PIDPressure", "True", "kubelet", "NodeHasInsufficientPID")]
    [InlineData("PIDPressure", "False", "kubelet", "NodeHasSufficientPID")]
    public void NodeConditions_AreReportedAsTheirComponentDoes(string type, string status, string component, string reason)
    {
        var e = Assert.Single(From(new NodeConditionChanged("node-1", type, status)));
        Assert.Equal($"Normal {reason} Node/node-1: Node node-1 status is now: {reason}", Summary(e));
        Assert.Equal(component, (string)e["source"]!["component"]!);
    }

    [Theory]
    [InlineData("NetworkUnavailable", "True")]
    [InlineData("Ready", null)]
    [InlineData("MemoryPressure", "Unknown")]
    public void OtherConditionChanges_RecordNothing(string type, string? status) =>
        Assert.Empty(From(new NodeConditionChanged("node-1", type, status)));

    [Fact]
    public void EventsNoComponentReports_RecordNothing()
    {
        Assert.Empty(From(new PodStatusObserved("default/agent", "default", "agent-x", "node-1", "Running", true, At)));
        Assert.Empty(From(new DaemonSetDeleted("default/agent", "ds-uid", DeletionPolicy.Background)));
        Assert.Empty(From(new DaemonSetRevisionsPruned("default/agent", [1])));
        Assert.Empty(From(new PodOrphaned("default/agent", "default", "agent-x", "node-1", PodReasons.SelectorMismatch)));
        Assert.Empty(From(new NodeLabelsChanged("node-1", new Dictionary<string, string>())));
    }

    [Fact]
    public void NamesAndUids_AreStable_AndDifferPerLogEvent()
    {
        var e = Deleted(PodReasons.Failed);
        var once = ClusterEvents.From(Stored(e), e, Known).Select(x => x.ToJsonString()).ToList();
        var again = ClusterEvents.From(Stored(e), e, Known).Select(x => x.ToJsonString()).ToList();
        Assert.Equal(once, again);
        var other = ClusterEvents.From(Stored(e, seq: 0x72, id: Guid.NewGuid()), e, Known);
        Assert.Equal("agent.0000000000000720", (string)other[0]["metadata"]!["name"]!);
        Assert.DoesNotContain((string)other[0]["metadata"]!["uid"]!, once);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", ClusterEvents.UidOf(Id, 0));
        Assert.Equal("x.123456789abcdef2", ClusterEvents.NameOf("x", 0x123456789abcdef, 2));
    }

    [Fact]
    public void Timestamps_AreWholeSeconds_AsMetav1TimeWritesThem()
    {
        var e = new NodeCordoned("node-1");
        var recorded = Assert.Single(ClusterEvents.From(Stored(e, at: new DateTimeOffset(2026, 12, 4, 12, 0, 59, 999, TimeSpan.Zero)), e, Known));
        Assert.Equal("2026-12-04T12:00:59Z", (string)recorded["firstTimestamp"]!);
        Assert.Equal("2026-12-04T12:00:59Z", (string)recorded["lastTimestamp"]!);
    }

    [Fact]
    public void DescribeDaemonSet_FindsItsEvents_WithItsFourTermFieldSelector()
    {
        // kubectl describe ds agent: involvedObject.name, namespace, kind and uid
        var selector = Selectors.ParseFieldSelector(
            "involvedObject.name=agent,involvedObject.namespace=default,involvedObject.kind=DaemonSet,involvedObject.uid=ds-uid", "Event");
        var events = From(Deleted(PodReasons.Failed)).Concat(From(new NodeCordoned("node-1"))).ToList();
        Assert.Equal(["FailedDaemonPod", "SuccessfulDelete"], events.Where(selector.Matches).Select(e => (string)e["reason"]!));
        Assert.Single(events, Selectors.ParseFieldSelector("source=kubelet", "Event").Matches);
    }

    [Fact]
    public void KubectlGetEvents_PrintsTheRecordedEvents()
    {
        var e = From(Deleted(PodReasons.Failed))[0];
        var cells = Tables.Cells(ApiResources.Events, e, At.AddSeconds(90)).Select(c => c!.ToString());
        Assert.Equal(
            ["90s", "Warning", "FailedDaemonPod", "daemonset/agent", "", "daemonset-controller",
             "Found failed daemon pod default/agent-abcde on node node-1, will try to kill it", "90s", "1", "agent.0000000000000710"],
            cells);
    }

    [Fact]
    public void ControllerRun_CreatesOneSuccessfulCreatePerPod_AboutTheDaemonSetItKnows()
    {
        var cluster = new TestCluster().Nodes(2).DaemonSet();
        var before = new TestCluster().Nodes(2).State;
        var created = cluster.EmittedOf<PodCreated>();
        Assert.Equal(2, created.Count);
        var context = EventContext.Of(cluster.State, new StreamPositions(
            new Dictionary<string, long> { [Subjects.DaemonSetStream("default/foo")] = 3 }, new Dictionary<string, long>()));
        var events = created.SelectMany((x, i) => ClusterEvents.From(Stored(x.Event.Event, seq: 10 + i, id: x.Event.Id), x.Event.Event, context)).ToList();
        Assert.Equal(2, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal("SuccessfulCreate", (string)e["reason"]!);
            Assert.Equal(cluster.Ds().Uid, (string)e["involvedObject"]!["uid"]!);
            Assert.Equal("3", (string)e["involvedObject"]!["resourceVersion"]!);
        });
        Assert.Equal(cluster.LivePods().Select(p => "Created pod: " + p.Name).Order(), events.Select(e => (string)e["message"]!).Order());
        Assert.Empty(before.DaemonSets);
    }
}

/// <summary>The namespaces served: in use by a DaemonSet, a pod or an Event, with default and kube-system always.</summary>
public sealed class ClusterNamespacesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static StoredEvent Stored(IEvent e, long seq) =>
        new(seq, Guid.NewGuid(), Subjects.StreamOf(e), 1, EventTypes.NameOf(e), EventTypes.Serialize(e),
            new EventMetadata("c", null, "a", null), T0.AddMinutes(seq));

    [Fact]
    public void UsedBy_NamesTheObjectsNamespace_AndDefaultForNodeEvents()
    {
        Assert.Equal(["team-a"], ClusterNamespaces.UsedBy(new DaemonSetDeleted("team-a/agent", "u", DeletionPolicy.Background)));
        Assert.Equal(["team-b"], ClusterNamespaces.UsedBy(new PodDeleted("team-b/agent", "team-b", "p", "n", PodReasons.Failed)));
        Assert.Equal(["default"], ClusterNamespaces.UsedBy(new NodeCordoned("node-1")));
    }

    [Fact]
    public void Fold_KeepsEachNamespacesFirstUse_AndStartsTheDefaultsWithTheLog()
    {
        var log = new IEvent[]
        {
            new NodeCordoned("node-1"),
            new DaemonSetDeleted("team-a/agent", "u", DeletionPolicy.Background),
            new PodDeleted("team-a/agent", "team-a", "p", "n", PodReasons.Failed),
            new PodDeleted(null, "team-b", "q", "n", PodReasons.Deleted),
        };
        var uses = System.Collections.Immutable.ImmutableSortedDictionary<string, NamespaceUse>.Empty;
        for (var i = 0; i < log.Length; i++) uses = ClusterNamespaces.Observe(uses, Stored(log[i], i + 1), log[i]);
        Assert.Equal(["default", "kube-system", "team-a", "team-b"], uses.Keys);
        Assert.Equal(new NamespaceUse("kube-system", 1, T0.AddMinutes(1)), uses["kube-system"]);
        Assert.Equal(new NamespaceUse("team-a", 2, T0.AddMinutes(2)), uses["team-a"]);
        Assert.Equal(new NamespaceUse("team-b", 4, T0.AddMinutes(4)), uses["team-b"]);

        var objects = ClusterNamespaces.Objects(uses);
        Assert.Equal(["default", "kube-system", "team-a", "team-b"], objects.Select(o => (string)o["metadata"]!["name"]!));
        var teamA = objects[2];
        Assert.Equal(
            """{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"team-a","uid":"UID","resourceVersion":"2","creationTimestamp":"2026-12-04T12:02:00Z","labels":{"kubernetes.io/metadata.name":"team-a"}},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}""",
            teamA.ToJsonString().Replace(ClusterNamespaces.UidOf("team-a"), "UID"));
    }

    [Fact]
    public void DefaultAndKubeSystem_ExistBeforeAnyEvent()
    {
        var objects = ClusterNamespaces.Objects(new Dictionary<string, NamespaceUse>());
        Assert.Equal(["default", "kube-system"], objects.Select(o => (string)o["metadata"]!["name"]!));
        Assert.Null(objects[0]["metadata"]!["creationTimestamp"]);
        Assert.Equal("Active", (string)objects[0]["status"]!["phase"]!);
    }

    [Fact]
    public void NamespaceUids_AreStablePerName()
    {
        Assert.Equal(ClusterNamespaces.UidOf("default"), ClusterNamespaces.UidOf("default"));
        Assert.NotEqual(ClusterNamespaces.UidOf("default"), ClusterNamespaces.UidOf("kube-system"));
    }

    [Fact]
    public void InUse_ListsTheStatesNamespaces_WithTheDefaults()
    {
        var cluster = new TestCluster().Nodes(1).DaemonSet();
        Assert.Equal(["default", "kube-system"], ClusterNamespaces.InUse(cluster.State));
        Assert.Equal(["default", "kube-system"], ClusterNamespaces.InUse(EventEngine.State.ClusterState.Empty));
    }

    [Fact]
    public void NamespaceTable_PrintsActiveAndAge()
    {
        var ns = ClusterNamespaces.Namespace("team-a", new NamespaceUse("team-a", 7, T0));
        Assert.Equal(["team-a", "Active", "5m"], Tables.Cells(ApiResources.Namespaces, ns, T0.AddMinutes(5)).Select(c => c!.ToString()));
        Assert.True(Selectors.ParseFieldSelector("status.phase=Active,metadata.name=team-a", "Namespace").Matches(ns));
    }
}
