using System.Text.Json.Nodes;
using Microsoft.Net.Http.Headers;

namespace EventEngine.Api.Kubernetes;

/// <summary>
/// API discovery as a 1.32 API server answers it, generated from <see cref="ApiResources"/>: /api and /apis in the
/// aggregated form (apidiscovery.k8s.io APIGroupDiscoveryList, one request each) when the Accept header asks for it,
/// else the legacy APIVersions and APIGroupList, which send a client on to each group-version's APIResourceList.
/// client-go tells the forms apart by the Content-Type alone.
/// </summary>
public static class Discovery
{
    private const string Group = "apidiscovery.k8s.io";
    private const string ListKind = "APIGroupDiscoveryList";

    /// <summary>The versions of aggregated discovery served, preferred first.</summary>
    private static readonly string[] AggregatedVersions = ["v2", "v2beta1"];



    /// <summary>The Content-Type of an aggregated answer, exactly as client-go checks it.</summary>
    public static string AggregatedContentType(string version) => $"application/json;g={Group};v={version};as={ListKind}";

    /// <summary>
    /// The aggregated discovery version the Accept header prefers ("v2", "v2beta1"), or null when it prefers plain JSON
    /// (or asks for nothing this server has, which is answered with plain JSON as well).
    /// </summary>
    public static string? AggregatedVersion(string? accept)
    {
        if (accept is null || !MediaTypeHeaderValue.TryParseList([accept], out var types)) return null;
        foreach (var type in types.Select((t, i) => (t, i)).OrderByDescending(x => x.t.Quality ?? 1).ThenBy(x => x.i).Select(x => x.t))
        {
            string? Parameter(string name) => type.Parameters.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))?.Value.Value;
            var media = type.MediaType.Value ?? "";
            if (Parameter("as") is ListKind && Parameter("g") is Group && media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                && AggregatedVersions.Contains(Parameter("v")))
                return Parameter("v");
            if (Parameter("as") is null && media is "application/json" or "*/*" or "application/*") return null;
        }
        return null;
    }

    /// <summary>GET /api (the core group, nameless) or /apis (every other group), aggregated.</summary>
    public static JsonObject Aggregated(bool core, string version) => new()
    {
        ["kind"] = ListKind,
        ["apiVersion"] = $"{Group}/{version}",
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray(Groups(core).Select(group => (JsonNode)new JsonObject
        {
            ["metadata"] = core ? new JsonObject() : new JsonObject { ["name"] = group.Key },
            ["versions"] = new JsonArray(group.GroupBy(r => r.Version).Select(v => (JsonNode)new JsonObject
            {
                ["version"] = v.Key,
                ["resources"] = new JsonArray(v.Select(AggregatedResource).ToArray()),
                ["freshness"] = "Current",
            }).ToArray()),
        }).ToArray()),
    };

    private static JsonNode AggregatedResource(ApiResource r)
    {
        var resource = new JsonObject
        {
            ["resource"] = r.Plural,
            ["responseKind"] = Kind(r),
            ["scope"] = r.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = r.Singular,
            ["verbs"] = Strings(r.Verbs),
        };
        if (r.ShortNames.Length > 0) resource["shortNames"] = Strings(r.ShortNames);
        if (r.Categories.Length > 0) resource["categories"] = Strings(r.Categories);
        if (r.Subresources.Length > 0)
            resource["subresources"] = new JsonArray(r.Subresources.Select(s => (JsonNode)new JsonObject
            {
                ["subresource"] = s.Name,
                ["responseKind"] = new JsonObject { ["group"] = s.Group ?? r.Group, ["version"] = s.Version ?? r.Version, ["kind"] = s.Kind ?? r.Kind },
                ["verbs"] = Strings(s.Verbs),
            }).ToArray());
        return resource;
    }

    /// <summary>GET /api, legacy: the core group's versions, and where the server is.</summary>
    public static JsonObject ApiVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = Strings(Groups(core: true).SelectMany(g => g.Select(r => r.Version)).Distinct()),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    /// <summary>GET /apis, legacy: every named group.</summary>
    public static JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(Groups(core: false).Select(g => (JsonNode)GroupBody(g.Key)).ToArray()),
    };

    /// <summary>GET /apis/{group}: one named group.</summary>
    public static JsonObject ApiGroup(string name)
    {
        var group = new JsonObject { ["kind"] = "APIGroup", ["apiVersion"] = "v1" };
        foreach (var (key, value) in GroupBody(name).ToList()) group[key] = value?.DeepClone();
        return group;
    }

    private static JsonObject GroupBody(string name)
    {
        var versions = ApiResources.All.Where(r => r.Group == name).Select(r => r.Version).Distinct()
            .Select(v => new JsonObject { ["groupVersion"] = name + "/" + v, ["version"] = v }).ToList();
        return new JsonObject
        {
            ["name"] = name,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)v).ToArray()),
            ["preferredVersion"] = versions[0].DeepClone(),
        };
    }

    /// <summary>GET /api/v1 or /apis/apps/v1: the group-version's resources and their subresources.</summary>
    public static JsonObject ResourceList(string groupVersion) => new()
    {
        ["kind"] = "APIResourceList",
        ["apiVersion"] = "v1",
        ["groupVersion"] = groupVersion,
        ["resources"] = new JsonArray(ApiResources.All.Where(r => r.GroupVersion == groupVersion).SelectMany(LegacyResources).ToArray()),
    };

    private static IEnumerable<JsonNode> LegacyResources(ApiResource r)
    {
        var resource = new JsonObject
        {
            ["name"] = r.Plural,
            ["singularName"] = r.Singular,
            ["namespaced"] = r.Namespaced,
            ["kind"] = r.Kind,
            ["verbs"] = Strings(r.Verbs),
        };
        if (r.ShortNames.Length > 0) resource["shortNames"] = Strings(r.ShortNames);
        if (r.Categories.Length > 0) resource["categories"] = Strings(r.Categories);
        yield return resource;
        foreach (var s in r.Subresources)
        {
            var subresource = new JsonObject { ["name"] = r.Plural + "/" + s.Name, ["singularName"] = "", ["namespaced"] = r.Namespaced };
            // a subresource of another kind says whose (kubectl drain reads the eviction's group and version here)
            if (s.Group is { } group) subresource["group"] = group;
            if (s.Version is { } version) subresource["version"] = version;
            subresource["kind"] = s.Kind ?? r.Kind;
            subresource["verbs"] = Strings(s.Verbs);
            yield return subresource;
        }
    }

    /// <summary>The served resources by group: the core group ("") alone, or every named group.</summary>
    private static IEnumerable<IGrouping<string, ApiResource>> Groups(bool core) =>
        ApiResources.All.Where(r => (r.Group.Length == 0) == core).GroupBy(r => r.Group);

    private static JsonObject Kind(ApiResource r) => new() { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
