using System.Text.Json.Nodes;
using EventEngine.Api.Kubernetes;

namespace EventEngine.Api.Endpoints;

/// <summary>What a Kubernetes client asks first: the server's version, the kinds it serves (discovery) and their schemas (OpenAPI v3).</summary>
public static class DiscoveryEndpoints
{
    /// <summary>
    /// The Kubernetes version whose API the engine serves. kubectl's version dispatcher picks the kubectl it runs by
    /// the minor version, so this names the release the engine is tested against.
    /// </summary>
    public const string KubernetesMinor = "32";

    private static readonly Version EngineVersion = typeof(DiscoveryEndpoints).Assembly.GetName().Version ?? new Version(0, 0);

    /// <summary>The version /version reports and the OpenAPI documents carry: v1.32.0-eventengine.1.0.</summary>
    public static string GitVersion => $"v1.{KubernetesMinor}.0-eventengine.{EngineVersion.Major}.{EngineVersion.Minor}";

    public static void MapDiscoveryEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/version", () => Results.Text(new JsonObject
        {
            ["major"] = "1",
            ["minor"] = KubernetesMinor,
            ["gitVersion"] = GitVersion,
            ["gitCommit"] = "",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "1970-01-01T00:00:00Z",
            ["goVersion"] = "",
            ["compiler"] = "dotnet",
            ["platform"] = $"{(OperatingSystem.IsLinux() ? "linux" : "other")}/{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}",
        }.ToJsonString(), "application/json")).WithTags("Discovery");

        app.MapGet("/api", (HttpContext http) => Groups(http, core: true)).WithTags("Discovery");
        app.MapGet("/apis", (HttpContext http) => Groups(http, core: false)).WithTags("Discovery");
        foreach (var groupVersion in ApiResources.GroupVersions)
        {
            var prefix = ApiResources.All.First(r => r.GroupVersion == groupVersion).Prefix;
            app.MapGet(prefix, () => Json(Discovery.ResourceList(groupVersion))).WithTags("Discovery");
        }
        foreach (var group in ApiResources.All.Select(r => r.Group).Where(g => g.Length > 0).Distinct())
            app.MapGet("/apis/" + group, () => Json(Discovery.ApiGroup(group))).WithTags("Discovery");

        app.MapGet("/openapi/v3", (HttpContext http, KubernetesOpenApi openApi) =>
        {
            http.Response.Headers.CacheControl = "no-cache";
            return Results.Bytes(openApi.Index, "application/json");
        }).WithTags("Discovery");
        app.MapGet("/openapi/v2", (HttpContext http, KubernetesOpenApi openApi) =>
        {
            var document = openApi.V2;
            var headers = http.Response.Headers;
            headers.Vary = "Accept";
            headers.ETag = document.ETag;
            headers.CacheControl = "no-cache";
            if (http.Request.Headers.IfNoneMatch.ToString() == document.ETag) return Results.StatusCode(304);
            // kubectl asks for protobuf (and can read nothing else); JSON for anyone else
            return http.Request.Headers.Accept.ToString().Contains("protobuf", StringComparison.OrdinalIgnoreCase)
                ? Results.Bytes(document.Protobuf, OpenApiV2.ProtobufType)
                : Results.Bytes(document.Json, "application/json");
        }).WithTags("Discovery");
        foreach (var groupVersion in ApiResources.GroupVersions)
        {
            var path = KubernetesOpenApi.PathOf(groupVersion);
            app.MapGet("/openapi/v3/" + path, (string? hash, HttpContext http, KubernetesOpenApi openApi) =>
                Document(http, openApi.Find(path)!, hash)).WithTags("Discovery");
        }
    }

    /// <summary>/api or /apis in the form the Accept header asks for; client-go reads the Content-Type to tell which it got.</summary>
    private static IResult Groups(HttpContext http, bool core)
    {
        http.Response.Headers.Vary = "Accept";
        if (Discovery.AggregatedVersion(http.Request.Headers.Accept.ToString()) is { } version)
            // as bytes: a text result would respell the media type's parameters, and client-go compares them
            return Results.Bytes(System.Text.Encoding.UTF8.GetBytes(Discovery.Aggregated(core, version).ToJsonString()), Discovery.AggregatedContentType(version));
        return Json(core ? Discovery.ApiVersions(http.Request.Host.Value ?? "") : Discovery.GroupList());
    }

    /// <summary>
    /// A group-version's document. As the API server does: under the hashed URL the index gives, cacheable for good; under
    /// a stale hash, a redirect to the current one; without a hash, to be revalidated (ETag) every time.
    /// </summary>
    private static IResult Document(HttpContext http, GroupVersionDocument document, string? hash)
    {
        var headers = http.Response.Headers;
        if (hash is { Length: > 0 } && hash != document.Hash) return Results.Redirect(document.Url, permanent: true);
        headers.ETag = $"\"{document.Hash}\"";
        headers.CacheControl = hash is { Length: > 0 } ? "public, immutable" : "no-cache";
        if (hash is { Length: > 0 }) headers.Expires = DateTimeOffset.UtcNow.AddYears(1).ToString("R");
        if (http.Request.Headers.IfNoneMatch.ToString() == headers.ETag.ToString()) return Results.StatusCode(304);
        return Results.Bytes(document.Bytes, "application/json");
    }

    private static IResult Json(JsonObject body) => Results.Text(body.ToJsonString(), "application/json");
}
