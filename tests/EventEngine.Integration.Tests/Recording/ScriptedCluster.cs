using System.Text.Json.Nodes;
using System.Threading.Channels;
using EventEngine.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace EventEngine.Integration.Tests.Recording;

/// <summary>
/// A Kubernetes API server on loopback whose answers a test scripts: for nodes, DaemonSets, ControllerRevisions and pods, a handler per
/// collection that answers both its list and its watch (?watch=true); a kubeconfig pointing at it. For what a real
/// server does that an EventEngine as the cluster would not: expire a watch (410), or break the DaemonSet rules. It
/// owns the database its recorder records into.
/// </summary>
public sealed class ScriptedCluster : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TestDatabase _record;

    private ScriptedCluster(WebApplication app, string kubeconfig, TestDatabase record)
    {
        _app = app;
        Kubeconfig = kubeconfig;
        _record = record;
    }

    public string Kubeconfig { get; }

    /// <summary>
    /// Starts a server answering GET /api/v1/nodes, /apis/apps/v1/daemonsets, /apis/apps/v1/controllerrevisions (none,
    /// unless given) and /api/v1/pods with these handlers.
    /// </summary>
    public static async Task<ScriptedCluster> StartAsync(RequestDelegate nodes, RequestDelegate daemonSets, RequestDelegate pods, RequestDelegate? revisions = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var address = new Uri($"http://127.0.0.1:{ServerProcess.FreePort()}");
        builder.WebHost.UseUrls(address.ToString());
        var app = builder.Build();
        app.MapGet("/api/v1/nodes", nodes);
        app.MapGet("/apis/apps/v1/daemonsets", daemonSets);
        app.MapGet("/api/v1/pods", pods);
        app.MapGet("/apis/apps/v1/controllerrevisions", revisions ?? Fixed("apps/v1", "ControllerRevisionList", []));
        await app.StartAsync();
        return new ScriptedCluster(app, new Kubectl(address).KubeconfigPath, await TestDatabase.CreateAsync());
    }

    /// <summary>The recorder (Observe mode) of this cluster, on the cluster's record database.</summary>
    public Task<ServerProcess> RecorderAsync() => ServerProcess.StartAsync(new Dictionary<string, string>
    {
        ["ConnectionStrings:Events"] = _record.ConnectionString,
        ["Engine:Mode"] = "Observe",
        ["Engine:Cluster:Kubeconfig"] = Kubeconfig,
    });

    public static bool IsWatch(HttpContext http) => http.Request.Query["watch"] == "true" || http.Request.Query["watch"] == "1";

    /// <summary>A handler whose list holds these items (at resourceVersion 10) and whose watch says nothing.</summary>
    public static RequestDelegate Fixed(string apiVersion, string kind, JsonArray items) => http =>
        IsWatch(http) ? QuietAsync(http) : ListAsync(http, apiVersion, kind, (JsonArray)items.DeepClone(), "10");

    /// <summary>
    /// A handler whose list holds these items (at resourceVersion 10) and whose first watch sends these watch events
    /// ({"type": ..., "object": ...}) as a server sends them, one JSON line each, and then stays open and quiet.
    /// </summary>
    public static RequestDelegate Then(string apiVersion, string kind, JsonArray items, params JsonObject[] changes)
    {
        var all = Channel.CreateUnbounded<JsonObject>();
        foreach (var change in changes) all.Writer.TryWrite(change);
        all.Writer.Complete();
        return Streamed(apiVersion, kind, items, all.Reader);
    }

    /// <summary>
    /// A handler whose list holds these items (at resourceVersion 10) and whose first watch streams the watch events a
    /// test writes to <paramref name="changes"/> when it chooses ({"type": ..., "object": ...}), staying open once they
    /// end; later watches say nothing.
    /// </summary>
    public static RequestDelegate Streamed(string apiVersion, string kind, JsonArray items, ChannelReader<JsonObject> changes)
    {
        var watches = 0;
        return async http =>
        {
            if (!IsWatch(http))
            {
                await ListAsync(http, apiVersion, kind, (JsonArray)items.DeepClone(), "10");
                return;
            }
            await OpenWatchAsync(http);
            try
            {
                if (Interlocked.Increment(ref watches) == 1)
                    await foreach (var change in changes.ReadAllAsync(http.RequestAborted))
                    {
                        await http.Response.WriteAsync(change.ToJsonString() + "\n", http.RequestAborted);
                        await http.Response.Body.FlushAsync(http.RequestAborted);
                    }
                await UntilGoneAsync(http);
            }
            catch (OperationCanceledException)
            {
                // the recorder went away
            }
        };
    }

    /// <summary>A watch event: {"type": ADDED|MODIFIED|DELETED, "object": ...}.</summary>
    public static JsonObject Change(string type, JsonObject obj) => new() { ["type"] = type, ["object"] = obj };

    public static Task ListAsync(HttpContext http, string apiVersion, string kind, JsonArray items, string resourceVersion) =>
        http.Response.WriteAsJsonAsync(new JsonObject
        {
            ["apiVersion"] = apiVersion, ["kind"] = kind, ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion }, ["items"] = items,
        });

    /// <summary>Starts a watch's answer: the headers, flushed, so the client sees the watch open.</summary>
    public static async Task OpenWatchAsync(HttpContext http)
    {
        http.Response.ContentType = "application/json";
        await http.Response.StartAsync(http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    /// <summary>A watch with nothing to say: open until the client goes.</summary>
    public static async Task QuietAsync(HttpContext http)
    {
        await OpenWatchAsync(http);
        await UntilGoneAsync(http);
    }

    private static async Task UntilGoneAsync(HttpContext http)
    {
        var gone = new TaskCompletionSource();
        await using var registration = http.RequestAborted.Register(() => gone.TrySetResult());
        await gone.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _record.DisposeAsync();
    }
}
