using System.Globalization;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Clients;

/// <summary>
/// Sessions of the real kubectl (v1.32) against a real server process on loopback, as a platform engineer would type
/// them: apply, get in kubectl's own columns, selectors, label, taint, cordon, set image, rollout, describe, watch,
/// errors and delete. Each test has a server and database of its own, with the simulated kubelet on (pods become
/// Running and Ready after a short delay, so rollouts finish) and the system clock.
/// </summary>
[Trait("Category", "Kubectl")]
public sealed class KubectlSessionTests : IAsyncLifetime
{
    private const string Nodes = """
        apiVersion: v1
        kind: Node
        metadata:
          name: node-1
          labels: {disk: ssd, zone: a}
        ---
        apiVersion: v1
        kind: Node
        metadata:
          name: node-2
          labels: {disk: ssd, zone: b}
        ---
        apiVersion: v1
        kind: Node
        metadata:
          name: node-3
          labels: {disk: hdd, zone: b}
        """;

    private const string Agent = """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: agent
          namespace: monitoring
          labels: {app: agent}
        spec:
          selector:
            matchLabels: {app: agent}
          template:
            metadata:
              labels: {app: agent}
            spec:
              nodeSelector: {disk: ssd}
              containers:
              - name: agent
                image: registry.example/agent:1.0
        """;

