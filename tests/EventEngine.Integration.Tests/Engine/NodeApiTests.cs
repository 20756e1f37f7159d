using System.Net;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>/api/v1/nodes through HTTP: every success and every error class, against a real database.</summary>
public sealed class NodeApiTests : ApiTest
{

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Engine:MaxBodyBytes"] = "4096" };

    [Fact]
    public async Task Join_Returns201_WithResourceVersionAndETag_AndGetAndListShowIt()
    {
        var (status, body, response) = await Client.PostAsync("/api/v1/nodes", Http.Node("worker-1", ",\"labels\":{\"zone\":\"a\"}"));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("1", (string?)body!["metadata"]!["resourceVersion"]);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.Equal("a", (string?)(await Client.GetJsonAsync("/api/v1/nodes/worker-1"))["metadata"]!["labels"]!["zone"]);
        var list = await Client.GetJsonAsync("/api/v1/nodes");
        Assert.Equal(("v1", "NodeList"), ((string?)list["apiVersion"], (string?)list["kind"]));
        Assert.Single(list["items"]!.AsArray());
    }

    /// <summary>One merge patch removed the selected label and added a NoSchedule taint: the pod was recorded as evicted by a NoExecute taint, with no message.</summary>
    [Fact]
    public async Task Regression_LabelRemovedWithANoScheduleTaint_IsMisscheduledByTheSelector_CausedByTheLabelChange()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("n1", ",\"labels\":{\"disk\":\"ssd\"}"));
        await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent("""{"nodeSelector":{"disk":"ssd"}}"""));
        var (status, _, _) = await Client.PatchAsync("/api/v1/nodes/n1",
            """{"metadata":{"labels":{"disk":null}},"spec":{"taints":[{"key":"maintenance","effect":"NoSchedule"}]}}""");
        Assert.Equal(HttpStatusCode.OK, status);

        var events = await Client.EventsAsync();
        var labels = events.Single(e => (string)e["type"]! == "node_labels_changed.v1");
        Assert.Contains(events, e => (string)e["type"]! == "node_taints_changed.v1");
        var deleted = events.Single(e => (string)e["type"]! == "pod_deleted.v1");
        var reason = deleted["metadata"]!["reason"]!;
        Assert.Equal("Misscheduled", (string?)reason["code"]);
        Assert.Equal("nodeSelector disk=ssd does not match: node has no label disk", (string?)reason["message"]);
        Assert.Equal((string?)labels["id"], (string?)deleted["metadata"]!["causationId"]);
        Assert.Equal("Misscheduled", (string?)deleted["data"]!["reason"]);
    }

    [Fact]
    public async Task AStatusWrite_KeepsTheLabelsAndAnnotationsItGives_NotTheSpec_AsTheApiServerDoes()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent("""{"nodeSelector":{"disk":"ssd"}}"""));
        var (status, node, _) = await Client.PatchAsync("/api/v1/nodes/n1/status",
            """{"metadata":{"labels":{"disk":"ssd"},"annotations":{"team":"infra"}},"spec":{"unschedulable":true},"status":{"conditions":[{"type":"Ready","status":"True"}]}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("ssd", "infra", null), ((string?)node!["metadata"]!["labels"]!["disk"], (string?)node["metadata"]!["annotations"]!["team"], node["spec"]?["unschedulable"]));
        // the label places the DaemonSet's pod there, as a label written any other way does
        var pods = (await Client.GetJsonAsync("/api/v1/pods"))["items"]!.AsArray();
        Assert.Equal("n1", (string?)Assert.Single(pods)!["spec"]!["nodeName"]);

        // a PUT of the status keeps the labels it gives; one that gives none leaves them
        var (put, _, _) = await Client.PutAsync("/api/v1/nodes/n1/status",
            """{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"disk":"ssd","zone":"a"}},"status":{"conditions":[{"type":"Ready","status":"True"}]}}""");
        Assert.Equal(HttpStatusCode.OK, put);
        await Client.PutAsync("/api/v1/nodes/n1/status", """{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"status":{"conditions":[{"type":"Ready","status":"True"}]}}""");
        var labels = (await Client.GetJsonAsync("/api/v1/nodes/n1"))["metadata"]!["labels"]!.AsObject();
        Assert.Equal(["disk=ssd", "zone=a"], labels.Select(l => $"{l.Key}={l.Value}").Order());
        // a patch of the status that removes the annotations removes them, as a patch of the node does
        await Client.PatchAsync("/api/v1/nodes/n1/status", """{"metadata":{"annotations":null}}""");
        Assert.Null((await Client.GetJsonAsync("/api/v1/nodes/n1"))["metadata"]!["annotations"]);
    }

    [Fact]
    public async Task Join_AcceptsYaml()
    {
        var (status, _, _) = await Client.PostAsync("/api/v1/nodes", "apiVersion: v1\nkind: Node\nmetadata:\n  name: yaml-node\n", Http.Yaml);
        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Fact]
    public async Task InvalidNode_Is422_NamingTheField_AndAppendsNothing()
    {
        var (status, body, response) = await Client.PostAsync("/api/v1/nodes",
            """{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"spec":{"taints":[{"key":"k","effect":"Sometimes"}]}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        response.AssertStatus(body, 422);
        Assert.Equal("Invalid", (string?)body!["reason"]);
        Assert.Equal(["spec.taints[0].effect"], body.Fields());
        Assert.Equal(0, await Client.EventCountAsync());
    }

    [Fact]
    public async Task DuplicateJoin_Is409()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("twice"));
        var (status, body, response) = await Client.PostAsync("/api/v1/nodes", Http.Node("twice"));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("nodes \"twice\" already exists", response.AssertStatus(body, 409));
        Assert.Equal("AlreadyExists", (string?)body!["reason"]);
    }

    [Fact]
    public async Task MalformedJson_Is400()
    {
        var (status, body, response) = await Client.PostAsync("/api/v1/nodes", "{\"apiVersion\": ");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("malformed JSON", response.AssertStatus(body, 400));
    }

    [Fact]
    public async Task WrongFieldType_Is400_NamingTheField()
    {
        var (status, body, _) = await Client.PostAsync("/api/v1/nodes", """{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"spec":{"unschedulable":"often"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["spec.unschedulable"], body.Fields());
    }

    [Fact]
    public async Task UnsupportedMediaType_Is415()
    {
        var (status, _, _) = await Client.PostAsync("/api/v1/nodes", Http.Node("n"), "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
    }

    [Fact]
    public async Task BodyTooLarge_Is413_AndAppendsNothing()
    {
        var labels = string.Join(",", Enumerable.Range(0, 400).Select(i => $"\"label-{i}\":\"value-{i}\""));
        var (status, _, _) = await Client.PostAsync("/api/v1/nodes", Http.Node("big", $",\"labels\":{{{labels}}}"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(0, await Client.EventCountAsync());
    }

    [Fact]
    public async Task Replace_WithAStaleResourceVersion_Is409_WithTheLatestIt200()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        var (ok, body, _) = await Client.PutAsync("/api/v1/nodes/n1", Http.Node("n1", ",\"resourceVersion\":\"1\",\"labels\":{\"a\":\"b\"}"));
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal("2", (string?)body!["metadata"]!["resourceVersion"]);
        var before = await Client.EventCountAsync();
        var (stale, problem, _) = await Client.PutAsync("/api/v1/nodes/n1", Http.Node("n1", ",\"resourceVersion\":\"1\",\"labels\":{\"a\":\"c\"}"));
        Assert.Equal(HttpStatusCode.Conflict, stale);
        Assert.Equal(["metadata.resourceVersion"], problem.Fields());
        Assert.Equal("b", (string?)(await Client.GetJsonAsync("/api/v1/nodes/n1"))["metadata"]!["labels"]!["a"]);
        Assert.Equal(before, await Client.EventCountAsync());
    }

    [Fact]
    public async Task IfMatch_OnPutPatchAndDelete_IsAPrecondition_NamingTheHeader()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        var before = await Client.EventCountAsync();
        var stale = new Dictionary<string, string> { ["If-Match"] = "\"7\"" };
        var (put, putProblem, _) = await Client.SendAsync(HttpMethod.Put, "/api/v1/nodes/n1", Http.Node("n1", ",\"labels\":{\"a\":\"b\"}"), headers: stale);
        Assert.Equal(HttpStatusCode.Conflict, put);
        Assert.Equal(["If-Match"], putProblem.Fields());
        var (patch, patchProblem, _) = await Client.SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", """{"spec":{"unschedulable":true}}""", "application/merge-patch+json", stale);
        Assert.Equal(HttpStatusCode.Conflict, patch);
        Assert.Equal(["If-Match"], patchProblem.Fields());
        var (delete, deleteProblem, _) = await Client.SendAsync(HttpMethod.Delete, "/api/v1/nodes/n1", headers: stale);
        Assert.Equal(HttpStatusCode.Conflict, delete);
        Assert.Equal(["If-Match"], deleteProblem.Fields());
        Assert.Equal(before, await Client.EventCountAsync());

        var (ok, body, response) = await Client.SendAsync(HttpMethod.Patch, "/api/v1/nodes/n1", """{"spec":{"unschedulable":true}}""", "application/merge-patch+json",
            new Dictionary<string, string> { ["If-Match"] = "\"1\"" });
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.True((bool)body!["spec"]!["unschedulable"]!);
        var etag = response.Headers.ETag!.Tag;
        var (any, _, _) = await Client.SendAsync(HttpMethod.Put, "/api/v1/nodes/n1", Http.Node("n1"), headers: new Dictionary<string, string> { ["If-Match"] = "*" });
        Assert.Equal(HttpStatusCode.OK, any);
        Assert.Equal(HttpStatusCode.Conflict, (await Client.SendAsync(HttpMethod.Delete, "/api/v1/nodes/n1", headers: new Dictionary<string, string> { ["If-Match"] = etag })).Status);
        var latest = (await Client.SendAsync(HttpMethod.Get, "/api/v1/nodes/n1")).Response.Headers.ETag!.Tag;
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Delete, "/api/v1/nodes/n1", headers: new Dictionary<string, string> { ["If-Match"] = latest })).Status);
    }

    [Fact]
    public async Task IfMatch_AndResourceVersion_MustBothBeTheLatest()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("n1"));
        var (status, problem, _) = await Client.SendAsync(HttpMethod.Put, "/api/v1/nodes/n1", Http.Node("n1", ",\"resourceVersion\":\"9\""),
            headers: new Dictionary<string, string> { ["If-Match"] = "\"1\"" });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(["metadata.resourceVersion"], problem.Fields());
        var (patch, patchProblem, _) = await Client.PatchAsync("/api/v1/nodes/n1", """{"metadata":{"resourceVersion":1}}""");
        Assert.Equal(HttpStatusCode.BadRequest, patch);
        Assert.Equal(["metadata.resourceVersion"], patchProblem.Fields());
        Assert.Equal(1, await Client.EventCountAsync());
    }

    [Fact]
    public async Task Patch_NeedsMergePatchJson_ChangesOnlyWhatItNames_AndUnknownNodeIs404()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("p1", ",\"labels\":{\"keep\":\"me\",\"drop\":\"me\"}"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Client.PatchAsync("/api/v1/nodes/p1", "{}", "application/json")).Status);
        var (status, body, _) = await Client.PatchAsync("/api/v1/nodes/p1", """{"metadata":{"labels":{"drop":null,"new":"x"}},"spec":{"unschedulable":true}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("me", (string?)body!["metadata"]!["labels"]!["keep"]);
        Assert.Null(body["metadata"]!["labels"]!["drop"]);
        Assert.True((bool)body["spec"]!["unschedulable"]!);
        var types = (await Client.EventsAsync()).Select(e => (string)e["type"]!).ToList();
        Assert.Equal(["node_joined.v1", "node_labels_changed.v1", "node_cordoned.v1"], types);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.PatchAsync("/api/v1/nodes/nope", "{}")).Status);
    }

    [Fact]
    public async Task Remove_Then404()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("gone"));
        Assert.Equal(HttpStatusCode.OK, (await Client.DeleteJsonAsync("/api/v1/nodes/gone")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteJsonAsync("/api/v1/nodes/gone")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.SendAsync(HttpMethod.Get, "/api/v1/nodes/gone")).Status);
    }

    /// <summary>ValidateDeleteOptions: a delete of any kind, in the query or in its DeleteOptions, names a policy Kubernetes knows.</summary>
    [Fact]
    public async Task Remove_WithAPropagationPolicyKubernetesDoesNotKnow_Is422_NamingIt_AndRemovesNothing()
    {
        await Client.PostAsync("/api/v1/nodes", Http.Node("kept"));
        var before = await Client.EventCountAsync();
        var (status, body, response) = await Client.DeleteJsonAsync("/api/v1/nodes/kept?propagationPolicy=Sideways");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        response.AssertStatus(body, 422);
        Assert.Equal(["propagationPolicy"], body!.Fields());
        Assert.Contains("Unsupported value: \"Sideways\"", (string?)body!["message"]);
        (status, body, _) = await Client.SendAsync(HttpMethod.Delete, "/api/v1/nodes/kept", """{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"sideways"}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["propagationPolicy"], body!.Fields());
        Assert.Equal(before, await Client.EventCountAsync());
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Get, "/api/v1/nodes/kept")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Client.DeleteJsonAsync("/api/v1/nodes/kept?propagationPolicy=Orphan")).Status);
    }

    [Fact]
    public async Task Lists_ArePaged_WithAContinueToken()
    {
        foreach (var name in new[] { "a", "b", "c" }) await Client.PostAsync("/api/v1/nodes", Http.Node(name));
        var first = await Client.GetJsonAsync("/api/v1/nodes?limit=2");
        Assert.Equal(2, first["items"]!.AsArray().Count);
        var token = (string)first["continue"]!;
        var second = await Client.GetJsonAsync($"/api/v1/nodes?limit=2&continue={token}");
        Assert.Equal("c", (string?)second["items"]![0]!["metadata"]!["name"]);
        Assert.Null(second["continue"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.SendAsync(HttpMethod.Get, "/api/v1/nodes?continue=%21%21")).Status);
    }
}
