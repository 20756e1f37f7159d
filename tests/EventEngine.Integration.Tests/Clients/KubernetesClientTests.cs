using System.Globalization;
using System.Net;
using System.Text;
using EventEngine.Integration.Tests.Infrastructure;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace EventEngine.Integration.Tests.Clients;

/// <summary>
/// The official C# Kubernetes client (KubernetesClient 21.0.8) as a second, independent client of a real server process
/// on loopback: typed create, list with label and field selectors, get, merge and strategic merge patches, replace with
/// optimistic concurrency, and watches resumed from a list's resourceVersion, each object read back through the
/// client's own models. Each test has a server and database of its own, with the simulated kubelet on (pods become
/// Running and Ready after a short delay) and the system clock.
/// </summary>
[Trait("Category", "KubernetesClient")]
public sealed class KubernetesClientTests : IAsyncLifetime
{
    private const string Namespace = "monitoring";
    private const string Agent = "agent";
    private const string FirstImage = "registry.example/agent:1.0";
    private const string SecondImage = "registry.example/agent:2.0";
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private TestDatabase _database = null!;
    private ServerProcess _server = null!;
    private k8s.Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = _database.ConnectionString,
            ["Engine:SimulatedKubelet:ReadyAfterSeconds"] = "0.2",
        });
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _server.BaseAddress.ToString() });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task TypedCreateThenList_SelectorsOwnerReferencesAndResourceVersions()
    {
        var created = await CreateNodesAsync();
        Assert.Equal(["node-1", "node-2", "node-3"], created.Select(n => n.Metadata.Name));
        Assert.All(created, n => Assert.False(string.IsNullOrEmpty(n.Metadata.Uid)));
        Assert.Equal(("ssd", "a"), (created[0].Metadata.Labels["disk"], created[0].Metadata.Labels["zone"]));
        var agent = await CreateAgentAsync();
        Assert.Equal((Agent, Namespace, 1L), (agent.Metadata.Name, agent.Metadata.NamespaceProperty, agent.Metadata.Generation));
        Assert.False(string.IsNullOrEmpty(agent.Metadata.Uid));

        Assert.Equal(["node-1", "node-2"], Names(await _client.CoreV1.ListNodeAsync(labelSelector: "disk=ssd")));
        Assert.Equal(["node-2"], Names(await _client.CoreV1.ListNodeAsync(labelSelector: "disk=ssd,zone in (b)")));
        Assert.Equal(["node-3"], Names(await _client.CoreV1.ListNodeAsync(labelSelector: "disk!=ssd")));
        Assert.Equal(["node-2"], Names(await _client.CoreV1.ListNodeAsync(fieldSelector: "metadata.name=node-2")));

        var pods = await PodsReadyAsync(2);
        Assert.All(pods.Items, pod =>
        {
            var owner = Assert.Single(pod.Metadata.OwnerReferences);
            Assert.Equal((agent.Metadata.Uid, "DaemonSet", Agent, "apps/v1", true), (owner.Uid, owner.Kind, owner.Name, owner.ApiVersion, owner.Controller));
            Assert.Equal(Namespace, pod.Metadata.NamespaceProperty);
            Assert.Equal("Running", pod.Status.Phase);
            Assert.Equal(FirstImage, Assert.Single(pod.Spec.Containers).Image);
        });
        Assert.Equal(["node-1", "node-2"], pods.Items.Select(p => p.Spec.NodeName).Order());

        var onNode1 = await _client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "spec.nodeName=node-1");
        Assert.Equal("node-1", Assert.Single(onNode1.Items).Spec.NodeName);
        Assert.Empty((await _client.CoreV1.ListNamespacedPodAsync(Namespace, fieldSelector: "spec.nodeName=node-3")).Items);
        Assert.Empty((await _client.CoreV1.ListNamespacedPodAsync(Namespace, fieldSelector: "status.phase=Failed")).Items);

        var nodes = await _client.CoreV1.ListNodeAsync();
        Assert.Equal(3, nodes.Items.Count);
        AssertListVersionCoversItems(nodes.Metadata.ResourceVersion, nodes.Items.Select(n => n.Metadata.ResourceVersion));
        AssertListVersionCoversItems(pods.Metadata.ResourceVersion, pods.Items.Select(p => p.Metadata.ResourceVersion));
        var daemonSets = await _client.AppsV1.ListNamespacedDaemonSetAsync(Namespace);
        Assert.Equal(agent.Metadata.Uid, Assert.Single(daemonSets.Items).Metadata.Uid);
        AssertListVersionCoversItems(daemonSets.Metadata.ResourceVersion, daemonSets.Items.Select(d => d.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task TypedRead_DaemonSetSpecAndStatus_AndAnUnknownNameIsANotFoundStatus()
    {
        await CreateNodesAsync();
        var agent = await CreateAgentAsync();
        await PodsReadyAsync(2);
        await UntilAsync(async () => (await ReadAgentAsync()).Status?.NumberReady == 2);

        var read = await ReadAgentAsync();
        Assert.Equal(agent.Metadata.Uid, read.Metadata.Uid);
        Assert.Equal(Agent, read.Spec.Selector.MatchLabels["app"]);
        Assert.Equal("ssd", read.Spec.Template.Spec.NodeSelector["disk"]);
        var container = Assert.Single(read.Spec.Template.Spec.Containers);
        Assert.Equal((Agent, FirstImage), (container.Name, container.Image));
        Assert.Equal(["--verbose"], container.Args);
        var status = read.Status;
        Assert.Equal((2, 2, 2, 0), (status.DesiredNumberScheduled, status.CurrentNumberScheduled, status.NumberReady, status.NumberMisscheduled));
        Assert.Equal((2, 2), (status.UpdatedNumberScheduled, status.NumberAvailable));
        Assert.Equal(read.Metadata.Generation, status.ObservedGeneration);

        var node = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ReadNodeAsync("nope"));
        var nodeStatus = FailureStatus(node, HttpStatusCode.NotFound, "NotFound");
        Assert.Equal("nodes \"nope\" not found", nodeStatus.Message);
        Assert.Equal(("nope", "nodes"), (nodeStatus.Details.Name, nodeStatus.Details.Kind));

        var daemonSet = await Assert.ThrowsAsync<HttpOperationException>(() => _client.AppsV1.ReadNamespacedDaemonSetAsync("nope", Namespace));
        var daemonSetStatus = FailureStatus(daemonSet, HttpStatusCode.NotFound, "NotFound");
        Assert.Equal("daemonsets.apps \"nope\" not found", daemonSetStatus.Message);
        Assert.Equal(("nope", "apps", "daemonsets"), (daemonSetStatus.Details.Name, daemonSetStatus.Details.Group, daemonSetStatus.Details.Kind));
    }

    [Fact]
    public async Task TypedPatch_MergeLabelStrategicTaintAndImage_MoveAndRollThePods()
    {
        await CreateNodesAsync();
        await CreateAgentAsync();
        await PodsReadyAsync(2);

        var labeled = await _client.CoreV1.PatchNodeAsync(
            new V1Patch("""{"metadata":{"labels":{"disk":"ssd"}}}""", V1Patch.PatchType.MergePatch), "node-3");
        Assert.Equal(("ssd", "b"), (labeled.Metadata.Labels["disk"], labeled.Metadata.Labels["zone"]));
        await UntilAsync(async () => PodNodes(await PodsReadyOrNullAsync(3)) is ["node-1", "node-2", "node-3"]);

        var tainted = await _client.CoreV1.PatchNodeAsync(
            new V1Patch("""{"spec":{"taints":[{"key":"dedicated","value":"infra","effect":"NoExecute"}]}}""", V1Patch.PatchType.StrategicMergePatch),
            "node-2");
        var taint = Assert.Single(tainted.Spec.Taints);
        Assert.Equal(("dedicated", "infra", "NoExecute"), (taint.Key, taint.Value, taint.Effect));
        Assert.Equal("b", tainted.Metadata.Labels["zone"]);
        await UntilAsync(async () => PodNodes(await PodsReadyOrNullAsync(2)) is ["node-1", "node-3"]);

        // a change of metadata only leaves the generation as it is
        var before = await ReadAgentAsync();
        var relabeled = await _client.AppsV1.PatchNamespacedDaemonSetAsync(
            new V1Patch("""{"metadata":{"labels":{"tier":"infra"}}}""", V1Patch.PatchType.MergePatch), Agent, Namespace);
        Assert.Equal(("infra", before.Metadata.Generation), (relabeled.Metadata.Labels["tier"], relabeled.Metadata.Generation));

        // strategic merge matches containers by name: the image changes, the container's other fields stay
        var patched = await _client.AppsV1.PatchNamespacedDaemonSetAsync(
            new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"agent","image":"registry.example/agent:2.0"}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            Agent, Namespace);
        Assert.Equal(before.Metadata.Generation + 1, patched.Metadata.Generation);
        var container = Assert.Single(patched.Spec.Template.Spec.Containers);
        Assert.Equal((Agent, SecondImage), (container.Name, container.Image));
        Assert.Equal(["--verbose"], container.Args);

        await UntilAsync(async () =>
            await PodsReadyOrNullAsync(2) is { } pods && pods.Items.All(p => p.Spec.Containers.Single().Image == SecondImage));
        await UntilAsync(async () => (await ReadAgentAsync()).Status is { UpdatedNumberScheduled: 2, NumberReady: 2 } status
            && status.ObservedGeneration == patched.Metadata.Generation);
        Assert.Equal(["node-1", "node-3"], PodNodes(await _client.CoreV1.ListNamespacedPodAsync(Namespace)));
    }

    [Fact]
    public async Task Watch_FromTheListsResourceVersion_SeesALabelAddedThroughTheApi()
    {
        await CreateNodesAsync();
        var list = await _client.CoreV1.ListNodeAsync();
        var listVersion = Version(list.Metadata.ResourceVersion);

        using var cancellation = new CancellationTokenSource(WaitLimit);
        var errors = new List<Exception>();
        var events = _client.CoreV1.WatchListNodeAsync(
            resourceVersion: list.Metadata.ResourceVersion, onError: errors.Add, cancellationToken: cancellation.Token);
        var watching = ReadUntilAsync(events, (type, node) =>
            type == WatchEventType.Modified && node.Metadata.Name == "node-2" && node.Metadata.Labels.ContainsKey("rack"), cancellation);

        var patched = await _client.CoreV1.PatchNodeAsync(
            new V1Patch("""{"metadata":{"labels":{"rack":"r7"}}}""", V1Patch.PatchType.MergePatch), "node-2");
        var seen = await watching;

        Assert.Empty(errors);
        var (_, modified) = seen[^1];
        Assert.Equal(("r7", "ssd", "b"), (modified.Metadata.Labels["rack"], modified.Metadata.Labels["disk"], modified.Metadata.Labels["zone"]));
        Assert.Equal(patched.Metadata.ResourceVersion, modified.Metadata.ResourceVersion);
        Assert.Equal(list.Items.Single(n => n.Metadata.Name == "node-2").Metadata.Uid, modified.Metadata.Uid);
        // every node existed at the list's version, so the watch replays nothing older and adds nothing
        Assert.All(seen, e => Assert.Equal(WatchEventType.Modified, e.Type));
        Assert.All(seen, e => Assert.True(Version(e.Object.Metadata.ResourceVersion) > listVersion,
            $"{e.Object.Metadata.Name} at {e.Object.Metadata.ResourceVersion} is not after the list's {listVersion}"));
    }

    [Fact]
    public async Task Watch_FromAnEarlierListsResourceVersion_ReplaysAddedPods()
    {
        await CreateNodesAsync();
        var earlier = await _client.CoreV1.ListNamespacedPodAsync(Namespace);
        Assert.Empty(earlier.Items);
        var agent = await CreateAgentAsync();
        var pods = await PodsReadyAsync(2);
        var names = pods.Items.Select(p => p.Metadata.Name).Order().ToList();

        using var cancellation = new CancellationTokenSource(WaitLimit);
        var errors = new List<Exception>();
        var events = _client.CoreV1.WatchListNamespacedPodAsync(
            Namespace, resourceVersion: earlier.Metadata.ResourceVersion, onError: errors.Add, cancellationToken: cancellation.Token);
        var added = new HashSet<string>();
        var seen = await ReadUntilAsync(events, (type, pod) =>
        {
            if (type == WatchEventType.Added) added.Add(pod.Metadata.Name);
            return added.SetEquals(names);
        }, cancellation);

        Assert.Empty(errors);
        foreach (var name in names)
        {
            var (type, first) = seen.First(e => e.Object.Metadata.Name == name);
            Assert.Equal(WatchEventType.Added, type);
            Assert.Equal(agent.Metadata.Uid, Assert.Single(first.Metadata.OwnerReferences).Uid);
            Assert.Equal(Namespace, first.Metadata.NamespaceProperty);
            Assert.True(Version(first.Metadata.ResourceVersion) > Version(earlier.Metadata.ResourceVersion));
        }
        Assert.All(seen, e => Assert.Contains(e.Object.Metadata.Name, names));
    }

    [Fact]
    public async Task Replace_WithAStaleResourceVersion_IsAConflict()
    {
        await CreateNodesAsync();
        var stale = await _client.CoreV1.ReadNodeAsync("node-1");
        var labeled = await _client.CoreV1.PatchNodeAsync(
            new V1Patch("""{"metadata":{"labels":{"rack":"r1"}}}""", V1Patch.PatchType.MergePatch), "node-1");
        Assert.True(Version(labeled.Metadata.ResourceVersion) > Version(stale.Metadata.ResourceVersion));

        stale.Metadata.Labels["owner"] = "team-a";
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ReplaceNodeAsync(stale, "node-1"));
        var conflictStatus = FailureStatus(conflict, HttpStatusCode.Conflict, "Conflict");
        Assert.StartsWith(
            "Operation cannot be fulfilled on nodes \"node-1\": the object has been modified; please apply your changes to the latest version and try again",
            conflictStatus.Message);
        Assert.Equal(("node-1", "nodes"), (conflictStatus.Details.Name, conflictStatus.Details.Kind));
        var unchanged = await _client.CoreV1.ReadNodeAsync("node-1");
        Assert.Equal(labeled.Metadata.ResourceVersion, unchanged.Metadata.ResourceVersion);
        Assert.False(unchanged.Metadata.Labels.ContainsKey("owner"));

        unchanged.Metadata.Labels["owner"] = "team-a";
        var replaced = await _client.CoreV1.ReplaceNodeAsync(unchanged, "node-1");
        Assert.Equal(("team-a", "r1"), (replaced.Metadata.Labels["owner"], replaced.Metadata.Labels["rack"]));
        Assert.True(Version(replaced.Metadata.ResourceVersion) > Version(labeled.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task DeletePreconditions_AnotherUidOrAStaleResourceVersionIsAConflict_AndDeletesNothing()
    {
        await CreateNodesAsync();
        var agent = await CreateAgentAsync();
        var pod = (await PodsReadyAsync(2)).Items.Single(p => p.Spec.NodeName == "node-1");
        var (podName, podUid) = (pod.Metadata.Name, pod.Metadata.Uid);
        var node = await _client.CoreV1.ReadNodeAsync("node-3");

        // another uid: the object of that name is not the one the client means to delete
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.DeleteNamespacedPodAsync(podName, Namespace,
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = "0f8c2b1e-0000-4a8e-9a55-3f2a8e9b6c11" } }));
        Assert.Equal(
            $"Operation cannot be fulfilled on pods \"{podName}\": Precondition failed: UID in precondition: 0f8c2b1e-0000-4a8e-9a55-3f2a8e9b6c11, UID in object meta: {podUid}",
            FailureStatus(conflict, HttpStatusCode.Conflict, "Conflict").Message);
        Assert.Equal("preconditions.uid", Assert.Single(FailureStatus(conflict, HttpStatusCode.Conflict, "Conflict").Details.Causes).Field);
        conflict = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.DeleteNodeAsync("node-3",
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = agent.Metadata.Uid } }));
        Assert.Contains($"UID in object meta: {node.Metadata.Uid}", FailureStatus(conflict, HttpStatusCode.Conflict, "Conflict").Message);
        conflict = await Assert.ThrowsAsync<HttpOperationException>(() => _client.AppsV1.DeleteNamespacedDaemonSetAsync(Agent, Namespace,
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = node.Metadata.Uid } }));
        Assert.Contains($"UID in object meta: {agent.Metadata.Uid}", FailureStatus(conflict, HttpStatusCode.Conflict, "Conflict").Message);

        // a resourceVersion that is no longer the latest: the pod's labels moved on after it was read
        var relabeled = await _client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""{"metadata":{"labels":{"checked":"yes"}}}""", V1Patch.PatchType.MergePatch), podName, Namespace);
        conflict = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.DeleteNamespacedPodAsync(podName, Namespace,
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = podUid, ResourceVersion = pod.Metadata.ResourceVersion } }));
        var stale = FailureStatus(conflict, HttpStatusCode.Conflict, "Conflict");
        Assert.Equal("preconditions.resourceVersion", Assert.Single(stale.Details.Causes).Field);
        Assert.Equal($"Operation cannot be fulfilled on pods \"{podName}\": Precondition failed: ResourceVersion in precondition: "
            + $"{pod.Metadata.ResourceVersion}, ResourceVersion in object meta: {relabeled.Metadata.ResourceVersion}", stale.Message);

        // the same, as kubectl's typed clients send it: a protobuf eviction whose deleteOptions carry the preconditions
        static byte[] Field(int number, byte[] value) => [(byte)(number << 3 | 2), (byte)value.Length, .. value];
        static byte[] Eviction(string name, string uid) =>
            [.. "k8s\0"u8, .. Field(1, [.. Field(1, "policy/v1"u8.ToArray()), .. Field(2, "Eviction"u8.ToArray())]),
             .. Field(2, [.. Field(1, [.. Field(1, Encoding.UTF8.GetBytes(name)), .. Field(3, Encoding.UTF8.GetBytes(Namespace))]),
                 .. Field(2, Field(2, Field(1, Encoding.UTF8.GetBytes(uid))))])];
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        using (var content = new ByteArrayContent(Eviction(podName, agent.Metadata.Uid)))
        {
            content.Headers.ContentType = new("application/vnd.kubernetes.protobuf");
            using var evicted = await http.PostAsync($"/api/v1/namespaces/{Namespace}/pods/{podName}/eviction", content);
            var body = await evicted.Content.ReadAsStringAsync();
            Assert.True(evicted.StatusCode == HttpStatusCode.Conflict, body);
            Assert.Contains($"UID in precondition: {agent.Metadata.Uid}", body);
            Assert.Contains("deleteOptions.preconditions.uid", body);
        }

        // the uid is checked first, as the API server checks it; a missing object is a 404, whatever the preconditions say
        conflict = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.DeleteNamespacedPodAsync(podName, Namespace,
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = agent.Metadata.Uid, ResourceVersion = "1" } }));
        Assert.Equal("preconditions.uid", Assert.Single(FailureStatus(conflict, HttpStatusCode.Conflict, "Conflict").Details.Causes).Field);
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.DeleteNamespacedPodAsync("no-such-pod", Namespace,
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = podUid, ResourceVersion = "1" } }));
        FailureStatus(gone, HttpStatusCode.NotFound, "NotFound");

        // none of these deleted anything
        Assert.Equal((podUid, relabeled.Metadata.ResourceVersion), await PodUidAndVersionAsync(podName));
        Assert.Equal(node.Metadata.Uid, (await _client.CoreV1.ReadNodeAsync("node-3")).Metadata.Uid);
        Assert.Equal(agent.Metadata.Uid, (await ReadAgentAsync()).Metadata.Uid);

        // the right uid and the latest resourceVersion delete: the pod by eviction, the others by their deletes
        using (var content = new ByteArrayContent(Eviction(podName, podUid)))
        {
            content.Headers.ContentType = new("application/vnd.kubernetes.protobuf");
            using var evicted = await http.PostAsync($"/api/v1/namespaces/{Namespace}/pods/{podName}/eviction", content);
            Assert.True(evicted.StatusCode == HttpStatusCode.Created, await evicted.Content.ReadAsStringAsync());
        }
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ReadNamespacedPodAsync(podName, Namespace));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        await _client.CoreV1.DeleteNodeAsync("node-3",
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = node.Metadata.Uid, ResourceVersion = node.Metadata.ResourceVersion } });
        Assert.DoesNotContain("node-3", Names(await _client.CoreV1.ListNodeAsync()));
        var current = await ReadAgentAsync();
        await _client.AppsV1.DeleteNamespacedDaemonSetAsync(Agent, Namespace,
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = agent.Metadata.Uid, ResourceVersion = current.Metadata.ResourceVersion } });
        Assert.Empty((await _client.AppsV1.ListNamespacedDaemonSetAsync(Namespace)).Items);
    }

    private async Task<(string Uid, string ResourceVersion)> PodUidAndVersionAsync(string name)
    {
        var pod = await _client.CoreV1.ReadNamespacedPodAsync(name, Namespace);
        return (pod.Metadata.Uid, pod.Metadata.ResourceVersion);
    }

    private async Task<List<V1Node>> CreateNodesAsync()
    {
        var created = new List<V1Node>();
        foreach (var (name, disk, zone) in new[] { ("node-1", "ssd", "a"), ("node-2", "ssd", "b"), ("node-3", "hdd", "b") })
        {
            created.Add(await _client.CoreV1.CreateNodeAsync(new V1Node
            {
                ApiVersion = "v1",
                Kind = "Node",
                Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["disk"] = disk, ["zone"] = zone } },
            }));
        }
        return created;
    }

    private Task<V1DaemonSet> CreateAgentAsync() => _client.AppsV1.CreateNamespacedDaemonSetAsync(new V1DaemonSet
    {
        ApiVersion = "apps/v1",
        Kind = "DaemonSet",
        Metadata = new V1ObjectMeta { Name = Agent, NamespaceProperty = Namespace, Labels = new Dictionary<string, string> { ["app"] = Agent } },
        Spec = new V1DaemonSetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = Agent } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = Agent } },
                Spec = new V1PodSpec
                {
                    NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" },
                    Containers = [new V1Container { Name = Agent, Image = FirstImage, Args = ["--verbose"] }],
                },
            },
        },
    }, Namespace);

    private Task<V1DaemonSet> ReadAgentAsync() => _client.AppsV1.ReadNamespacedDaemonSetAsync(Agent, Namespace);

    /// <summary>Waits until exactly this many pods of the agent are Running with their Ready condition true, and gives them.</summary>
    private async Task<V1PodList> PodsReadyAsync(int count)
    {
        V1PodList? ready = null;
        await UntilAsync(async () => (ready = await PodsReadyOrNullAsync(count)) is not null);
        return ready!;
    }

    /// <summary>The agent's pods when there are exactly this many and all are Running and Ready; otherwise null.</summary>
    private async Task<V1PodList?> PodsReadyOrNullAsync(int count)
    {
        var pods = await _client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: "app=" + Agent);
        return pods.Items.Count == count && pods.Items.All(IsReady) ? pods : null;
    }

    private static bool IsReady(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null
        && pod.Status?.Phase == "Running"
        && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static List<string>? PodNodes(V1PodList? pods) => pods?.Items.Select(p => p.Spec.NodeName).Order().ToList();

    private static List<string> Names(V1NodeList nodes) => nodes.Items.Select(n => n.Metadata.Name).ToList();

    private static long Version(string resourceVersion) => long.Parse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>A list's resourceVersion is a number at least as great as that of each item it holds.</summary>
    private static void AssertListVersionCoversItems(string listVersion, IEnumerable<string> itemVersions)
    {
        var list = Version(listVersion);
        Assert.All(itemVersions, item => Assert.True(Version(item) <= list, $"item at {item} is after its list's {list}"));
    }

    /// <summary>The failed response's body as the Kubernetes Status it must be, with this code and reason.</summary>
    private static V1Status FailureStatus(HttpOperationException error, HttpStatusCode code, string reason)
    {
        Assert.Equal(code, error.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal(("Status", "v1", "Failure"), (status.Kind, status.ApiVersion, status.Status));
        Assert.Equal(((int)code, reason), (status.Code, status.Reason));
        return status;
    }

    /// <summary>Reads watch events until one satisfies <paramref name="until"/>, giving every event read; fails when the time is up first.</summary>
    private static async Task<List<(WatchEventType Type, T Object)>> ReadUntilAsync<T>(
        IAsyncEnumerable<(WatchEventType, T)> events, Func<WatchEventType, T, bool> until, CancellationTokenSource cancellation)
    {
        var seen = new List<(WatchEventType Type, T Object)>();
        try
        {
            await foreach (var (type, item) in events.WithCancellation(cancellation.Token))
            {
                seen.Add((type, item));
                if (until(type, item)) return seen;
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new TimeoutException($"the watch did not see the event within {WaitLimit}; it saw: {Describe(seen)}");
        }
        throw new InvalidOperationException($"the watch ended before it saw the event; it saw: {Describe(seen)}");
    }

    private static string Describe<T>(List<(WatchEventType Type, T Object)> seen) =>
        string.Join(", ", seen.Select(e => $"{e.Type} {(e.Object as IMetadata<V1ObjectMeta>)?.Metadata.Name}"));

    private static Task UntilAsync(Func<Task<bool>> condition) => Wait.UntilAsync(condition, WaitLimit);
}
