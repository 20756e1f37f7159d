using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;
using k8s;
using k8s.Models;

namespace EventEngine.Api.Recording;

/// <summary>
/// Observe mode's recorder: lists and watches the Nodes, DaemonSets, and DaemonSet-owned ControllerRevisions and Pods of a real API server
/// with the official client (the kubeconfig and context kubectl would use) and appends what it sees, as the actor
/// "cluster". It never writes to the cluster. A kind it recorded before is watched again from the last resourceVersion
/// the log holds for it (a restart resumes); a kind it never recorded, and one whose watch fails (a 410 Gone for a
/// version the server no longer has included), is listed and only the differences from what the log holds are
/// appended (a resync): nothing seen twice is recorded twice, and an object gone while nobody watched is recorded as
/// removed. A failed list or watch is retried with backoff. A ControllerRevision seen before its DaemonSet waits for it.
/// Of several processes on one log, the one holding the leader lease records; the others stand by.
/// </summary>
public sealed class ClusterRecorder(ClusterRecorder.Options options, IServiceProvider services, ILogger<ClusterRecorder> logger) : BackgroundService
{
    public const string Actor = "cluster";

    /// <summary>The correlation id of what a list found different from the log begins so: "resync:nodes:&lt;resourceVersion&gt;:...".</summary>
    public const string ResyncPrefix = "resync:";

    /// <summary>The correlation id of what a watch said begins so: "watch:pods:&lt;resourceVersion&gt;:...".</summary>
    public const string WatchPrefix = "watch:";

    /// <summary>
    /// Engine:Cluster:Kubeconfig (the cluster Observe mode records live) and Engine:Cluster:Context (else its current context), read
    /// at start: a kubeconfig that cannot be used stops start-up, naming the key.
    /// </summary>
    public sealed record Options(string Kubeconfig, string? Context, KubernetesClientConfiguration Client)
    {
        /// <summary>The settings, or null without a kubeconfig (an engine in Observe mode then records only imports).</summary>
        public static Options? From(IConfiguration configuration)
        {
            var path = configuration["Engine:Cluster:Kubeconfig"];
            if (string.IsNullOrEmpty(path)) return null;
            if (!File.Exists(path)) throw new InvalidOperationException($"Engine:Cluster:Kubeconfig is \"{path}\": no such file");
            var context = configuration["Engine:Cluster:Context"] is { Length: > 0 } given ? given : null;
            try
            {
                return new Options(path, context, ClientOf(path, context));
            }
            catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or FormatException)
            {
                throw new InvalidOperationException($"Engine:Cluster:Kubeconfig \"{path}\" (context {context ?? "current"}) cannot be used: {e.Message}", e);
            }
        }

