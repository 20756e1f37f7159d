using System.Reflection;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.State;
using EventEngine.Tests.Scenarios;

namespace EventEngine.Core.Tests.EventCatalog;

/// <summary>The registry covers every event, names are stable and versioned, and each event's JSON shape is locked.</summary>
public sealed class EventCatalogTests
{
    [Fact]
    public void Registry_CoversEveryEventType_OnceEach()
    {
        var declared = typeof(IEvent).Assembly.GetTypes().Where(t => typeof(IEvent).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false });
        Assert.Equal(declared.OrderBy(t => t.Name), EventTypes.Types.OrderBy(t => t.Name));
        Assert.Equal(EventTypes.Names.Count, EventTypes.Names.Distinct().Count());
        Assert.All(EventTypes.Names, n => Assert.Matches("^[a-z_]+\\.v[0-9]+$", n));
    }

    [Fact]
    public void UnknownTypes_FailLoudly() =>
        Assert.Throws<InvalidOperationException>(() => EventTypes.Deserialize("node_exploded.v1", "{}"));

    public static TheoryData<string> Samples => new(EventSamples.All.Keys);

    [Theory]
    [MemberData(nameof(Samples))]
    public void EventShape_IsLocked(string type)
    {
        var e = EventSamples.All[type];
        var json = EventTypes.Serialize(e);
        var file = Path.Combine(Scenario.RepositoryRoot(), "tests", "EventEngine.Core.Tests", "Events", "Snapshots", type + ".json");
        if (Environment.GetEnvironmentVariable("EVENTENGINE_UPDATE_SNAPSHOTS") == "1") File.WriteAllText(file, json + "\n");
        Assert.True(File.Exists(file), $"no snapshot for {type}; run with EVENTENGINE_UPDATE_SNAPSHOTS=1 to write it");
        Assert.Equal(File.ReadAllText(file).TrimEnd(), json);
        var back = EventTypes.Deserialize(type, json);
        Assert.Equal(json, EventTypes.Serialize(back));
    }

    [Fact]
    public void ANodeJoinedStoredBeforeAnnotationsAndResourcesWereKept_ReadsAsOneWithoutThem_AndWritesTheSameBytes()
    {
        const string stored = """{"node":"node-1","uid":"uid-n1","labels":{"zone":"a"},"taints":[],"unschedulable":false,"conditions":[]}""";
        var joined = (NodeJoined)EventTypes.Deserialize("node_joined.v1", stored);
        Assert.Null(joined.Annotations);
        Assert.Null(joined.Capacity);
        Assert.Null(joined.Allocatable);
        Assert.Equal(stored, EventTypes.Serialize(joined));
        var node = Fold.Evolve(ClusterState.Empty, new Recorded(Guid.NewGuid(), new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), joined)).Nodes["node-1"];
        Assert.Null(node.Annotations);
        Assert.Null(Views.Node(node).Metadata!.Annotations);
        Assert.Null(node.Capacity);
        Assert.Null(Views.Node(node).Status!.Allocatable);
    }

    [Fact]
    public void EverySampleHasItsType() => Assert.Equal(EventTypes.Names.Order(), EventSamples.All.Keys.Order());

    [Fact]
    public void PodEvents_NameTheirDaemonSetPodAndNode()
    {
        foreach (var (type, e) in EventSamples.All.Where(p => p.Key.StartsWith("pod_", StringComparison.Ordinal)))
        {
            var json = EventTypes.Serialize(e);
            Assert.Contains("\"daemonSet\":", json);
            Assert.Contains("\"pod\":", json);
            Assert.Contains("\"node\":", json);
            _ = type;
        }
    }
}

/// <summary>One instance of every event, with every field set.</summary>
internal static class EventSamples
{
    private static readonly DateTimeOffset T = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Taint Taint = new() { Key = "dedicated", Value = "gpu", Effect = "NoExecute", TimeAdded = T };

    private static DaemonSet Ds => Manifests.Deserialize<DaemonSet>(TestCluster.Yaml(TestCluster.DaemonSetYaml()));

    public static readonly IReadOnlyDictionary<string, IEvent> All = new IEvent[]
    {
        new NodeJoined("node-1", "uid-n1", new Dictionary<string, string> { ["zone"] = "a" }, [Taint], true, [new NodeCondition { Type = "Ready", Status = "True" }],
            new Dictionary<string, string> { ["team"] = "infra" }, new Dictionary<string, string> { ["cpu"] = "4", ["memory"] = "16Gi" },
            new Dictionary<string, string> { ["cpu"] = "3900m", ["memory"] = "15Gi" }),
        new NodeLabelsChanged("node-1", new Dictionary<string, string> { ["zone"] = "b" }),
        new NodeAnnotationsChanged("node-1", new Dictionary<string, string> { ["team"] = "edge" }),
        new NodeResourcesChanged("node-1", new Dictionary<string, string> { ["cpu"] = "8" }, null),
        new NodeTaintsChanged("node-1", [Taint]),
        new NodeCordoned("node-1"),
        new NodeUncordoned("node-1"),
        new NodeConditionChanged("node-1", "Ready", "False"),
        new NodeRemoved("node-1"),
        new DaemonSetCreated("default/foo", "uid-ds", Ds, 1, 1, new RevisionChange("foo-5d8f7c", 1, "5d8f7c", null), ["foo-old"]),
        new DaemonSetUpdated("default/foo", Ds, 2, 2, new RevisionChange("foo-9b2c4", 2, "9b2c4", null, 1)),
        new DaemonSetRolledBack("default/foo", 1, Ds, 3, 3, new RevisionChange("foo-5d8f7c", 3, "5d8f7c", 1)),
        new DaemonSetRevisionsPruned("default/foo", [1, 2]),
        new DaemonSetRevisionsDeduplicated("default/foo", "foo-7c9b8d5f4", ["bar-7c9b8d5f4"]),
        new DaemonSetRevisionObserved("default/foo", "foo-6b8f94d7c", 3, "6b8f94d7c", Ds.Spec!.Template!, "foo-5d8f7c"),
        new DaemonSetDeleted("default/foo", "uid-ds", "Orphan"),
        new DaemonSetStatusChanged("default/foo", new DaemonSetStatus { DesiredNumberScheduled = 3, CurrentNumberScheduled = 3, NumberReady = 2, ObservedGeneration = 4 }),
        new PodCreated("default/foo", "default", "foo-abcde", "node-1", "uid-ds", "5d8f7c", 1, new Dictionary<string, string> { ["app"] = "foo" }, [new Toleration { Key = "k", Operator = "Exists" }]),
        new PodRegistered("default/foo", "default", "foo-old", "node-1", new Pod { Metadata = new ObjectMeta { Name = "foo-old", Namespace = "default", CreationTimestamp = T } }),
        new PodStatusObserved("default/foo", "default", "foo-abcde", "node-1", "Running", true, T),
        new PodLabelsChanged("default/foo", "default", "foo-old", "node-1", new Dictionary<string, string> { ["app"] = "other" }),
        new PodTerminating("default/foo", "default", "foo-old", "node-1", T),
        new PodDeleted("default/foo", "default", "foo-abcde", "node-1", PodReasons.NoExecuteTaint),
        new PodOrphaned("default/foo", "default", "foo-old", "node-1", PodReasons.SelectorMismatch),
        new PodAdopted("default/foo", "uid-ds", "default", "foo-old", "node-1", "5d8f7c"),
    }.ToDictionary(EventTypes.NameOf);
}
