using System.Text.Json.Nodes;

namespace EventEngine.Api.Endpoints;

/// <summary>What a Kubernetes client asks first: the server's version.</summary>
public static class DiscoveryEndpoints
{
    /// <summary>
    /// The Kubernetes version whose API the engine serves. kubectl's version dispatcher picks the kubectl it runs by
    /// the minor version, so this names the release the engine is tested against.
    /// </summary>
    public const string KubernetesMinor = "32";

    public static void MapDiscoveryEndpoints(this IEndpointRouteBuilder app)
    {
        var version = typeof(DiscoveryEndpoints).Assembly.GetName().Version ?? new Version(0, 0);
        app.MapGet("/version", () => Results.Text(new JsonObject
        {
            ["major"] = "1",
            ["minor"] = KubernetesMinor,
            ["gitVersion"] = $"v1.{KubernetesMinor}.0-eventengine.{version.Major}.{version.Minor}",
            ["gitCommit"] = "",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "1970-01-01T00:00:00Z",
            ["goVersion"] = "",
            ["compiler"] = "dotnet",
            ["platform"] = $"{(OperatingSystem.IsLinux() ? "linux" : "other")}/{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}",
        }.ToJsonString(), "application/json")).WithTags("Discovery");
    }
}