        /// <summary>
        /// The client's configuration as kubectl would build it; a user without credentials (a local test cluster
        /// without authentication) is taken as anonymous, which the client itself refuses.
        /// </summary>
        private static KubernetesClientConfiguration ClientOf(string path, string? context)
        {
            var file = KubernetesClientConfiguration.LoadKubeConfig(path);
            var contextName = context ?? file.CurrentContext;
            var named = file.Contexts?.FirstOrDefault(c => c.Name == contextName)
                ?? throw new k8s.Exceptions.KubeConfigException($"no context \"{contextName}\" in the kubeconfig");
            var user = file.Users?.FirstOrDefault(u => u.Name == named.ContextDetails.User)?.UserCredentials;
            var anonymous = user is null || (user.Token is null && user.ClientCertificateData is null
                && user.ClientCertificate is null && user.UserName is null && user.ExternalExecution is null && user.AuthProvider is null);
            if (!anonymous) return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, contextName);
            var cluster = file.Clusters?.FirstOrDefault(c => c.Name == named.ContextDetails.Cluster)?.ClusterEndpoint
                ?? throw new k8s.Exceptions.KubeConfigException($"no cluster \"{named.ContextDetails.Cluster}\" in the kubeconfig");
            return new KubernetesClientConfiguration { Host = cluster.Server, SkipTlsVerify = cluster.SkipTlsVerify };
        }
    }

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, bool> _watching = new(StringComparer.Ordinal);

    // resolved when recording starts, after the database and the runtime have (hosted services are built before either)
    private EngineRuntime _runtime = null!;
    private LeaderLease _lease = null!;

    /// <summary>The lease of the term this process records in, which each of its appends checks; and how to stop recording in it.</summary>
    private (LeaseFence Fence, CancellationTokenSource Leading)? _term;

    /// <summary>The cluster's API server, as the kubeconfig names it.</summary>
    public string? Server { get; private set; }

    /// <summary>Whether every kind is listed and watched now.</summary>
    public bool Live
    {
        get
        {
            lock (_watching) return _watching.Count == Kinds.Length && _watching.Values.All(w => w);
        }
    }

    /// <summary>Objects the engine could not record (refused as invalid), since start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    private long _refused;

    /// <summary>How long since the API server last sent anything: a list, an event or a bookmark.</summary>
    public TimeSpan SinceHeard => TimeSpan.FromTicks(DateTime.UtcNow.Ticks - Interlocked.Read(ref _heardAt));

    private long _heardAt = DateTime.UtcNow.Ticks;

    /// <summary>The last resourceVersion of the cluster seen, by kind.</summary>
    public IReadOnlyDictionary<string, string> Versions
    {
        get
        {
            lock (_versions) return new Dictionary<string, string>(_versions, StringComparer.Ordinal);
        }
    }

    private readonly Dictionary<string, string> _versions = new(StringComparer.Ordinal);

    private void Heard(RecordedKind kind, string? version)
    {
        Interlocked.Exchange(ref _heardAt, DateTime.UtcNow.Ticks);
        if (version is null) return;
        lock (_versions) _versions[kind.Name] = version;
    }

    private static readonly RecordedKind[] Kinds = [RecordedKind.Nodes, RecordedKind.DaemonSets, RecordedKind.ControllerRevisions, RecordedKind.Pods];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _runtime = services.GetRequiredService<EngineRuntime>();
        EngineMetrics.ObserveRecorder(() => (Live, SinceHeard.TotalSeconds, Refused));
        var config = options.Client;
        Server = config.Host;
        using var client = new k8s.Kubernetes(config);
        var lease = _lease = services.GetRequiredService<LeaderLease>();
        var poll = services.GetRequiredService<LeaseOptions>().Poll;
        // one process records the cluster: the one that leads. Each process would watch the API server, and one running
        // behind would append what it saw after the others had recorded newer states: a change undone and done again
        var standingBy = false;
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!lease.IsLeader)
            {
                if (!standingBy) logger.LogInformation("Standing by: the process that leads records the cluster at {Server}", Server);
                standingBy = true;
                await Task.Delay(poll, stoppingToken);
                continue;
            }
            standingBy = false;
            if (lease.Fence is not { } fence)
            {
                await Task.Delay(poll, stoppingToken);
                continue;
            }
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _term = (fence, leading);
            var lost = CancelWhenLostAsync(lease, lease.Term, poll, leading);
            Exception? failed = null;
            try
            {
                await FollowClusterAsync(client, leading.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // the lease was lost
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // the log could not be read as the recording started (the database restarting, failing over): the server
                // stays up, and tries again, a little later each time
                failed = e;
            }
            finally
            {
                await leading.CancelAsync();
                await lost;
                lock (_watching) _watching.Clear();
                lock (_waiting) _waiting.Clear();
            }
            if (stoppingToken.IsCancellationRequested) break;
            if (failed is null)
            {
                logger.LogWarning("This process no longer leads: it stopped recording the cluster at {Server}", Server);
                retry = FirstRetry;
                continue;
            }
            logger.LogWarning(failed, "Recording the cluster at {Server} failed to start; trying again in {Wait}", Server, retry);
            await Task.Delay(retry, stoppingToken);
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
        }
    }

    /// <summary>Cancels the recording once the lease is lost, even if taken again since (or when the recording ended).</summary>
    private static async Task CancelWhenLostAsync(LeaderLease lease, long term, TimeSpan poll, CancellationTokenSource leading)
    {
        try
        {
            while (lease.IsLeader && lease.Term == term) await Task.Delay(poll, leading.Token);
            await leading.CancelAsync();
        }
        catch (OperationCanceledException)
        {
            // the recording ended first
        }
    }

    /// <summary>Resumes or lists each kind, owners before what they own, then follows every kind's watch at once.</summary>
    private async Task FollowClusterAsync(k8s.Kubernetes client, CancellationToken ct)
    {
        logger.LogInformation("Recording the cluster at {Server} (context {Context})", Server, options.Context ?? "current");
        // a resync and a waiting ControllerRevision are judged against the live state: a process that stood by while
        // another recorded folds what it recorded first
        await _runtime.RefreshAsync(ct);
        var store = services.GetRequiredService<EventStore>();
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kind in Kinds)
        {
            var resumed = await store.LastSourceVersionAsync(kind.Name, [$"{WatchPrefix}{kind.Name}:", $"{ResyncPrefix}{kind.Name}:"], ct);
            if (resumed is not null) logger.LogInformation("Resuming the watch of {Kind} from resourceVersion {Version}, the last the log holds", kind.Name, resumed);
            versions[kind.Name] = resumed ?? await WithRetryAsync(kind, token => ResyncAsync(client, kind, token), ct);
        }
        await Task.WhenAll(Kinds.Select(kind => FollowAsync(client, kind, versions[kind.Name], ct)));
    }

    /// <summary>Watches a kind from a resourceVersion; a watch that ends is resumed from the last version seen, a failed one relisted.</summary>
    private async Task FollowAsync(k8s.Kubernetes client, RecordedKind kind, string version, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Exception? failed = null;
            try
            {
                SetWatching(kind, true);
                await foreach (var (type, obj) in kind.Watch(client, version, e => failed ??= e, ct))
                {
                    version = obj.Metadata?.ResourceVersion ?? version;
                    Heard(kind, version);
                    logger.LogDebug("{Type} {Kind} {Name} at {Version}", type, kind.Name, obj.Metadata?.Name, version);
                    if (type == WatchEventType.Bookmark || !kind.Wanted(obj)) continue;
                    if (type == WatchEventType.Error)
                    {
                        failed = new InvalidOperationException("the API server ended the watch with an error (410 Gone or another)");
                        break;
                    }
                    await RecordSeenAsync(kind, type, obj, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failed = e;
            }
            SetWatching(kind, false);
            if (failed is null) continue;
            logger.LogWarning(failed, "Watching {Kind} failed: listing them again", kind.Name);
            version = await WithRetryAsync(kind, token => ResyncAsync(client, kind, token), ct);
        }
    }

    /// <summary>Lists a kind and records the differences from the log: what changed or appeared, and what is gone.</summary>
    private async Task<string> ResyncAsync(k8s.Kubernetes client, RecordedKind kind, CancellationToken ct)
    {
        var (version, items) = await kind.List(client, ct);
        Heard(kind, version);
        var listed = items.Where(kind.Wanted).ToList();
        var keys = listed.Select(kind.KeyOf).ToHashSet(StringComparer.Ordinal);
        var gone = kind.Existing(_runtime.State).Where(k => !keys.Contains(k)).ToList();
        // marked as a resync (its correlation id), so the timeline tells a difference found by listing from a change seen
        await RecordAsync(new CommandContext($"{ResyncPrefix}{kind.Name}:{version}:{Guid.NewGuid():N}", Actor) { Source = new EventSource(version, null, null) },
            kind, listed, gone, ct);
        logger.LogInformation("Listed {Count} {Kind} at resourceVersion {Version}; {Gone} gone since the log last saw them", listed.Count, kind.Name, version, gone.Count);
        return version;
    }

    private readonly Dictionary<string, IKubernetesObject<V1ObjectMeta>> _waiting = new(StringComparer.Ordinal);

    /// <summary>
    /// One change a watch said, as one command. A ControllerRevision whose DaemonSet the log does not hold yet (their
    /// watches are apart) waits for it: it is recorded after the next DaemonSet change the recorder records.
    /// </summary>
    private async Task RecordSeenAsync(RecordedKind kind, WatchEventType type, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
    {
        var key = kind.KeyOf(obj);
        if (kind == RecordedKind.ControllerRevisions)
            lock (_waiting)
            {
                _waiting.Remove(key);
                var owner = obj.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true)?.Uid;
                if (type != WatchEventType.Deleted && owner is not null && !_runtime.State.DaemonSetsByUid.ContainsKey(owner))
                {
                    _waiting[key] = obj;
                    return;
                }
            }
        var seen = new CommandContext($"{WatchPrefix}{kind.Name}:{obj.Metadata?.ResourceVersion}:{Guid.NewGuid():N}", Actor)
        {
            Source = new EventSource(obj.Metadata?.ResourceVersion, obj.Metadata?.Uid, null),
        };
        await RecordAsync(seen, kind, type == WatchEventType.Deleted ? [] : [obj], type == WatchEventType.Deleted ? [key] : [], ct);
        if (kind != RecordedKind.DaemonSets) return;
        List<IKubernetesObject<V1ObjectMeta>> ready;
        lock (_waiting)
            ready = _waiting.Values.Where(r => r.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true)?.Uid is { } owner
                && _runtime.State.DaemonSetsByUid.ContainsKey(owner)).ToList();
        foreach (var revision in ready) await RecordSeenAsync(RecordedKind.ControllerRevisions, WatchEventType.Added, revision, ct);
    }

    /// <summary>One command of what was observed: the objects as the cluster shows them, then the ones removed.</summary>
    private async Task RecordAsync(CommandContext context, RecordedKind kind, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> seen, IReadOnlyList<string> removed,
        CancellationToken ct)
    {
        var objects = seen.Select(o => kind.AsJson(o)).ToList();
        var gone = removed.Select(key => (kind.Kind, key)).ToList();
        var (fence, leading) = _term ?? throw new OperationCanceledException(ct);
        (CommandOutcome Outcome, IReadOnlyList<(string What, Failure Failure)> Refused) recorded;
        try
        {
            recorded = await Observations.RecordAsync(_runtime, context with { Fence = fence, Recording = kind.Name }, objects, gone, ct);
        }
        catch (Exception e) when (LeaseFence.Lost(e))
        {
            // another process may lead, and record, already: what this one saw is not appended, and it stops recording
            logger.LogWarning("Not recorded: this process no longer holds the leader lease (an append found it gone)");
            await _lease.GiveUpAsync(fence);
            await leading.CancelAsync();
            throw new OperationCanceledException(ct);
        }
        var (outcome, refused) = recorded;
        foreach (var (what, why) in refused)
        {
            Interlocked.Increment(ref _refused);
            logger.LogWarning("Not recorded: {What}: {Detail}", what, why.Detail);
        }
        if (outcome.Failure is { } failure) logger.LogWarning("Could not record {Kind}: {Detail}", kind.Name, failure.Detail);
    }

    private async Task<string> WithRetryAsync(RecordedKind kind, Func<CancellationToken, Task<string>> attempt, CancellationToken ct)
    {
        var wait = FirstRetry;
        while (true)
        {
            try
            {
                return await attempt(ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning(e, "Listing {Kind} failed; trying again in {Wait}", kind.Name, wait);
                await Task.Delay(wait, ct);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LastRetry.Ticks));
            }
        }
    }

    private void SetWatching(RecordedKind kind, bool watching)
    {
        lock (_watching) _watching[kind.Name] = watching;
    }

    /// <summary>One kind the recorder follows: how it is listed and watched, which objects count, and how one is removed.</summary>
    private sealed record RecordedKind(
        string Name,
        string ApiVersion,
        string Kind,
        Func<k8s.Kubernetes, CancellationToken, Task<(string Version, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items)>> List,
        Func<k8s.Kubernetes, string, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, IKubernetesObject<V1ObjectMeta>)>> Watch,
        Func<ClusterState, IEnumerable<string>> Existing)
    {
        /// <summary>Pods and ControllerRevisions count when a DaemonSet controls them; every node and DaemonSet counts.</summary>
        public bool Wanted(IKubernetesObject<V1ObjectMeta> obj) =>
            !Observations.Owned(Kind) || obj.Metadata?.OwnerReferences?.Any(o => o.Kind == "DaemonSet" && o.Controller == true) == true;

        public string KeyOf(IKubernetesObject<V1ObjectMeta> obj) =>
            Observations.KeyOf(Kind, obj.Metadata.NamespaceProperty, obj.Metadata.Name);

        /// <summary>The object as JSON with its kind and apiVersion (list items carry none).</summary>
        public JsonObject AsJson(IKubernetesObject<V1ObjectMeta> obj)
        {
            var json = JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject();
            json["apiVersion"] = ApiVersion;
            json["kind"] = Kind;
            return json;
        }

        public static readonly RecordedKind Nodes = new(
            "nodes", "v1", "Node",
            async (c, ct) => await c.CoreV1.ListNodeAsync(cancellationToken: ct) is var l ? (l.Metadata.ResourceVersion, l.Items.Cast<IKubernetesObject<V1ObjectMeta>>().ToList()) : default,
            (c, rv, onError, ct) => Erase(c.CoreV1.WatchListNodeAsync(resourceVersion: rv, allowWatchBookmarks: true, onError: onError, cancellationToken: ct)),
            s => s.Nodes.Keys);

        public static readonly RecordedKind DaemonSets = new(
            "daemonsets", "apps/v1", "DaemonSet",
            async (c, ct) => await c.AppsV1.ListDaemonSetForAllNamespacesAsync(cancellationToken: ct) is var l ? (l.Metadata.ResourceVersion, l.Items.Cast<IKubernetesObject<V1ObjectMeta>>().ToList()) : default,
            (c, rv, onError, ct) => Erase(c.AppsV1.WatchListDaemonSetForAllNamespacesAsync(resourceVersion: rv, allowWatchBookmarks: true, onError: onError, cancellationToken: ct)),
            s => s.DaemonSets.Keys);

        public static readonly RecordedKind ControllerRevisions = new(
            "controllerrevisions", "apps/v1", "ControllerRevision",
            async (c, ct) => await c.AppsV1.ListControllerRevisionForAllNamespacesAsync(cancellationToken: ct) is var l ? (l.Metadata.ResourceVersion, l.Items.Cast<IKubernetesObject<V1ObjectMeta>>().ToList()) : default,
            (c, rv, onError, ct) => Erase(c.AppsV1.WatchListControllerRevisionForAllNamespacesAsync(resourceVersion: rv, allowWatchBookmarks: true, onError: onError, cancellationToken: ct)),
            s => s.Revisions.Values.Where(r => r.OwnerUid is not null).Select(r => r.Key));

        public static readonly RecordedKind Pods = new(
            "pods", "v1", "Pod",
            async (c, ct) => await c.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct) is var l ? (l.Metadata.ResourceVersion, l.Items.Cast<IKubernetesObject<V1ObjectMeta>>().ToList()) : default,
            (c, rv, onError, ct) => Erase(c.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: rv, allowWatchBookmarks: true, onError: onError, cancellationToken: ct)),
            s => s.Pods.Keys);

        private static async IAsyncEnumerable<(WatchEventType, IKubernetesObject<V1ObjectMeta>)> Erase<T>(IAsyncEnumerable<(WatchEventType, T)> events)
            where T : IKubernetesObject<V1ObjectMeta>
        {
            await foreach (var (type, obj) in events) yield return (type, obj);
        }
    }
}
