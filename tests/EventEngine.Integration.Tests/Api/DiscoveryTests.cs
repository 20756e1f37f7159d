using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EventEngine.Api.Endpoints;
using EventEngine.Api.Kubernetes;
using EventEngine.Integration.Tests.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace EventEngine.Integration.Tests.Api;

/// <summary>
/// Discovery and the OpenAPI v3 documents over HTTP: both discovery forms according to Accept, generated from
/// ApiResources; the index's hashes are those of the documents served; each served kind has its schema and a PATCH
/// operation kubectl recognises; and the objects the server renders have no field those schemas lack.
/// </summary>
public sealed class DiscoveryTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string KubectlDiscoveryAccept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

    private HttpClient Client => api.Client;

    private async Task<(string? ContentType, JsonNode Body)> GetAsync(string path, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        var response = await Client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {response.StatusCode}");
        // as sent: the typed header would respell the media type's parameters
        var contentType = response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var raw) ? raw.ToString() : null;
        return (contentType, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    [Theory]
    [InlineData(KubectlDiscoveryAccept, "v2")]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", "v2beta1")]
    [InlineData("application/json;q=0.5,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", "v2")]
    [InlineData("application/json", null)]
    [InlineData("application/json, */*", null)]
    [InlineData("application/vnd.kubernetes.protobuf,application/json", null)]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json", null)]
    public async Task ApiAndApis_AnswerInTheFormAcceptAsksFor(string accept, string? aggregated)
    {
        var (coreType, core) = await GetAsync("/api", accept);
        var (groupsType, groups) = await GetAsync("/apis", accept);
        if (aggregated is null)
        {
            Assert.Equal(("application/json", "application/json"), (coreType, groupsType));
            Assert.Equal(("APIVersions", "v1"), ((string?)core["kind"], (string?)core["versions"]![0]));
            Assert.Equal(("APIGroupList", "apps", "apps/v1"),
                ((string?)groups["kind"], (string?)groups["groups"]![0]!["name"], (string?)groups["groups"]![0]!["preferredVersion"]!["groupVersion"]));
            return;
        }
        // exactly what client-go compares to tell the aggregated form from the legacy one
        var contentType = $"application/json;g=apidiscovery.k8s.io;v={aggregated};as=APIGroupDiscoveryList";
        Assert.Equal((contentType, contentType), (coreType, groupsType));
        foreach (var (body, isCore) in new[] { (core, true), (groups, false) })
        {
            Assert.Equal(("APIGroupDiscoveryList", $"apidiscovery.k8s.io/{aggregated}"), ((string?)body["kind"], (string?)body["apiVersion"]));
            var group = body["items"]!.AsArray().Single()!;
            Assert.Equal(isCore ? null : "apps", (string?)group["metadata"]!["name"]);
            var version = group["versions"]!.AsArray().Single()!;
            Assert.Equal(("v1", "Current"), ((string?)version["version"], (string?)version["freshness"]));
            var resources = version["resources"]!.AsArray();
            Assert.Equal(ApiResources.All.Where(r => (r.Group.Length == 0) == isCore).Select(r => r.Plural), resources.Select(r => (string)r!["resource"]!));
            foreach (var r in ApiResources.All.Where(r => (r.Group.Length == 0) == isCore))
            {
                var served = resources.Single(x => (string?)x!["resource"] == r.Plural)!;
                Assert.Equal((r.Group, r.Version, r.Kind), ((string?)served["responseKind"]!["group"], (string?)served["responseKind"]!["version"], (string?)served["responseKind"]!["kind"]));
                Assert.Equal((r.Namespaced ? "Namespaced" : "Cluster", r.Singular), ((string?)served["scope"], (string?)served["singularResource"]));
                Assert.Equal(r.Verbs, Strings(served["verbs"]));
                Assert.Equal(r.ShortNames, Strings(served["shortNames"]));
                Assert.Equal(r.Categories, Strings(served["categories"]));
                var subresources = served["subresources"]?.AsArray() ?? [];
                Assert.Equal(r.Subresources.Select(s => s.Name), subresources.Select(s => (string)s!["subresource"]!));
                foreach (var s in subresources)
                {
                    // a status is the object's own kind, read and written; an eviction is a policy/v1 Eviction, created
                    var eviction = (string?)s!["subresource"] == "eviction";
                    Assert.Equal(eviction ? ("policy", "v1", "Eviction") : (r.Group, r.Version, r.Kind),
                        ((string?)s["responseKind"]!["group"], (string?)s["responseKind"]!["version"], (string?)s["responseKind"]!["kind"]));
                    Assert.Equal(eviction ? ["create"] : ["get", "patch", "update"], Strings(s["verbs"]));
                }
            }
        }
    }

    [Fact]
    public async Task GroupVersions_ListTheirResourcesAndSubresources_AndAppsIsAGroup()
    {
        foreach (var groupVersion in ApiResources.GroupVersions)
        {
            var served = ApiResources.All.Where(r => r.GroupVersion == groupVersion).ToList();
            var (type, list) = await GetAsync(served[0].Prefix, "application/json, */*");
            Assert.Equal("application/json", type);
            Assert.Equal(("APIResourceList", "v1", groupVersion), ((string?)list["kind"], (string?)list["apiVersion"], (string?)list["groupVersion"]));
            var resources = list["resources"]!.AsArray();
            Assert.Equal(served.SelectMany(r => r.Subresources.Select(s => r.Plural + "/" + s.Name).Prepend(r.Plural)), resources.Select(r => (string)r!["name"]!));
            // kubectl drain evicts when the core list names pods/eviction with its group and version, and deletes otherwise
            if (groupVersion == "v1")
            {
                var eviction = resources.Single(x => (string?)x!["name"] == "pods/eviction")!;
                Assert.Equal(("policy", "v1", "Eviction", "create"),
                    ((string?)eviction["group"], (string?)eviction["version"], (string?)eviction["kind"], (string?)eviction["verbs"]!.AsArray().Single()));
            }
            foreach (var r in served)
            {
                var resource = resources.Single(x => (string?)x!["name"] == r.Plural)!;
                Assert.Equal((r.Singular, r.Namespaced, r.Kind), ((string?)resource["singularName"], (bool)resource["namespaced"]!, (string?)resource["kind"]));
                Assert.Equal(r.Verbs, Strings(resource["verbs"]));
                Assert.Equal(r.ShortNames, Strings(resource["shortNames"]));
                Assert.Equal(r.Categories, Strings(resource["categories"]));
            }
        }
        var (_, apps) = await GetAsync("/apis/apps", "application/json");
        Assert.Equal(("APIGroup", "apps", "apps/v1"), ((string?)apps["kind"], (string?)apps["name"], (string?)apps["preferredVersion"]!["groupVersion"]));
    }

    [Fact]
    public async Task OpenApiIndex_NamesEachDocumentByTheSha512OfWhatItServes()
    {
        var index = await Client.GetAsync("/openapi/v3");
        Assert.Equal("no-cache", index.Headers.CacheControl?.ToString());
        var paths = JsonNode.Parse(await index.Content.ReadAsStringAsync())!["paths"]!.AsObject();
        Assert.Equal(["api/v1", "apis/apps/v1"], paths.Select(p => p.Key));
        foreach (var (path, entry) in paths)
        {
            var url = (string)entry!["serverRelativeURL"]!;
            var hash = url[(url.IndexOf("?hash=", StringComparison.Ordinal) + 6)..];
            Assert.Equal($"/openapi/v3/{path}?hash={hash}", url);

            var hashed = await Client.GetAsync(url);
            var bytes = await hashed.Content.ReadAsByteArrayAsync();
            Assert.Equal(hash, Convert.ToHexString(SHA512.HashData(bytes)));
            Assert.Equal(("application/json", "public, immutable"), (hashed.Content.Headers.ContentType?.MediaType, hashed.Headers.CacheControl?.ToString()));
            Assert.Equal(DiscoveryEndpoints.GitVersion, (string?)JsonNode.Parse(bytes)!["info"]!["version"]);

            var unhashed = await Client.GetAsync($"/openapi/v3/{path}");
            Assert.Equal("no-cache", unhashed.Headers.CacheControl?.ToString());
            Assert.Equal(bytes, await unhashed.Content.ReadAsByteArrayAsync());

            using var revalidate = new HttpRequestMessage(HttpMethod.Get, $"/openapi/v3/{path}");
            revalidate.Headers.TryAddWithoutValidation("If-None-Match", $"\"{hash}\"");
            Assert.Equal(HttpStatusCode.NotModified, (await Client.SendAsync(revalidate)).StatusCode);

            // a hash from before the documents changed: redirected to the current one, as the API server does
            using var noRedirects = api.Api.ClientWithoutRedirects();
            var stale = await noRedirects.GetAsync($"/openapi/v3/{path}?hash=0123ABCD");
            Assert.Equal((HttpStatusCode.MovedPermanently, url), (stale.StatusCode, stale.Headers.Location?.OriginalString));
        }
    }

    [Fact]
    public async Task EachServedKind_HasItsSchema_AndAPatchOperationKubectlRecognises_WithEveryReferenceInTheDocument()
    {
        foreach (var groupVersion in ApiResources.GroupVersions)
        {
            var document = await Client.GetJsonAsync("/openapi/v3/" + KubernetesOpenApi.PathOf(groupVersion));
            var schemas = document["components"]!["schemas"]!.AsObject();
            foreach (var r in ApiResources.All.Where(r => r.GroupVersion == groupVersion))
            {
                // what kubectl's HasSupport looks for before it sends fieldValidation=Strict
                var patches = document["paths"]!.AsObject().Select(p => p.Value?["patch"]).OfType<JsonObject>()
                    .Where(op => Kind(op["x-kubernetes-group-version-kind"]) == (r.Group, r.Version, r.Kind)).ToList();
                Assert.True(patches.Count > 0, $"no PATCH of {r.Kind}");
                Assert.All(patches, op => Assert.Contains(op["parameters"]!.AsArray(), p => (string?)p!["name"] == "fieldValidation" && (string?)p["in"] == "query"));
                Assert.Single(schemas, s => s.Value!["x-kubernetes-group-version-kind"]?.AsArray().Any(k => Kind(k) == (r.Group, r.Version, r.Kind)) == true);
            }
            var references = new List<string>();
            Collect(document, references);
            Assert.All(references.Distinct(), reference => Assert.True(schemas.ContainsKey(reference["#/components/schemas/".Length..]), $"{groupVersion}: {reference} is not in the document"));
        }

        // the patch metadata kubectl computes strategic merge patches from, as Kubernetes declares it
        var apps = await Client.GetJsonAsync("/openapi/v3/apis/apps/v1");
        var containers = apps["components"]!["schemas"]!["io.k8s.api.core.v1.PodSpec"]!["properties"]!["containers"]!;
        Assert.Equal(("merge", "name"), ((string?)containers["x-kubernetes-patch-strategy"], (string?)containers["x-kubernetes-patch-merge-key"]));
        var nodeSelector = apps["components"]!["schemas"]!["io.k8s.api.core.v1.PodSpec"]!["properties"]!["nodeSelector"]!;
        Assert.Equal("atomic", (string?)nodeSelector["x-kubernetes-map-type"]);
        var core = await Client.GetJsonAsync("/openapi/v3/api/v1");
        var taints = core["components"]!["schemas"]!["io.k8s.api.core.v1.NodeSpec"]!["properties"]!["taints"]!;
        Assert.Equal("atomic", (string?)taints["x-kubernetes-list-type"]);
    }

    [Fact]
    public async Task OpenApiV2_HoldsEveryV3SchemaInV2Terms_AsJsonOrTheProtobufKubectlAsks()
    {
        var v2 = await Client.GetJsonAsync("/openapi/v2");
        Assert.Equal("2.0", (string?)v2["swagger"]);
        var definitions = v2["definitions"]!.AsObject();
        foreach (var groupVersion in ApiResources.GroupVersions)
        {
            var v3 = await Client.GetJsonAsync("/openapi/v3/" + KubernetesOpenApi.PathOf(groupVersion));
            Assert.All(v3["components"]!["schemas"]!.AsObject(), s => Assert.True(definitions.ContainsKey(s.Key), $"{s.Key} is not a definition"));
        }
        // each served kind is found by its group, version and kind, as kubectl looks a List's items up
        foreach (var r in ApiResources.All)
            Assert.Single(definitions, d => d.Value!["x-kubernetes-group-version-kind"]?.AsArray().Any(k => Kind(k) == (r.Group, r.Version, r.Kind)) == true);
        // in v2 terms: references into the definitions, each beside its description only; no v3 keyword left
        var references = new List<string>();
        Collect(definitions, references);
        Assert.All(references.Distinct(), reference =>
            Assert.True(reference.StartsWith("#/definitions/", StringComparison.Ordinal) && definitions.ContainsKey(reference["#/definitions/".Length..]), reference));
        var text = definitions.ToJsonString();
        Assert.DoesNotContain("\"allOf\"", text);
        Assert.DoesNotContain("\"oneOf\"", text);
        var metadata = definitions["io.k8s.api.core.v1.Node"]!["properties"]!["metadata"]!.AsObject();
        Assert.Equal(["$ref", "description"], metadata.Select(p => p.Key));
        var intOrString = definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!;
        Assert.Equal(("string", "int-or-string"), ((string?)intOrString["type"], (string?)intOrString["format"]));
        Assert.Equal(["description", "format", "type"], intOrString.AsObject().Select(p => p.Key).Order());

        // kubectl asks for protobuf; the answer names a media type Go's parser takes, and revalidates by its ETag
        using var protobuf = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        protobuf.Headers.TryAddWithoutValidation("Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
        using var answer = await Client.SendAsync(protobuf);
        Assert.Equal("application/com.github.proto-openapi.spec.v2.v1.0+protobuf", answer.Content.Headers.ContentType!.MediaType);
        var bytes = await answer.Content.ReadAsByteArrayAsync();
        // a Document: swagger (1) "2.0" first
        Assert.Equal(new byte[] { 0x0a, 3, (byte)'2', (byte)'.', (byte)'0' }, bytes[..5]);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        again.Headers.TryAddWithoutValidation("If-None-Match", answer.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.NotModified, (await Client.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task ObjectsTheServerRenders_HaveNoFieldTheirSchemaLacks()
    {
        await Client.PostAsync("/api/v1/nodes", """{"apiVersion":"v1","kind":"Node","metadata":{"name":"rendered-1","labels":{"a":"b"}},"spec":{"taints":[{"key":"k","value":"v","effect":"NoSchedule"}],"unschedulable":true}}""");
        var agent = JsonNode.Parse(Http.Agent("""{"tolerations":[{"operator":"Exists"}]}"""))!;
        agent["metadata"]!["name"] = "rendered";
        agent["spec"]!["selector"]!["matchLabels"]!["app"] = "rendered";
        agent["spec"]!["template"]!["metadata"]!["labels"]!["app"] = "rendered";
        var (created, body, _) = await Client.PostAsync("/apis/apps/v1/namespaces/default/daemonsets", agent.ToJsonString());
        Assert.True(created == HttpStatusCode.Created, body?.ToJsonString());

        var openApi = api.Api.Services.GetRequiredService<KubernetesOpenApi>();
        var objects = new (ApiResource Kind, string Path)[]
        {
            (ApiResources.Nodes, "/api/v1/nodes"),
            (ApiResources.DaemonSets, "/apis/apps/v1/daemonsets"),
            (ApiResources.Pods, "/api/v1/pods"),
            (ApiResources.ControllerRevisions, "/apis/apps/v1/controllerrevisions"),
        };
        foreach (var (kind, path) in objects)
        {
            var items = (await Client.GetJsonAsync(path))["items"]!.AsArray();
            Assert.NotEmpty(items);
            var (root, schema) = openApi.SchemaOf(kind);
            Assert.All(items, item => Assert.Empty(UnknownFields.Find(root, schema, item, patch: false)));
        }
    }

    private static (string?, string?, string?) Kind(JsonNode? gvk) => ((string?)gvk?["group"], (string?)gvk?["version"], (string?)gvk?["kind"]);

    private static string[] Strings(JsonNode? array) => array?.AsArray().Select(v => (string)v!).ToArray() ?? [];

    private static void Collect(JsonNode? node, List<string> references)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                    if (key == "$ref") references.Add((string)value!);
                    else Collect(value, references);
                break;
            case JsonArray array:
                foreach (var item in array) Collect(item, references);
                break;
        }
    }
}
