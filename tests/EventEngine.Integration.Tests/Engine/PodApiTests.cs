using System.Net;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>Pods through HTTP: observed pods, node-agent reports, deletes, and the metadata every event carries.</summary>
public sealed class PodApiTests : ApiTest
{
    private const string Pods = "/api/v1/namespaces/kube-system/pods";
    private const string Observed = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"observed"},
         "spec":{"nodeName":"node-1","containers":[{"name":"c","image":"agent:1"}]},"status":{"phase":"Running"}}
        """;

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Engine:MaxBodyBytes"] = "8192" };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Client.PostAsync("/api/v1/nodes", Http.Node("node-1"));
    }

    [Fact]
    public async Task ControllerEvents_CarryTheRequestsCorrelationAndActor_AndPointAtTheirCause()
    {
        var headers = new Dictionary<string, string> { ["X-Actor"] = "alice", ["X-Correlation-Id"] = "req-42" };
        var (status, _, response) = await Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml, headers);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("req-42", response.Headers.GetValues("X-Correlation-Id").Single());
        var events = await Client.EventsAsync(1);
        var created = events.Single(e => (string)e["type"]! == "daemonset_created.v1");
        var pod = events.Single(e => (string)e["type"]! == "pod_created.v1");
        Assert.All(events, e => Assert.Equal(("req-42", "alice"), ((string)e["metadata"]!["correlationId"]!, (string)e["metadata"]!["actor"]!)));
        Assert.Equal((string)created["id"]!, (string?)pod["metadata"]!["causationId"]);
        Assert.Equal("MissingPod", (string?)pod["metadata"]!["reason"]!["code"]);
        Assert.Equal(("kube-system/fluentd-elasticsearch", "node-1"), ((string)pod["data"]!["daemonSet"]!, (string)pod["data"]!["node"]!));
        Assert.NotNull(pod["data"]!["pod"]);
        Assert.Equal("anonymous", (string?)(await Client.EventsAsync())[0]["metadata"]!["actor"]);
    }

    [Fact]
    public async Task StatusReport_MakesThePodReady_AndTheDaemonSetCountsIt()
    {
        await Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml);
        var pod = (await Client.GetJsonAsync("/api/v1/pods?node=node-1"))["items"]![0]!;
        var name = (string)pod["metadata"]!["name"]!;
        var (status, body, _) = await Client.PutAsync($"/api/v1/namespaces/kube-system/pods/{name}/status",
            """{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Running", (string?)body!["status"]!["phase"]);
        var ds = await Client.GetJsonAsync("/apis/apps/v1/namespaces/kube-system/daemonsets/fluentd-elasticsearch");
        Assert.Equal(1, (int)ds["status"]!["numberReady"]!);
        var (bad, problem, _) = await Client.PutAsync($"/api/v1/namespaces/kube-system/pods/{name}/status", """{"status":{"phase":"Sleeping"}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad);
        Assert.Equal(["status.phase"], problem.Fields());
        Assert.Equal(HttpStatusCode.NotFound, (await Client.PutAsync("/api/v1/namespaces/kube-system/pods/nope/status", "{}")).Status);
    }

    [Fact]
    public async Task DeletedPod_IsReplaced_PointingAtTheDeletion()
    {
        await Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml);
        var name = (string)(await Client.GetJsonAsync("/api/v1/pods?node=node-1"))["items"]![0]!["metadata"]!["name"]!;
        var head = (long)(await Client.EventsAsync())[^1]["seq"]!;
        Assert.Equal(HttpStatusCode.OK, (await Client.DeleteJsonAsync($"/api/v1/namespaces/kube-system/pods/{name}")).Status);
        var events = await Client.EventsAsync(head);
        var deleted = events.Single(e => (string)e["type"]! == "pod_deleted.v1");
        var created = events.Single(e => (string)e["type"]! == "pod_created.v1");
        Assert.Equal((string)deleted["id"]!, (string?)created["metadata"]!["causationId"]);
        Assert.NotEqual(name, (string)(await Client.GetJsonAsync("/api/v1/pods?node=node-1"))["items"]![0]!["metadata"]!["name"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteJsonAsync($"/api/v1/namespaces/kube-system/pods/{name}")).Status);
    }

    [Fact]
    public async Task ObservedPod_IsRegistered_AndAdoptedByAMatchingDaemonSet_WithoutARestart()
    {
        var (status, body, _) = await Client.PostAsync("/api/v1/namespaces/kube-system/pods", """
            apiVersion: v1
            kind: Pod
            metadata: {name: fluentd-old, labels: {name: fluentd-elasticsearch}, creationTimestamp: '2025-12-01T00:00:00Z'}
            spec: {nodeName: node-1, containers: [{name: f, image: fluentd}]}
            status: {phase: Running, conditions: [{type: Ready, status: 'True'}]}
            """, Http.Yaml);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("kube-system", (string?)body!["metadata"]!["namespace"]);
        await Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd + "\n  updateStrategy: {type: OnDelete}", Http.Yaml);
        var pods = (await Client.GetJsonAsync("/api/v1/pods?daemonset=kube-system/fluentd-elasticsearch"))["items"]!.AsArray();
        Assert.Equal("fluentd-old", (string?)Assert.Single(pods)!["metadata"]!["name"]);
        var (invalid, problem, _) = await Client.PostAsync("/api/v1/namespaces/kube-system/pods", """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"Bad_Name"}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid);
        Assert.Equal(["metadata.name"], problem.Fields());
    }

    [Fact]
    public async Task GetPod_IsTheObjectWithItsETag_AndAnUnknownPodIs404Status()
    {
        await Client.PostAsync(Pods, Observed);
        var (status, pod, response) = await Client.SendAsync(HttpMethod.Get, Pods + "/observed");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("v1", "Pod"), ((string?)pod!["apiVersion"], (string?)pod["kind"]));
        Assert.Equal(("observed", "kube-system"), ((string?)pod["metadata"]!["name"], (string?)pod["metadata"]!["namespace"]));
        Assert.Equal(("node-1", "Running"), ((string?)pod["spec"]!["nodeName"], (string?)pod["status"]!["phase"]));
        Assert.Equal($"\"{(string)pod["metadata"]!["resourceVersion"]!}\"", response.Headers.ETag?.Tag);

        var (missing, problem, missingResponse) = await Client.SendAsync(HttpMethod.Get, Pods + "/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("pods \"nope\" not found", missingResponse.AssertStatus(problem, 404));
        Assert.Equal("NotFound", (string?)problem!["reason"]);
    }

    [Fact]
    public async Task APatchOfTheStatus_KeepsTheLabelsItGives_AsTheApiServerDoes_AndNotTheSpec()
    {
        await Client.PostAsync(Pods, Observed);
        var (status, pod, _) = await Client.PatchAsync(Pods + "/observed/status",
            """{"metadata":{"labels":{"tier":"edge"}},"spec":{"nodeName":"node-2"},"status":{"phase":"Failed"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("edge", "Failed", "node-1"),
            ((string?)pod!["metadata"]!["labels"]!["tier"], (string?)pod["status"]!["phase"], (string?)pod["spec"]!["nodeName"]));
        var events = (await Client.EventsAsync()).Select(e => (string)e["type"]!).ToList();
        Assert.Equal(["pod_status_observed.v1", "pod_labels_changed.v1"], events[^2..]);

        // labels that are not labels are refused, and nothing is written
        var before = await Client.EventCountAsync();
        var (bad, problem, _) = await Client.PatchAsync(Pods + "/observed/status", """{"metadata":{"labels":{"tier":"no good"}},"status":{"phase":"Running"}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad);
        Assert.Equal(["metadata.labels"], problem.Fields());
        Assert.Equal(before, await Client.EventCountAsync());
    }

    [Fact]
    public async Task AWrittenStatus_KeepsTheLabelsItGives_AndOneThatGivesNoneLeavesThem()
    {
        await Client.PostAsync(Pods, Observed);
        var (status, pod, _) = await Client.PutAsync(Pods + "/observed/status",
            """{"metadata":{"labels":{"tier":"edge"}},"spec":{"nodeName":"node-2"},"status":{"phase":"Failed"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("edge", "Failed", "node-1"),
            ((string?)pod!["metadata"]!["labels"]!["tier"], (string?)pod["status"]!["phase"], (string?)pod["spec"]!["nodeName"]));
        Assert.Equal(["pod_status_observed.v1", "pod_labels_changed.v1"], (await Client.EventsAsync()).Select(e => (string)e["type"]!).ToList()[^2..]);

        // a status alone (as the kubelet writes one) leaves the labels; the same labels again record nothing
        (status, pod, _) = await Client.PutAsync(Pods + "/observed/status", """{"status":{"phase":"Running"}}""");
        Assert.Equal((HttpStatusCode.OK, "edge", "Running"), (status, (string?)pod!["metadata"]!["labels"]!["tier"], (string?)pod["status"]!["phase"]));
        var before = await Client.EventCountAsync();
        Assert.Equal(HttpStatusCode.OK, (await Client.PutAsync(Pods + "/observed/status", """{"metadata":{"labels":{"tier":"edge"}},"status":{"phase":"Running"}}""")).Status);
        Assert.Equal(before, await Client.EventCountAsync());

        // labels that are not labels are refused, and nothing is written, the status included
        var (bad, problem, _) = await Client.PutAsync(Pods + "/observed/status", """{"metadata":{"labels":{"tier":"no good"}},"status":{"phase":"Failed"}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad);
        Assert.Equal(["metadata.labels"], problem.Fields());
        Assert.Equal(before, await Client.EventCountAsync());
        Assert.Equal("Running", (string?)(await Client.GetJsonAsync(Pods + "/observed"))["status"]!["phase"]);
    }

    [Fact]
    public async Task MalformedJson_Is400_OnRegisterAndStatus_AndAppendsNothing()
    {
        await Client.PostAsync(Pods, Observed);
        var before = await Client.EventCountAsync();
        var (register, problem, response) = await Client.PostAsync(Pods, "{\"apiVersion\": ");
        Assert.Equal(HttpStatusCode.BadRequest, register);
        Assert.Contains("malformed JSON", response.AssertStatus(problem, 400));
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.PutAsync(Pods + "/observed/status", "{\"status\": {")).Status);
        var (wrongType, typeProblem, _) = await Client.PutAsync(Pods + "/observed/status", """{"status":{"phase":7}}""");
        Assert.Equal(HttpStatusCode.BadRequest, wrongType);
        Assert.Equal(["status.phase"], typeProblem.Fields());
        Assert.Equal(before, await Client.EventCountAsync());
    }

    [Fact]
    public async Task StaleVersion_OnStatusAndDelete_Is409_NamingTheField_AndAppendsNothing()
    {
        var (_, registered, _) = await Client.PostAsync(Pods, Observed);
        var first = (string)registered!["metadata"]!["resourceVersion"]!;
        const string ready = """{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""";
        var (_, reported, response) = await Client.PutAsync(Pods + "/observed/status", ready);
        Assert.NotEqual(first, (string)reported!["metadata"]!["resourceVersion"]!);
        var before = await Client.EventCountAsync();
        var stale = new Dictionary<string, string> { ["If-Match"] = $"\"{first}\"" };
        const string notReady = """{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"}]}}""";

        var (status, problem, _) = await Client.SendAsync(HttpMethod.Put, Pods + "/observed/status", notReady, headers: stale);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(["If-Match"], problem.Fields());
        var (body, bodyProblem, _) = await Client.PutAsync(Pods + "/observed/status",
            $$$"""{"metadata":{"resourceVersion":"{{{first}}}"},"status":{"phase":"Failed"}}""");
        Assert.Equal(HttpStatusCode.Conflict, body);
        Assert.Equal(["metadata.resourceVersion"], bodyProblem.Fields());
        var (delete, deleteProblem, _) = await Client.SendAsync(HttpMethod.Delete, Pods + "/observed", headers: stale);
        Assert.Equal(HttpStatusCode.Conflict, delete);
        Assert.Equal(["If-Match"], deleteProblem.Fields());
        Assert.Equal(before, await Client.EventCountAsync());

        var latest = new Dictionary<string, string> { ["If-Match"] = response.Headers.ETag!.Tag };
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Put, Pods + "/observed/status", notReady, headers: latest)).Status);
    }

    [Fact]
    public async Task BodyTooLarge_Is413_OnRegisterAndStatus_AndAppendsNothing()
    {
        await Client.PostAsync(Pods, Observed);
        var before = await Client.EventCountAsync();
        var labels = string.Join(",", Enumerable.Range(0, 500).Select(i => $"\"label-{i}\":\"value-{i}\""));
        var big = Observed.Replace("\"name\":\"observed\"", $"\"name\":\"big\",\"labels\":{{{labels}}}");
        var (register, problem, response) = await Client.PostAsync(Pods, big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, register);
        response.AssertStatus(problem, 413);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await Client.PutAsync(Pods + "/observed/status", big)).Status);
        Assert.Equal(before, await Client.EventCountAsync());
    }

    [Fact]
    public async Task UnsupportedMediaType_Is415_OnRegisterAndStatus_AndAppendsNothing()
    {
        await Client.PostAsync(Pods, Observed);
        var before = await Client.EventCountAsync();
        var (register, problem, response) = await Client.PostAsync(Pods, Observed, "application/xml");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, register);
        response.AssertStatus(problem, 415);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Client.PutAsync(Pods + "/observed/status", """{"status":{"phase":"Failed"}}""", "application/xml")).Status);
        Assert.Equal(before, await Client.EventCountAsync());
    }
}