    private TestDatabase _database = null!;
    private ServerProcess _server = null!;
    private Kubectl _kubectl = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = _database.ConnectionString,
            ["Engine:SimulatedKubelet:ReadyAfterSeconds"] = "0.2",
        });
        _kubectl = new Kubectl(_server.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task ApplyThenGet_InKubectlsColumns_PlainWideYamlAndJsonPath()
    {
        Assert.Contains("Server Version: v1.32", await Succeeds(["version"]));
        Assert.Equal("node/node-1 created\nnode/node-2 created\nnode/node-3 created\n", await Succeeds(["apply", "-f", "-"], Nodes));
        Assert.Equal("daemonset.apps/agent created\n", await Succeeds(["apply", "-f", "-"], Agent));
        await PodsReadyAsync(2);

        var nodes = Rows(await Succeeds(["get", "nodes"]));
        Assert.Equal(["NAME", "STATUS", "ROLES", "AGE", "VERSION"], nodes[0]);
        Assert.Equal(["node-1", "node-2", "node-3"], nodes.Skip(1).Select(r => r[0]));
        var wide = Rows(await Succeeds(["get", "nodes", "-o", "wide"]));
        Assert.Equal(["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
            Header(await Succeeds(["get", "nodes", "-o", "wide"])));
        Assert.Equal(4, wide.Count);

        var ds = Rows(await Succeeds(["get", "ds", "-n", "monitoring"]));
        Assert.Equal(["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"], Header(await Succeeds(["get", "ds", "-n", "monitoring"])));
        Assert.Equal(["agent", "2", "2", "2", "2", "2", "disk=ssd"], ds[1].Take(7));
        Assert.Equal(["CONTAINERS", "IMAGES", "SELECTOR"], Header(await Succeeds(["get", "ds", "-n", "monitoring", "-o", "wide"]))[^3..]);

        var pods = Rows(await Succeeds(["get", "pods", "-n", "monitoring", "-o", "wide"]));
        Assert.Equal(["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
            Header(await Succeeds(["get", "pods", "-n", "monitoring", "-o", "wide"])));
        Assert.All(pods.Skip(1), p => Assert.Equal(("1/1", "Running"), (p[1], p[2])));
        Assert.Equal(["node-1", "node-2"], pods.Skip(1).Select(p => p[6]).Order());

        var yaml = await Succeeds(["get", "node", "node-3", "-o", "yaml"]);
        Assert.Contains("kind: Node", yaml);
        Assert.Contains("disk: hdd", yaml);
        var json = JsonNode.Parse(await Succeeds(["get", "ds", "agent", "-n", "monitoring", "-o", "json"]))!;
        Assert.Equal(json["metadata"]!["uid"]!.ToString(),
            (string?)JsonNode.Parse(await Succeeds(["get", "pods", "-n", "monitoring", "-o", "json"]))!["items"]![0]!["metadata"]!["ownerReferences"]![0]!["uid"]);
        Assert.Equal("node-1 node-2 node-3", await Succeeds(["get", "nodes", "-o", "jsonpath={.items[*].metadata.name}"]));
        Assert.Equal("registry.example/agent:1.0",
            await Succeeds(["get", "ds", "agent", "-n", "monitoring", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]));

        // re-applying the same manifest changes nothing; a changed one is configured
        Assert.Equal("daemonset.apps/agent unchanged\n", await Succeeds(["apply", "-f", "-"], Agent));
        Assert.Equal("daemonset.apps/agent configured\n", await Succeeds(["apply", "-f", "-"], Agent.Replace("agent:1.0", "agent:1.1")));
        Assert.Equal("registry.example/agent:1.1",
            await Succeeds(["get", "ds", "agent", "-n", "monitoring", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]));
    }

    [Fact]
    public async Task ApplyOfANode_RemovesWhatItsManifestNoLongerHas_AndAnnotationsAreKept()
    {
        // kubectl apply computes what to remove from the configuration it last applied, which it keeps in an annotation
        const string Before = """
            apiVersion: v1
            kind: Node
            metadata:
              name: node-9
              labels: {disk: ssd, zone: a}
            spec:
              taints: [{key: dedicated, value: infra, effect: NoSchedule}]
            """;
        Assert.Equal("node/node-9 created\n", await Succeeds(["apply", "-f", "-"], Before));
        Assert.Equal("node/node-9 unchanged\n", await Succeeds(["apply", "-f", "-"], Before));
        Assert.Equal("node/node-9 configured\n", await Succeeds(["apply", "-f", "-"], "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-9\n  labels: {zone: a}\n"));
        Assert.Equal("{\"zone\":\"a\"} []", await Succeeds(["get", "node", "node-9", "-o", "jsonpath={.metadata.labels} [{.spec.taints}]"]));

        Assert.Equal("node/node-9 annotated\n", await Succeeds(["annotate", "node", "node-9", "team=infra"]));
        Assert.Equal("infra", await Succeeds(["get", "node", "node-9", "-o", "jsonpath={.metadata.annotations.team}"]));
        Assert.Contains("kubectl.kubernetes.io/last-applied-configuration", await Succeeds(["get", "node", "node-9", "-o", "jsonpath={.metadata.annotations}"]));
        Assert.Equal("node/node-9 annotated\n", await Succeeds(["annotate", "node", "node-9", "team-"]));
        Assert.Equal("", await Succeeds(["get", "node", "node-9", "-o", "jsonpath={.metadata.annotations.team}"]));
        var timeline = await _server.Client().GetJsonAsync("/engine/v1/timeline?node=node-9");
        var changes = timeline["items"]!.AsArray().Select(e => (string)e!["description"]!).Where(d => d.Contains("annotations changed", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, changes.Count);
        Assert.StartsWith("node-9 annotations changed: ~kubectl.kubernetes.io/last-applied-configuration", changes[0]);
        Assert.StartsWith("node-9 annotations changed: +team", changes[1]);
        Assert.StartsWith("node-9 annotations changed: -team", changes[2]);
    }

    [Fact]
    public async Task TheNodeStatusSubresource_IsRead_AndItsWritesKeepTheStatusAndTheLabels_NotTheSpec()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        Assert.Equal("node-1", await Succeeds(["get", "node", "node-1", "--subresource=status", "-o", "jsonpath={.metadata.name}"]));

        // a node agent reports its conditions through the status subresource; the labels the patch gives are taken too, as
        // the API server takes them (its status strategy resets the spec alone), and the spec it names is not
        Assert.Equal("node/node-1 patched\n", await Succeeds(["patch", "node", "node-1", "--subresource=status", "--type=merge",
            "-p", """{"metadata":{"labels":{"disk":"tape"}},"spec":{"unschedulable":true},"status":{"conditions":[{"type":"Ready","status":"True"}]}}"""]));
        Assert.Equal(["node-1", "Ready"], Rows(await Succeeds(["get", "nodes"]))[1][..2]);
        Assert.Equal("tape ", await Succeeds(["get", "node", "node-1", "-o", "jsonpath={.metadata.labels.disk} {.spec.unschedulable}"]));

        Assert.Equal("node/node-1 patched\n", await Succeeds(["patch", "node", "node-1", "--subresource=status", "--type=strategic",
            "-p", """{"status":{"conditions":[{"type":"Ready","status":"False"}]}}"""]));
        Assert.Equal(["node-1", "NotReady"], Rows(await Succeeds(["get", "nodes"]))[1][..2]);
    }

    [Fact]
    public async Task Drain_EvictsWhatNoDaemonSetOwns_AndItsServerDryRunEvictsNothing()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        await Succeeds(["apply", "-f", "-"], Agent);
        await PodsReadyAsync(2);
        Assert.Equal("pod/bare created\n", await Succeeds(["apply", "-f", "-"],
            "apiVersion: v1\nkind: Pod\nmetadata: {name: bare, namespace: default}\nspec: {nodeName: node-1, containers: [{name: c, image: busybox}]}\n"));
        var events = await _server.Client().EventCountAsync();

        // kubectl finds pods/eviction in discovery, so it evicts (its typed client sends the Eviction as protobuf)
        var dryRun = await Succeeds(["drain", "node-1", "--ignore-daemonsets", "--force", "--dry-run=server"]);
        Assert.Contains("evicting pod default/bare (server dry run)", dryRun);
        Assert.Contains("node/node-1 drained (server dry run)", dryRun);
        Assert.Equal(events, await _server.Client().EventCountAsync());
        Assert.Equal("bare", await Succeeds(["get", "pod", "bare", "-o", "jsonpath={.metadata.name}"]));

        var drained = await Succeeds(["drain", "node-1", "--ignore-daemonsets", "--force", "--timeout=60s"]);
        Assert.Contains("pod/bare evicted", drained);
        Assert.Contains("node/node-1 drained", drained);
        Assert.Equal("", await Succeeds(["get", "pods", "-n", "default", "-o", "name"]));
        Assert.Equal("true", await Succeeds(["get", "node", "node-1", "-o", "jsonpath={.spec.unschedulable}"]));
        // a DaemonSet's pod stays: drain leaves it, and its DaemonSet tolerates the cordon
        Assert.Contains("node-1", PodNodes(await Succeeds(["get", "pods", "-n", "monitoring", "-o", "wide"])));

        // told not to evict, kubectl deletes, its DeleteOptions in protobuf too
        await Succeeds(["apply", "-f", "-"], "apiVersion: v1\nkind: Pod\nmetadata: {name: bare, namespace: default}\nspec: {nodeName: node-2, containers: [{name: c, image: busybox}]}\n");
        var deleted = await Succeeds(["drain", "node-2", "--ignore-daemonsets", "--force", "--disable-eviction", "--timeout=60s"]);
        Assert.Contains("pod/bare deleted", deleted);
        Assert.Equal("", await Succeeds(["get", "pods", "-n", "default", "-o", "name"]));
    }

    [Fact]
    public async Task LogsAndExec_SayThatNothingRunsHere_AndAnUnservedPathIsAKubernetesNotFound()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        await Succeeds(["apply", "-f", "-"], Agent);
        await PodsReadyAsync(2);
        var pod = Names(await Succeeds(["get", "pods", "-n", "monitoring", "-o", "name"]))[0];
        foreach (var (args, verb) in new[] { (new[] { "logs", "-n", "monitoring", pod }, "read logs from"), (["exec", "-n", "monitoring", pod, "--", "ls"], "exec into") })
        {
            var (code, _, error) = await _kubectl.RunAsync(args);
            Assert.True(code == 1 && error.Contains($"Error from server (BadRequest): pod monitoring/{pod[4..]} runs no containers here", StringComparison.Ordinal)
                && error.Contains($"nothing to {verb}", StringComparison.Ordinal), $"kubectl {string.Join(' ', args)} exited {code}: {error}");
        }
        // a path nothing serves is answered as the API server answers it, not with an empty 404 kubectl cannot read
        var (status, body, _) = await _server.Client().SendAsync(HttpMethod.Get, "/api/v1/namespaces/monitoring/widgets");
        Assert.Equal((System.Net.HttpStatusCode.NotFound, "Status", "NotFound"), (status, (string?)body!["kind"], (string?)body["reason"]));
        var (missing, _, missingError) = await _kubectl.RunAsync(["get", "--raw", "/api/v1/widgets"]);
        Assert.True(missing == 1 && missingError.Contains("Error from server (NotFound): the server could not find the requested resource", StringComparison.Ordinal), missingError);
        (status, body, _) = await _server.Client().SendAsync(HttpMethod.Put, "/apis/apps/v1/namespaces/monitoring/daemonsets/agent/status", "{}");
        Assert.Equal((System.Net.HttpStatusCode.MethodNotAllowed, "MethodNotAllowed"), (status, (string?)body!["reason"]));
        // elsewhere problem details, or plain text to a client that takes no JSON (a browser), never a failure to answer
        using var browser = _server.Client();
        foreach (var path in new[] { "/engine/v1/widgets", "/ui/missing.js" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.ParseAdd("text/html");
            using var response = await browser.SendAsync(request);
            Assert.Equal((System.Net.HttpStatusCode.NotFound, "404 Not Found"), (response.StatusCode, await response.Content.ReadAsStringAsync()));
        }
    }

    [Fact]
    public async Task SortBy_SortsByAFieldOfTheWholeObject()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        await Succeeds(["apply", "-f", "-"], Agent);
        await Succeeds(["label", "node", "node-3", "disk=ssd", "--overwrite"]);
        await PodsReadyAsync(3);
        // kubectl asks for each row's whole object (includeObject=Object) and sorts the rows by the field itself
        foreach (var (field, column) in new[] { (".spec.nodeName", 6), (".metadata.name", 0) })
        {
            var rows = Rows(await Succeeds(["get", "pods", "-n", "monitoring", "-o", "wide", "--sort-by", field])).Skip(1).Select(r => r[column]).ToList();
            Assert.Equal(3, rows.Count);
            Assert.Equal(rows.Order(StringComparer.Ordinal), rows);
        }
        var nodes = Rows(await Succeeds(["get", "nodes", "--sort-by", "{.metadata.labels.zone}"])).Skip(1).Select(r => r[0]).ToList();
        Assert.Equal("node-1", nodes[0]);
        Assert.Equal(3, nodes.Count);
    }

    [Fact]
    public async Task ANodesResources_AreKept_SoDescribeReadsPodRequestsAgainstThem()
    {
        // a node as KWOK's manifests give one: its resources in its status (a bare number, as YAML writes cpu: 4, is a quantity)
        Assert.Equal("node/node-7 created\n", await Succeeds(["apply", "-f", "-"], """
            apiVersion: v1
            kind: Node
            metadata: {name: node-7, labels: {disk: ssd}}
            status:
              capacity: {cpu: 4, memory: 16Gi, pods: "110"}
              allocatable: {cpu: 3900m, memory: 15Gi, pods: "110"}
            """));
        await Succeeds(["apply", "-f", "-"], Agent.Replace("registry.example/agent:1.0", "registry.example/agent:1.0\n        resources: {requests: {cpu: 390m, memory: 1536Mi}}"));
        await UntilAsync(async () => (await Succeeds(["get", "pods", "-n", "monitoring", "-o", "wide"])).Contains("node-7", StringComparison.Ordinal));

        Assert.Equal("4 3900m 110", await Succeeds(["get", "node", "node-7", "-o", "jsonpath={.status.capacity.cpu} {.status.allocatable.cpu} {.status.allocatable.pods}"]));
        var described = await Succeeds(["describe", "node", "node-7"]);
        Assert.DoesNotContain("-9223372036854775808", described);
        Assert.Matches(@"cpu:\s+4\n", described);
        Assert.Matches(@"cpu\s+390m \(10%\)\s+0 \(0%\)", described);
        Assert.Matches(@"memory\s+1536Mi \(10%\)\s+0 \(0%\)", described);

        // a node agent reports less to offer through the status subresource; an apply that says nothing of resources keeps them
        Assert.Equal("node/node-7 patched\n", await Succeeds(["patch", "node", "node-7", "--subresource=status", "--type=merge",
            "-p", """{"status":{"allocatable":{"cpu":"1950m"}}}"""]));
        Assert.Equal("node/node-7 labeled\n", await Succeeds(["label", "node", "node-7", "tier=edge"]));
        Assert.Equal("4 1950m", await Succeeds(["get", "node", "node-7", "-o", "jsonpath={.status.capacity.cpu} {.status.allocatable.cpu}"]));
        Assert.Matches(@"cpu\s+390m \(20%\)", await Succeeds(["describe", "node", "node-7"]));
        var timeline = await _server.Client().GetJsonAsync("/engine/v1/timeline?node=node-7");
        Assert.Contains(timeline["items"]!.AsArray().Select(e => (string)e!["description"]!),
            d => d.StartsWith("node-7 resources changed: allocatable cpu=3900m->1950m by ", StringComparison.Ordinal));

        // a patch that removes a list removes it; a whole manifest that gives none (kubectl replace) leaves them
        Assert.Equal("node/node-7 patched\n", await Succeeds(["patch", "node", "node-7", "--subresource=status", "--type=merge", "-p", """{"status":{"capacity":null}}"""]));
        Assert.Equal("[] 1950m", await Succeeds(["get", "node", "node-7", "-o", "jsonpath=[{.status.capacity.cpu}] {.status.allocatable.cpu}"]));
        Assert.Equal("node/node-7 replaced\n", await Succeeds(["replace", "-f", "-"], "apiVersion: v1\nkind: Node\nmetadata: {name: node-7, labels: {disk: ssd, tier: edge}}\n"));
        Assert.Equal("1950m", await Succeeds(["get", "node", "node-7", "-o", "jsonpath={.status.allocatable.cpu}"]));

        // a quantity no node can have is refused, naming the field, and changes nothing
        var events = await _server.Client().EventCountAsync();
        var (code, _, error) = await _kubectl.RunAsync(["patch", "node", "node-7", "--subresource=status", "--type=merge", "-p", """{"status":{"capacity":{"cpu":"lots"}}}"""]);
        Assert.True(code == 1 && error.Contains("status.capacity[cpu]", StringComparison.Ordinal), $"exit {code}: {error}");
        (code, _, error) = await _kubectl.RunAsync(["patch", "node", "node-7", "--subresource=status", "--type=merge", "-p", """{"status":{"allocatable":{"memory":"-1Gi"}}}"""]);
        Assert.True(code == 1 && error.Contains("status.allocatable[memory]", StringComparison.Ordinal) && error.Contains("greater than or equal to 0", StringComparison.Ordinal), $"exit {code}: {error}");
        Assert.Equal(events, await _server.Client().EventCountAsync());
    }

    [Fact]
    public async Task ThePodStatusSubresource_TakesAPatchOfItsStatusAndLabels_NotOfItsSpec()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        await Succeeds(["apply", "-f", "-"], Agent);
        await PodsReadyAsync(2);
        var pod = Names(await Succeeds(["get", "pods", "-n", "monitoring", "-o", "name"]))[0];
        const string ready = "jsonpath={.status.conditions[?(@.type==\"Ready\")].status} {.metadata.labels.app} {.spec.nodeName}";
        var node = (await Succeeds(["get", pod, "-n", "monitoring", "-o", ready])).Split(' ')[2];

        // a node agent reports the pod not ready; the label the patch also gives is taken, as the API server takes it, and
        // the node it names is not
        Assert.Equal($"{pod} patched\n", await Succeeds(["patch", pod, "-n", "monitoring", "--subresource=status", "--type=merge",
            "-p", """{"metadata":{"labels":{"tier":"edge"}},"spec":{"nodeName":"node-9"},"status":{"conditions":[{"type":"Ready","status":"False"}]}}"""]));
        Assert.Equal($"False agent {node}", await Succeeds(["get", pod, "-n", "monitoring", "-o", ready]));
        Assert.Equal("edge", await Succeeds(["get", pod, "-n", "monitoring", "-o", "jsonpath={.metadata.labels.tier}"]));
        Assert.Equal("1", await Succeeds(["get", "ds", "agent", "-n", "monitoring", "-o", "jsonpath={.status.numberReady}"]));
        Assert.Equal($"{pod} patched\n", await Succeeds(["patch", pod, "-n", "monitoring", "--subresource=status", "--type=strategic",
            "-p", """{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"""]));
        Assert.Equal($"True agent {node}", await Succeeds(["get", pod, "-n", "monitoring", "-o", ready]));
        // the strategic merge kept the served condition's lastTransitionTime (from before it went not ready): the pod became
        // ready when the patch said so, not then, so minReadySeconds counts from now
        var events = (await _server.Client().EventsAsync()).Where(e => (string?)e["type"] == "pod_status_observed.v1").ToList();
        var (notReady, readyAgain) = (events[^2], events[^1]);
        Assert.Equal((false, true), ((bool)notReady["data"]!["ready"]!, (bool)readyAgain["data"]!["ready"]!));
        Assert.True(DateTimeOffset.Parse((string)readyAgain["data"]!["readySince"]!, CultureInfo.InvariantCulture) >= DateTimeOffset.Parse((string)notReady["recordedAt"]!, CultureInfo.InvariantCulture),
            $"ready since {readyAgain["data"]!["readySince"]}, before it was reported not ready at {notReady["recordedAt"]}");
        Assert.Equal($"{pod} patched (no change)\n", await Succeeds(["patch", pod, "-n", "monitoring", "--subresource=status", "--type=json",
            "-p", """[{"op":"replace","path":"/status/phase","value":"Running"}]"""]));

        // the pod as served, its label changed, written back whole through the status subresource: the label is taken
        var served = JsonNode.Parse(await Succeeds(["get", pod, "-n", "monitoring", "-o", "json"]))!;
        served["metadata"]!["labels"]!["tier"] = "core";
        Assert.Equal($"{pod} replaced\n", await Succeeds(["replace", "--subresource=status", "-f", "-"], served.ToJsonString()));
        Assert.Equal($"core True agent {node}", await Succeeds(["get", pod, "-n", "monitoring", "-o", "jsonpath={.metadata.labels.tier} " + ready[9..]]));

        // a status no pod can have is refused, naming the field, and changes nothing
        var count = await _server.Client().EventCountAsync();
        var (code, _, error) = await _kubectl.RunAsync(["patch", pod, "-n", "monitoring", "--subresource=status", "--type=merge", "-p", """{"status":{"phase":"Asleep"}}"""]);
        Assert.True(code == 1 && error.Contains("status.phase", StringComparison.Ordinal), $"exit {code}: {error}");
        (code, _, error) = await _kubectl.RunAsync(["patch", pod, "-n", "monitoring", "--subresource=status", "--type=merge", "-p", """{"status":{"conditions":"ready"}}"""]);
        Assert.True(code == 1 && error.Contains("status.conditions", StringComparison.Ordinal), $"exit {code}: {error}");
        (code, _, error) = await _kubectl.RunAsync(["patch", pod, "-n", "monitoring", "--subresource=status", "--type=merge", "-p", """{"status":"ready"}"""]);
        Assert.True(code == 1 && error.Contains("status: expected an object", StringComparison.Ordinal), $"exit {code}: {error}");
        Assert.Equal(count, await _server.Client().EventCountAsync());
    }

    [Fact]
    public async Task DiffAndServerDryRuns_AnswerWhatWouldChange_AndAppendNothing()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        await Succeeds(["apply", "-f", "-"], Agent);
        await PodsReadyAsync(2);
        var client = _server.Client();
        var events = await client.EventCountAsync();
        var before = await Succeeds(["get", "nodes,ds,pods", "-A", "-o", "yaml"]);

        // kubectl diff asks for the change as a dry run: it shows it, and exits 1 because there is one
        var (code, diff, error) = await _kubectl.RunAsync(["diff", "-f", "-"], Agent.Replace("agent:1.0", "agent:2.0"));
        Assert.True(code == 1, $"kubectl diff exited with {code}: {error}");
        var changed = diff.Split('\n').Where(l => l.StartsWith('-') || l.StartsWith('+')).Select(l => l[0] + l[1..].Trim()).ToList();
        Assert.Contains(changed, l => l.StartsWith('-') && l.EndsWith("image: registry.example/agent:1.0", StringComparison.Ordinal));
        Assert.Contains(changed, l => l.StartsWith('+') && l.EndsWith("image: registry.example/agent:2.0", StringComparison.Ordinal));
        Assert.Contains("-generation: 1", changed);

        var pod = Names(await Succeeds(["get", "pods", "-n", "monitoring", "-o", "name"]))[0];
        Assert.Equal("node/node-1 labeled (server dry run)\n", await Succeeds(["label", "node", "node-1", "tier=edge", "--dry-run=server"]));
        Assert.Equal("node/node-1 cordoned (server dry run)\n", await Succeeds(["cordon", "node-1", "--dry-run=server"]));
        Assert.Equal("node \"node-2\" deleted (server dry run)\n", await Succeeds(["delete", "node", "node-2", "--dry-run=server"]));
        Assert.Equal($"{pod.Replace("pod/", "pod \"")}\" deleted (server dry run)\n", await Succeeds(["delete", pod, "-n", "monitoring", "--dry-run=server"]));
        Assert.Equal("daemonset.apps \"agent\" deleted (server dry run)\n", await Succeeds(["delete", "ds", "agent", "-n", "monitoring", "--dry-run=server"]));
        Assert.Equal("daemonset.apps/agent configured (server dry run)\n",
            await Succeeds(["apply", "-f", "-", "--dry-run=server"], Agent.Replace("agent:1.0", "agent:2.0")));
        Assert.Equal("daemonset.apps/agent skipped rollback (current template already matches revision 1) (server dry run)\n",
            await Succeeds(["rollout", "undo", "ds/agent", "-n", "monitoring", "--to-revision=1", "--dry-run=server"]));
        // a dry-run create answers the object as it would be stored, with no resourceVersion: none was written
        var created = await Succeeds(["apply", "-f", "-", "--dry-run=server", "-o", "jsonpath={.metadata.name} {.metadata.labels.zone} [{.metadata.resourceVersion}]"],
            "apiVersion: v1\nkind: Node\nmetadata: {name: node-4, labels: {zone: c}}\n");
        Assert.Equal("node-4 c []", created);

        Assert.Equal(events, await client.EventCountAsync());
        Assert.Equal(before, await Succeeds(["get", "nodes,ds,pods", "-A", "-o", "yaml"]));

        // a dry run of any other kind is refused, never taken as a write
        var (status, refused, _) = await client.PatchAsync("/api/v1/nodes/node-1?dryRun=Some", """{"metadata":{"labels":{"a":"b"}}}""");
        Assert.Equal((System.Net.HttpStatusCode.BadRequest, "dryRun"), (status, (string?)refused!["details"]!["causes"]![0]!["field"]));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await client.PostAsync("/engine/v1/clock?dryRun=All", """{"advanceSeconds":1}""")).Status);
        Assert.Equal(events, await client.EventCountAsync());

        // a rollback to another revision, as a dry run, is answered and changes nothing either (the rollout the new image
        // started goes on meanwhile, so the DaemonSet's generation and template are compared, not the log's length)
        await Succeeds(["set", "image", "ds/agent", "-n", "monitoring", "agent=registry.example/agent:2.0"]);
        const string spec = "jsonpath={.metadata.generation} {.spec.template.spec.containers[0].image}";
        Assert.Equal("2 registry.example/agent:2.0", await Succeeds(["get", "ds", "agent", "-n", "monitoring", "-o", spec]));
        Assert.Equal("daemonset.apps/agent rolled back (server dry run)\n",
            await Succeeds(["rollout", "undo", "ds/agent", "-n", "monitoring", "--to-revision=1", "--dry-run=server"]));
        Assert.Equal("2 registry.example/agent:2.0", await Succeeds(["get", "ds", "agent", "-n", "monitoring", "-o", spec]));
    }

    [Fact]
    public async Task Selectors_LabelAndField_FilterListsAndABadOneIsRefused()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        await Succeeds(["apply", "-f", "-"], Agent);
        await PodsReadyAsync(2);

        Assert.Equal(["node/node-1", "node/node-2"], Names(await Succeeds(["get", "nodes", "-l", "disk=ssd", "-o", "name"])));
        Assert.Equal(["node/node-2"], Names(await Succeeds(["get", "nodes", "-l", "disk=ssd,zone in (b)", "-o", "name"])));
        Assert.Equal(["node/node-3"], Names(await Succeeds(["get", "nodes", "-l", "disk!=ssd", "-o", "name"])));
        Assert.Equal(["node/node-2"], Names(await Succeeds(["get", "nodes", "--field-selector", "metadata.name=node-2", "-o", "name"])));
        var onNode1 = await Succeeds(["get", "pods", "-A", "--field-selector", "spec.nodeName=node-1", "-o", "jsonpath={.items[*].spec.nodeName}"]);
        Assert.Equal("node-1", onNode1);
        Assert.Empty(Names(await Succeeds(["get", "pods", "-A", "--field-selector", "status.phase=Failed", "-o", "name"])));
        Assert.Equal(2, Names(await Succeeds(["get", "pods", "-n", "monitoring", "-l", "app=agent", "-o", "name"])).Count);

        var (code, _, error) = await _kubectl.RunAsync("get", "pods", "-A", "--field-selector", "spec.color=blue");
        Assert.NotEqual(0, code);
        Assert.Contains("Error from server (BadRequest)", error);
        Assert.Contains("field label not supported: spec.color", error);
        (code, _, error) = await _kubectl.RunAsync("get", "nodes", "-l", "disk in (ssd");
        Assert.NotEqual(0, code);
        Assert.Contains("Error from server (BadRequest)", error);
        Assert.Contains("unable to parse requirement", error);
    }

    [Fact]
    public async Task LabelTaintAndCordon_MovePodsAsTheDaemonSetControllerWould()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        await Succeeds(["apply", "-f", "-"], Agent);
        await PodsReadyAsync(2);

        // node-3 gets the label the DaemonSet selects: a pod follows
        Assert.Equal("node/node-3 labeled\n", await Succeeds(["label", "node", "node-3", "disk=ssd", "--overwrite"]));
        await PodsReadyAsync(3);

        // a NoExecute taint evicts the pod that does not tolerate it; untainting brings one back
        Assert.Equal("node/node-2 tainted\n", await Succeeds(["taint", "node", "node-2", "dedicated=infra:NoExecute"]));
        await UntilAsync(async () => PodNodes(await Succeeds(["get", "pods", "-n", "monitoring", "-o", "wide"])) is ["node-1", "node-3"]);
        var taints = JsonNode.Parse(await Succeeds(["get", "node", "node-2", "-o", "jsonpath={.spec.taints}"]))!.AsArray();
        Assert.Equal(("dedicated", "infra", "NoExecute"), ((string?)taints[0]!["key"], (string?)taints[0]!["value"], (string?)taints[0]!["effect"]));
        Assert.Equal("node/node-2 untainted\n", await Succeeds(["taint", "node", "node-2", "dedicated=infra:NoExecute-"]));
        await PodsReadyAsync(3);

        // cordon: DaemonSet pods tolerate unschedulable, so nothing moves; the node shows it
        Assert.Equal("node/node-1 cordoned\n", await Succeeds(["cordon", "node-1"]));
        var cordoned = Rows(await Succeeds(["get", "nodes"])).Single(r => r[0] == "node-1");
        Assert.EndsWith("SchedulingDisabled", cordoned[1]);
        Assert.Equal(["node-1", "node-2", "node-3"], PodNodes(await Succeeds(["get", "pods", "-n", "monitoring", "-o", "wide"])));
        Assert.Equal("node/node-1 uncordoned\n", await Succeeds(["uncordon", "node-1"]));
        Assert.DoesNotContain("SchedulingDisabled", await Succeeds(["get", "nodes"]));
        Assert.Contains("NodeNotSchedulable", await Succeeds(["get", "events", "--field-selector", "involvedObject.name=node-1"]));
    }

    [Fact]
    public async Task SetImage_RolloutStatusHistoryAndUndo()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        await Succeeds(["apply", "-f", "-"], Agent);
        await PodsReadyAsync(2);

        Assert.Equal("daemonset.apps/agent image updated\n",
            await Succeeds(["set", "image", "ds/agent", "-n", "monitoring", "agent=registry.example/agent:2.0"]));
        Assert.Contains("daemon set \"agent\" successfully rolled out", await Succeeds(["rollout", "status", "ds/agent", "-n", "monitoring", "--timeout=60s"]));
        var images = await Succeeds(["get", "pods", "-n", "monitoring", "-o", "jsonpath={.items[*].spec.containers[0].image}"]);
        Assert.Equal(["registry.example/agent:2.0", "registry.example/agent:2.0"], images.Split(' '));

        var history = Rows(await Succeeds(["rollout", "history", "ds/agent", "-n", "monitoring"]));
        Assert.Equal([["REVISION", "CHANGE-CAUSE"], ["1", "<none>"], ["2", "<none>"]], history.Skip(1).ToList());
        var first = await Succeeds(["rollout", "history", "ds/agent", "-n", "monitoring", "--revision=1"]);
        Assert.Contains("with revision #1", first);
        Assert.Contains("Image:\tregistry.example/agent:1.0", first);

        Assert.Equal("daemonset.apps/agent rolled back\n", await Succeeds(["rollout", "undo", "ds/agent", "-n", "monitoring", "--to-revision=1"]));
        Assert.Contains("successfully rolled out", await Succeeds(["rollout", "status", "ds/agent", "-n", "monitoring", "--timeout=60s"]));
        Assert.Equal("registry.example/agent:1.0",
            await Succeeds(["get", "ds", "agent", "-n", "monitoring", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]));
        // Kubernetes renumbers the restored template: revision 1 becomes 3
        Assert.Equal(["2", "3"], Rows(await Succeeds(["rollout", "history", "ds/agent", "-n", "monitoring"])).Skip(2).Select(r => r[0]));

        // kubectl compares the revision's data, byte for byte, with its own encoding of the DaemonSet's template: the
        // current revision is skipped, and nothing is written
        var events = await _server.Client().EventCountAsync();
        Assert.Equal("daemonset.apps/agent skipped rollback (current template already matches revision 3)\n",
            await Succeeds(["rollout", "undo", "ds/agent", "-n", "monitoring", "--to-revision=3"]));
        Assert.Equal(events, await _server.Client().EventCountAsync());
    }

    [Fact]
    public async Task RolloutUndo_ToTheCurrentRevision_IsSkipped_WhateverTheTemplateHolds()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        // what Go's encoding changes: characters it escapes (<, >, &), a container without resources, an empty struct,
        // an empty map it leaves out, keys out of order, a number, quantities not in canonical form (1000m is 1, 0.5Gi
        // is 512Mi, a bare 2 is "2")
        var agent = """
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: agent, namespace: monitoring}
            spec:
              selector: {matchLabels: {app: agent}}
              template:
                metadata:
                  labels: {app: agent}
                  annotations: {note: "a<b & c>d, ü"}
                spec:
                  securityContext: {}
                  nodeSelector: {}
                  terminationGracePeriodSeconds: 10
                  containers:
                  - name: agent
                    image: registry.example/agent:1.0
                    args: ["sh", "-c", "run && check < /etc/agent"]
                    ports: [{hostPort: 9100, containerPort: 9100}]
                  - name: sidecar
                    image: registry.example/sidecar:1.0
                    resources: {requests: {cpu: 1000m, memory: 0.5Gi}, limits: {cpu: 2, memory: 1536Mi}}
            """;
        await Succeeds(["apply", "-f", "-"], agent);
        Assert.Equal("daemonset.apps/agent skipped rollback (current template already matches revision 1)\n",
            await Succeeds(["rollout", "undo", "ds/agent", "-n", "monitoring", "--to-revision=1"]));
        await Succeeds(["set", "image", "ds/agent", "-n", "monitoring", "agent=registry.example/agent:2.0"]);
        Assert.Equal("daemonset.apps/agent skipped rollback (current template already matches revision 2)\n",
            await Succeeds(["rollout", "undo", "ds/agent", "-n", "monitoring", "--to-revision=2"]));
        Assert.Equal("daemonset.apps/agent rolled back\n", await Succeeds(["rollout", "undo", "ds/agent", "-n", "monitoring", "--to-revision=1"]));
        Assert.Equal("registry.example/agent:1.0",
            await Succeeds(["get", "ds", "agent", "-n", "monitoring", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]));
        Assert.Equal("daemonset.apps/agent skipped rollback (current template already matches revision 3)\n",
            await Succeeds(["rollout", "undo", "ds/agent", "-n", "monitoring", "--to-revision=3"]));

        // the data as the DaemonSet controller writes it (Go's encoding of the template), read back as kubectl reads it
        var revision = await Succeeds(["get", "controllerrevisions", "-n", "monitoring", "-o", "json"]);
        Assert.Contains("""
            "data":{"spec":{"template":{"$patch":"replace","metadata":{"annotations":{"note":"a\u003cb \u0026 c\u003ed, ü"},"creationTimestamp":null,"labels":{"app":"agent"}},"spec":{"containers":[{"args":["sh","-c","run \u0026\u0026 check \u003c /etc/agent"],"image":"registry.example/agent:1.0","imagePullPolicy":"IfNotPresent","name":"agent","ports":[{"containerPort":9100,"hostPort":9100,"protocol":"TCP"}],"resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"},{"image":"registry.example/sidecar:1.0","imagePullPolicy":"IfNotPresent","name":"sidecar","resources":{"limits":{"cpu":"2","memory":"1536Mi"},"requests":{"cpu":"1","memory":"512Mi"}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":10}}}}
            """, await RawAsync("/apis/apps/v1/namespaces/monitoring/controllerrevisions"));
        Assert.Contains("\"revision\": 3", revision);
    }

    private async Task<string> RawAsync(string path)
    {
        using var client = _server.Client();
        return await client.GetStringAsync(path);
    }

    [Fact]
    public async Task Describe_ShowsTheControllersEvents_AndGetEventsListsThem()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        await Succeeds(["apply", "-f", "-"], Agent);
        await PodsReadyAsync(2);
        var pods = Names(await Succeeds(["get", "pods", "-n", "monitoring", "-o", "name"]));

        var described = await Succeeds(["describe", "ds", "agent", "-n", "monitoring"]);
        Assert.Contains("Selector:       app=agent", described);
        Assert.Contains("Node-Selector:  disk=ssd", described);
        Assert.Contains("Desired Number of Nodes Scheduled: 2", described);
        var events = described[described.IndexOf("Events:", StringComparison.Ordinal)..];
        foreach (var pod in pods)
            Assert.Contains($"Normal  SuccessfulCreate  ", events.Split('\n').Single(l => l.EndsWith("Created pod: " + pod["pod/".Length..], StringComparison.Ordinal)));
        Assert.Contains("daemonset-controller", events);

        var listed = Rows(await Succeeds(["get", "events", "-n", "monitoring"]));
        Assert.Equal(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], Header(await Succeeds(["get", "events", "-n", "monitoring"])));
        Assert.Equal(2, listed.Count(r => r.Contains("SuccessfulCreate") && r.Contains("daemonset/agent")));
        var nodeEvents = await Succeeds(["get", "events", "-n", "default", "--field-selector", "reason=RegisteredNode", "-o", "name"]);
        Assert.Equal(3, Names(nodeEvents).Count);
        Assert.Contains("monitoring", Names(await Succeeds(["get", "namespaces", "-o", "name"])).Select(n => n["namespace/".Length..]));
    }

    [Fact]
    public async Task GetWatch_ShowsAChangeMadeMeanwhile()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        await using var watching = _kubectl.Start("get", "nodes", "-l", "zone=b", "-w", "-o", "custom-columns=NAME:.metadata.name,TAINTS:.spec.taints[*].key");
        await UntilAsync(() => Task.FromResult(watching.Out.Contains("node-3")));
        await Succeeds(["taint", "node", "node-3", "maintenance=now:NoSchedule"]);
        await UntilAsync(() => Task.FromResult(watching.Out.Contains("maintenance")));
        var lines = watching.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(["NAME", "TAINTS"], lines[0]);
        Assert.Equal(["node-3", "maintenance"], lines[^1]);
        Assert.DoesNotContain(lines, l => l[0] == "node-1");
        Assert.Equal("", watching.Err);
    }

    [Fact]
    public async Task Errors_AsKubectlPrintsThem()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        var (code, _, error) = await _kubectl.RunAsync("get", "node", "nope");
        Assert.Equal((1, "Error from server (NotFound): nodes \"nope\" not found\n"), (code, error));
        (code, _, error) = await _kubectl.RunAsync("get", "ds", "nope", "-n", "default");
        Assert.Equal((1, "Error from server (NotFound): daemonsets.apps \"nope\" not found\n"), (code, error));
        // as on a cluster, kubectl then asks whether the namespace exists: one nothing has used does not
        (code, _, error) = await _kubectl.RunAsync("get", "ds", "nope", "-n", "nowhere");
        Assert.Equal((1, "Error from server (NotFound): namespaces \"nowhere\" not found\n"), (code, error));

        (code, _, error) = await _kubectl.RunAsync(["apply", "-f", "-"], "apiVersion: v1\nkind: Node\nmetadata:\n  name: Bad_Name\n");
        Assert.Equal(1, code);
        Assert.StartsWith("The Node \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", error);

        (code, _, error) = await _kubectl.RunAsync(["apply", "-f", "-"],
            "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-9\nspec:\n  taints:\n  - key: k\n    effect: Sometimes\n");
        Assert.Equal(1, code);
        Assert.Contains("The Node \"node-9\" is invalid: spec.taints[0].effect: Unsupported value: \"Sometimes\"", error);

        (code, _, error) = await _kubectl.RunAsync("taint", "node", "nope", "k=v:NoSchedule");
        Assert.Equal(1, code);
        Assert.Contains("nodes \"nope\" not found", error);
        Assert.Equal(["node/node-1", "node/node-2", "node/node-3"], Names(await Succeeds(["get", "nodes", "-o", "name"])));
    }

    [Fact]
    public async Task Delete_WithCascade_RemovesOrOrphansThePods()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        await Succeeds(["apply", "-f", "-"], Agent);
        await PodsReadyAsync(2);

        Assert.Equal("daemonset.apps \"agent\" deleted\n", await Succeeds(["delete", "ds", "agent", "-n", "monitoring", "--cascade=orphan"]));
        var orphans = JsonNode.Parse(await Succeeds(["get", "pods", "-n", "monitoring", "-o", "json"]))!["items"]!.AsArray();
        Assert.Equal(2, orphans.Count);
        Assert.All(orphans, p => Assert.Null(p!["metadata"]!["ownerReferences"]));
        // an orphan keeps its spec (from its revision, which an Orphan delete keeps): still 1/1 ready
        Assert.All(Rows(await Succeeds(["get", "pods", "-n", "monitoring"])).Skip(1), r => Assert.Equal(("1/1", "Running"), (r[1], r[2])));

        // created again, the DaemonSet adopts its orphans; a foreground delete then takes them with it
        await Succeeds(["apply", "-f", "-"], Agent);
        await UntilAsync(async () => (await Succeeds(["get", "pods", "-n", "monitoring", "-o", "jsonpath={.items[*].metadata.ownerReferences[0].kind}"])) == "DaemonSet DaemonSet");
        Assert.Equal("daemonset.apps \"agent\" deleted\n", await Succeeds(["delete", "ds", "agent", "-n", "monitoring", "--cascade=foreground"]));
        Assert.Equal("", await Succeeds(["get", "pods", "-n", "monitoring", "-o", "name"]));
        Assert.Equal("node \"node-3\" deleted\n", await Succeeds(["delete", "node", "node-3"]));
        Assert.Equal(["node/node-1", "node/node-2"], Names(await Succeeds(["get", "nodes", "-o", "name"])));
    }

    [Fact]
    public async Task ApplyOfAList_WhatGetPrints_IsValidatedAgainstTheServedSchemasThenApplied()
    {
        await Succeeds(["apply", "-f", "-"], Nodes);
        await Succeeds(["apply", "-f", "-"], Agent);
        await PodsReadyAsync(2);

        // kubectl validates a List's items on the client, with the OpenAPI v2 document it reads as protobuf
        var list = await Succeeds(["get", "nodes,daemonsets", "-A", "-o", "yaml"]);
        Assert.StartsWith("apiVersion: v1\nitems:", list);
        Assert.Contains("kind: List", list);
        Assert.Equal(
            "node/node-1 configured\nnode/node-2 configured\nnode/node-3 configured\ndaemonset.apps/agent configured\n",
            await Succeeds(["apply", "-f", "-"], list.Replace("zone: b", "zone: c")));
        Assert.Equal("c c", await Succeeds(["get", "nodes", "-l", "zone=c", "-o", "jsonpath={.items[*].metadata.labels.zone}"]));

        // and refuses an item with a field its kind does not have, naming the field and the schema, before sending anything
        var events = await _server.Client().EventCountAsync();
        var (code, _, error) = await _kubectl.RunAsync(["apply", "-f", "-"], list.Replace("image: registry.example/agent:1.0", "imagee: registry.example/agent:1.0"));
        Assert.True(code == 1, $"exit {code}: {error}");
        Assert.Contains("ValidationError(DaemonSet.spec.template.spec.containers[0]): unknown field \"imagee\" in io.k8s.api.core.v1.Container", error);
        (code, _, error) = await _kubectl.RunAsync(["apply", "-f", "-"], list.Replace("    name: node-2\n", "    name: node-2\n    unschedulable: true\n"));
        Assert.True(code == 1, $"exit {code}: {error}");
        Assert.Contains("ValidationError(Node.metadata): unknown field \"unschedulable\" in io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", error);
        Assert.Equal(events, await _server.Client().EventCountAsync());
    }

    private async Task<string> Succeeds(string[] args, string? stdin = null)
    {
        var (code, output, error) = await _kubectl.RunAsync(args, stdin);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited with {code}: {error}\n{output}");
        return output;
    }

    /// <summary>Waits until this many pods of the agent are Running and 1/1 ready.</summary>
    private Task PodsReadyAsync(int count) => UntilAsync(async () =>
    {
        var rows = Rows(await Succeeds(["get", "pods", "-n", "monitoring"])).Skip(1).ToList();
        return rows.Count == count && rows.All(r => r[1] == "1/1" && r[2] == "Running");
    });

    private static Task UntilAsync(Func<Task<bool>> condition) => Wait.UntilAsync(condition, TimeSpan.FromSeconds(30));

    private static List<string> PodNodes(string wide) => Rows(wide).Skip(1).Select(r => r[6]).Order().ToList();

    private static List<string> Names(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>kubectl's header: column names split where two or more spaces separate them.</summary>
    private static string[] Header(string output) =>
        System.Text.RegularExpressions.Regex.Split(output.Split('\n')[0].Trim(), " {2,}");

    /// <summary>The rows of kubectl's table output, cells split where two or more spaces separate them (the header first).</summary>
    private static List<string[]> Rows(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.RegularExpressions.Regex.Split(l.Trim(), " {2,}")).ToList();
}
