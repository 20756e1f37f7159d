using System.Net.Http.Headers;
using k8s;

namespace EventEngine.Cli;

/// <summary>
/// The engine's server as kubectl finds its cluster: the kubeconfig of --kubeconfig, else $KUBECONFIG, else
/// ~/.kube/config; the context of --context, else the current one; its server, and the user's token when it has one.
/// </summary>
public sealed class Server(HttpClient client, string address) : IDisposable
{
    public HttpClient Client { get; } = client;

    public string Address { get; } = address;

    public static Server From(string? kubeconfig, string? context)
    {
        var path = kubeconfig
            ?? Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        if (!File.Exists(path)) throw new CliException($"no kubeconfig at {path}: pass --kubeconfig or set KUBECONFIG");
        var file = KubernetesClientConfiguration.LoadKubeConfig(path);
        var name = context ?? file.CurrentContext;
        var named = file.Contexts?.FirstOrDefault(c => c.Name == name)
            ?? throw new CliException($"context \"{name}\" does not exist in {path}");
        var cluster = file.Clusters?.FirstOrDefault(c => c.Name == named.ContextDetails.Cluster)?.ClusterEndpoint
            ?? throw new CliException($"cluster \"{named.ContextDetails.Cluster}\" of context \"{name}\" does not exist in {path}");
        var user = file.Users?.FirstOrDefault(u => u.Name == named.ContextDetails.User)?.UserCredentials;
        HttpClient client;
        if (user is { Token: { Length: > 0 } } || cluster.CertificateAuthorityData is not null || cluster.SkipTlsVerify)
        {
            // the client library's own handler: certificate authorities, skip-verify and client certificates as kubectl reads them
            var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, name);
            client = new k8s.Kubernetes(configuration).HttpClient;
        }
        else
        {
            client = new HttpClient();
        }
        client.BaseAddress = new Uri(cluster.Server.TrimEnd('/') + "/");
        if (user?.Token is { Length: > 0 } token && client.DefaultRequestHeaders.Authorization is null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        client.Timeout = Timeout.InfiniteTimeSpan;
        return new Server(client, cluster.Server);
    }

    public void Dispose() => Client.Dispose();
}

/// <summary>An error the command reports as kubectl does ("error: ..."), exiting 1.</summary>
public sealed class CliException(string message) : Exception(message);
