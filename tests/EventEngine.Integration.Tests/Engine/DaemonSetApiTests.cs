using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>/apis/apps/v1 DaemonSets through HTTP: create, read with live status, update races, rollback, delete.</summary>
public sealed class DaemonSetApiTests : ApiTest
{
    private const string Path = "/apis/apps/v1/namespaces/kube-system/daemonsets/fluentd-elasticsearch";

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Engine:MaxBodyBytes"] = "16384" };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var n in new[] { "node-1", "node-2", "node-3" }) await Client.PostAsync("/api/v1/nodes", Http.Node(n));
    }

    private async Task<JsonNode> CreateFluentdAsync()
    {
        var (status, body, _) = await Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Fluentd, Http.Yaml);
        Assert.True(status == HttpStatusCode.Created, body?.ToJsonString());
        return body!;
    }

    [Fact]
    public async Task Create_PlacesPods_AndTheObjectCarriesLiveStatusAndDefaults()
    {
        var created = await CreateFluentdAsync();
        Assert.Equal(1, (long)created["metadata"]!["generation"]!);
        Assert.Equal("RollingUpdate", (string?)created["spec"]!["updateStrategy"]!["type"]);
        Assert.Equal(3, (int)created["status"]!["desiredNumberScheduled"]!);
        Assert.Equal(3, (int)created["status"]!["currentNumberScheduled"]!);
        Assert.NotNull(created["metadata"]!["uid"]);
        var pods = await Client.GetJsonAsync("/api/v1/pods?daemonset=kube-system/fluentd-elasticsearch");
        Assert.Equal(["node-1", "node-2", "node-3"], pods["items"]!.AsArray().Select(p => (string)p!["spec"]!["nodeName"]!).Order());
        Assert.Single((await Client.GetJsonAsync("/apis/apps/v1/daemonsets"))["items"]!.AsArray());
        Assert.Single((await Client.GetJsonAsync("/apis/apps/v1/namespaces/kube-system/daemonsets"))["items"]!.AsArray());
        Assert.Empty((await Client.GetJsonAsync("/apis/apps/v1/namespaces/default/daemonsets"))["items"]!.AsArray());
    }

    [Fact]
    public async Task CreateInAnotherNamespaceThanThePath_Is400()
    {
        var (status, _, _) = await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Fluentd, Http.Yaml);
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task InvalidDaemonSet_Is422_WithEveryFieldPath_AndAppendsNothing()
    {
        var before = await Client.EventCountAsync();
        var bad = Http.Fluentd.Replace("terminationGracePeriodSeconds: 30", "restartPolicy: Never");
        var (status, body, _) = await Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", bad, Http.Yaml);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("spec.template.spec.restartPolicy", body.Fields());
        Assert.Equal(before, await Client.EventCountAsync());
    }

    [Fact]
    public async Task ConcurrentUpdatesWithTheSameResourceVersion_OneWins_TheOtherGets409_NothingLost()
    {
        var created = await CreateFluentdAsync();
        var version = (string)created["metadata"]!["resourceVersion"]!;
        var before = await Client.EventCountAsync();
        string Replace(string image)
        {
            var copy = created.DeepClone();
            copy["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = image;
            copy["metadata"]!["resourceVersion"] = version;
            copy.AsObject().Remove("status");
            return copy.ToJsonString();
        }

        var results = await Task.WhenAll(
            Client.PutAsync(Path, Replace("quay.io/fluentd_elasticsearch/fluentd:v2.6.0")),
            Client.PutAsync(Path, Replace("quay.io/fluentd_elasticsearch/fluentd:v2.7.0")));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], results.Select(r => r.Status).Order());
        var winner = results.Single(r => r.Status == HttpStatusCode.OK).Body!;
        var image = (string)winner["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!;
        var current = await Client.GetJsonAsync(Path);
        Assert.Equal(image, (string)current["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!);
        var updates = (await Client.EventsAsync(before)).Count(e => (string)e["type"]! == "daemonset_updated.v1");
        Assert.Equal(1, updates);
        Assert.Equal(2, (long)current["metadata"]!["generation"]!);
    }

    [Fact]
    public async Task IfMatch_IsAPreconditionToo_NamingTheHeader()
    {
        await CreateFluentdAsync();
        var before = await Client.EventCountAsync();
        var stale = new Dictionary<string, string> { ["If-Match"] = "\"99\"" };
        var (status, problem, _) = await Client.SendAsync(HttpMethod.Patch, Path, """{"spec":{"minReadySeconds":5}}""", "application/merge-patch+json", stale);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(["If-Match"], problem.Fields());
        var (delete, deleteProblem, _) = await Client.SendAsync(HttpMethod.Delete, Path, headers: stale);
        Assert.Equal(HttpStatusCode.Conflict, delete);
        Assert.Equal(["If-Match"], deleteProblem.Fields());
        Assert.Equal(before, await Client.EventCountAsync());
    }

    [Fact]
    public async Task StaleResourceVersion_Is409_NamingTheField()
    {
        var created = await CreateFluentdAsync();
        await Client.PatchAsync(Path, """{"spec":{"minReadySeconds":5}}""");
        var before = await Client.EventCountAsync();
        var copy = created.DeepClone();
        copy.AsObject().Remove("status");
        var (status, problem, _) = await Client.PutAsync(Path, copy.ToJsonString());
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(["metadata.resourceVersion"], problem.Fields());
        Assert.Equal(before, await Client.EventCountAsync());
    }

    [Fact]
    public async Task SelectorChange_Is422OnSpecSelector()
    {
        await CreateFluentdAsync();
        var (status, body, _) = await Client.PatchAsync(Path, """{"spec":{"selector":{"matchLabels":{"name":"other"}},"template":{"metadata":{"labels":{"name":"other"}}}}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("spec.selector", body.Fields());
    }

    [Fact]
    public async Task Revisions_AndRollback_FollowKubectl()
    {
        await CreateFluentdAsync();
        await Client.PatchAsync(Path, """{"spec":{"template":{"spec":{"containers":[{"name":"fluentd-elasticsearch","image":"quay.io/fluentd_elasticsearch/fluentd:v2.6.0"}]}}}}""");
        var revisions = (await Client.GetJsonAsync(Path + "/revisions"))["items"]!.AsArray();
        Assert.Equal([1L, 2L], revisions.Select(r => (long)r!["revision"]!));
        Assert.Equal([false, true], revisions.Select(r => (bool)r!["current"]!));
        Assert.NotNull(revisions[0]!["template"]!["spec"]);

        var (status, body, _) = await Client.PostAsync(Path + "/rollback", """{"toRevision": 1}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("daemonset.apps/fluentd-elasticsearch rolled back", (string?)body!["message"]);
        revisions = (await Client.GetJsonAsync(Path + "/revisions"))["items"]!.AsArray();
        Assert.Equal([2L, 3L], revisions.Select(r => (long)r!["revision"]!));

        var (missing, problem, _) = await Client.PostAsync(Path + "/rollback", """{"toRevision": 42}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing);
        Assert.Contains("toRevision", problem.Fields());
        foreach (var bad in new[] { "1.5", "\"1\"", "true" })
        {
            var before = await Client.EventCountAsync();
            var (malformed, why, _) = await Client.PostAsync(Path + "/rollback", $$"""{"toRevision": {{bad}}}""");
            Assert.Equal(HttpStatusCode.BadRequest, malformed);
            Assert.Equal(["toRevision"], why.Fields());
            Assert.Equal(before, await Client.EventCountAsync());
        }
        var (same, skipped, _) = await Client.PostAsync(Path + "/rollback", """{"toRevision": 3}""");
        Assert.Equal(HttpStatusCode.OK, same);
        Assert.StartsWith("skipped rollback", (string?)skipped!["message"]);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.SendAsync(HttpMethod.Get, "/apis/apps/v1/namespaces/kube-system/daemonsets/nope/revisions")).Status);
    }

    [Fact]
    public async Task DeleteOrphan_LeavesPodsWithoutOwner_DeleteBackground_RemovesThem()
    {
        await CreateFluentdAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Client.DeleteJsonAsync(Path + "?propagationPolicy=Sideways")).Status);
        // preconditions that cannot be read are refused, naming the field, and delete nothing
        var before = await Client.EventCountAsync();
        foreach (var (preconditions, field) in new[] { ("\"x\"", "preconditions"), ("{\"uid\":5}", "preconditions.uid"), ("{\"resourceVersion\":[]}", "preconditions.resourceVersion") })
        {
            var (status, problem, _) = await Client.SendAsync(HttpMethod.Delete, Path, $$"""{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{{preconditions}}}""");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal([field], problem.Fields());
        }
        Assert.Equal(before, await Client.EventCountAsync());
        // kubectl sends the policy in a DeleteOptions body
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Delete, Path,
            """{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Orphan"}""")).Status);
        var orphans = (await Client.GetJsonAsync("/api/v1/namespaces/kube-system/pods"))["items"]!.AsArray();
        Assert.Equal(3, orphans.Count);
        Assert.All(orphans, p => Assert.Null(p!["metadata"]!["ownerReferences"]));
        Assert.Equal(HttpStatusCode.NotFound, (await Client.SendAsync(HttpMethod.Get, Path)).Status);

        await CreateFluentdAsync();
        var adopted = (await Client.GetJsonAsync("/api/v1/pods?daemonset=kube-system/fluentd-elasticsearch"))["items"]!.AsArray();
        Assert.Equal(3, adopted.Count);
        Assert.Equal(HttpStatusCode.OK, (await Client.DeleteJsonAsync(Path)).Status);
        Assert.Empty((await Client.GetJsonAsync("/api/v1/namespaces/kube-system/pods"))["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteJsonAsync(Path)).Status);
    }

    [Fact]
    public async Task BodyTooLarge_Is413_OnCreateReplaceAndPatch_AndAppendsNothing()
    {
        var created = await CreateFluentdAsync();
        var before = await Client.EventCountAsync();
        var labels = new JsonObject(Enumerable.Range(0, 1_000).Select(i => KeyValuePair.Create($"label-{i}", (JsonNode?)$"value-{i}")));
        var big = created.DeepClone();
        big["metadata"]!["labels"] = labels;
        big.AsObject().Remove("status");
        var bigAgent = JsonNode.Parse(Http.Agent())!;
        bigAgent["metadata"]!["labels"] = labels.DeepClone();

        var (create, problem, response) = await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", bigAgent.ToJsonString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, create);
        response.AssertStatus(problem, 413);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await Client.PutAsync(Path, big.ToJsonString())).Status);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await Client.PatchAsync(Path, new JsonObject { ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() } }.ToJsonString())).Status);
        Assert.Equal(before, await Client.EventCountAsync());
    }

    [Fact]
    public async Task UnsupportedMediaType_Is415_OnCreateReplacePatchAndRollback_AndAppendsNothing()
    {
        var created = await CreateFluentdAsync();
        var before = await Client.EventCountAsync();
        var (create, problem, response) = await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", Http.Agent(), "application/xml");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, create);
        response.AssertStatus(problem, 415);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Client.PutAsync(Path, created.ToJsonString(), "text/plain")).Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Client.PatchAsync(Path, """{"spec":{"minReadySeconds":5}}""", "application/json")).Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Client.PostAsync(Path + "/rollback", """{"toRevision": 0}""", "text/plain")).Status);
        Assert.Equal(before, await Client.EventCountAsync());
    }

    [Fact]
    public async Task UnknownDaemonSet_Is404Status()
    {
        var (status, body, response) = await Client.SendAsync(HttpMethod.Get, "/apis/apps/v1/namespaces/default/daemonsets/nope");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("daemonsets.apps \"nope\" not found", response.AssertStatus(body, 404));
    }
}
