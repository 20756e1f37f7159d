using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Api.Kubernetes;
using EventEngine.Integration.Tests.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace EventEngine.Integration.Tests.Api;

/// <summary>
/// ?fieldValidation= on writes of nodes and DaemonSets, as the API server answers it: a field the kind's schema does not
/// declare is a 400 BadRequest Status under Strict (nothing appended), a Warning header under Warn or no directive, and
/// nothing at all under Ignore.
/// </summary>
public sealed class FieldValidationTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient Client => api.Client;

    private static string DaemonSet(string name, string containerExtra = "")
    {
        var ds = JsonNode.Parse(Http.Agent())!;
        ds["metadata"]!["name"] = name;
        ds["spec"]!["selector"]!["matchLabels"]!["app"] = name;
        ds["spec"]!["template"]!["metadata"]!["labels"]!["app"] = name;
        var containers = ds["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        containers.Add(JsonNode.Parse("{\"name\":\"b\",\"image\":\"b:1\"" + containerExtra + "}"));
        return ds.ToJsonString();
    }

    private async Task AssertRefusedAsync(HttpMethod method, string path, string body, string message, string type = "application/json")
    {
        var before = await Client.EventCountAsync();
        var (status, answer, response) = await Client.SendAsync(method, path, body, type);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(("Status", "Failure", "BadRequest", 400, message),
            ((string?)answer!["kind"], (string?)answer["status"], (string?)answer["reason"], (int)answer["code"]!, (string?)answer["message"]));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await Client.EventCountAsync());
    }

    [Fact]
    public async Task Strict_RefusesAnUnknownField_OnCreateReplaceAndPatch_NamingItsPath()
    {
        await AssertRefusedAsync(HttpMethod.Post, "/api/v1/nodes?fieldValidation=Strict", """{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labelz":{}}}""",
            "Node in version \"v1\" cannot be handled as a Node: strict decoding error: unknown field \"metadata.labelz\"");
        await AssertRefusedAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/daemonsets?fieldValidation=Strict",
            DaemonSet("ds1", ""","imagePullPolcy":"Always","ports":[{"containerPort":80,"hostPortt":80}]"""),
            "DaemonSet in version \"v1\" cannot be handled as a DaemonSet: strict decoding error: unknown field \"spec.template.spec.containers[1].imagePullPolcy\", "
            + "unknown field \"spec.template.spec.containers[1].ports[0].hostPortt\"");
        await AssertRefusedAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/daemonsets?fieldValidation=Strict",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ds1, namespace: default}\nSpec: {}\n",
            "DaemonSet in version \"v1\" cannot be handled as a DaemonSet: strict decoding error: unknown field \"Spec\"", "application/yaml");

        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync("/api/v1/nodes?fieldValidation=Strict", Http.Node("n1"))).Status);
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets?fieldValidation=Strict", DaemonSet("ds1"))).Status);
        await AssertRefusedAsync(HttpMethod.Put, "/api/v1/nodes/n1?fieldValidation=Strict", """{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"spec":{"taint":[]}}""",
            "Node in version \"v1\" cannot be handled as a Node: strict decoding error: unknown field \"spec.taint\"");
        // a merge patch: the API server words it without the kind, as the error of the patched object
        await AssertRefusedAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/daemonsets/ds1?fieldValidation=Strict",
            """{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null,"bogus":1}}}""",
            "strict decoding error: unknown field \"spec.updateStrategy.bogus\"", "application/merge-patch+json");
        await AssertRefusedAsync(HttpMethod.Patch, "/api/v1/nodes/n1?fieldValidation=Strict", """{"metadata":{"labels":{"a":"b"}},"status":{"bogus":null,"phase":"x","nope":[]}}""",
            "strict decoding error: unknown field \"status.nope\"", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, (await Client.PatchAsync("/api/v1/nodes/n1?fieldValidation=Strict", """{"metadata":{"labels":{"a":"b"}},"spec":{"taints":null}}""")).Status);
    }

    [Fact]
    public async Task Warn_AndNoDirective_AcceptTheObject_WithAWarningPerUnknownField_AndIgnoreSaysNothing()
    {
        foreach (var (query, warned) in new[] { ("?fieldValidation=Warn", true), ("", true), ("?fieldValidation=Ignore", false) })
        {
            var name = "warned" + query.Length;
            var (status, _, response) = await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets" + query, DaemonSet(name, ""","bogus":1"""));
            Assert.Equal(HttpStatusCode.Created, status);
            var warnings = response.Headers.TryGetValues("Warning", out var values) ? values.ToList() : [];
            Assert.Equal(warned ? ["299 - \"unknown field \\\"spec.template.spec.containers[1].bogus\\\"\""] : [], warnings);
        }
    }

    [Fact]
    public async Task AnUnknownDirective_Is422_NamingTheParameter()
    {
        var (status, problem, _) = await Client.PostAsync("/api/v1/nodes?fieldValidation=strict", Http.Node("directive"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["fieldValidation"], problem.Fields());
    }

    [Fact]
    public void UnknownFields_SkipStrategicMergeDirectives_AndFollowMapsAndLists()
    {
        var (root, schema) = api.Api.Services.GetRequiredService<KubernetesOpenApi>().SchemaOf(ApiResources.DaemonSets);
        var patch = JsonNode.Parse("""
            {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],
              "containers":[{"name":"a","$patch":"delete"},{"name":"b","resources":{"limits":{"cpu":"1"}},"env":[{"name":"X","valueFrom":{"fieldRef":{"fieldPath":"x","bogus":1}}}]}],
              "nodeSelector":{"$patch":"replace","disk":"ssd"}}}},
             "metadata":{"annotations":{"any":"thing"},"labels":null}}
            """);
        Assert.Equal(["spec.template.spec.containers[1].env[0].valueFrom.fieldRef.bogus"], UnknownFields.Find(root, schema, patch, patch: true));
        Assert.Equal(["spec.template.spec.$setElementOrder/containers", "spec.template.spec.containers[0].$patch",
                "spec.template.spec.containers[1].env[0].valueFrom.fieldRef.bogus"],
            UnknownFields.Find(root, schema, patch, patch: false));
    }
}
