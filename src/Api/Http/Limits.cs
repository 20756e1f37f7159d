using System.Collections.Concurrent;

namespace EventEngine.Api.Http;

/// <summary>
/// Engine:Limits, the budgets that keep one client from taking the server: objects per apply, what-if replays and
/// divergence scans at once (each starts from a whole cluster's state),
/// event watches in all and per client. (Body size is Engine:MaxBodyBytes; a what-if's window is
/// Engine:Limits:ReplayEvents, checked by the replay itself; parse limits are <see cref="Model.ParseLimits"/>.)
/// </summary>
public sealed record Limits(int ApplyObjects, int ConcurrentReplays, int Watches, int WatchesPerClient)
{
    public static Limits From(IConfiguration configuration) => new(
        Positive(configuration, "Engine:Limits:ApplyObjects", 5_000),
        Positive(configuration, "Engine:Limits:ConcurrentReplays", 2),
        Positive(configuration, "Engine:Limits:Watches", 200),
        Positive(configuration, "Engine:Limits:WatchesPerClient", 20));

    public static int Positive(IConfiguration configuration, string key, int fallback)
    {
        var value = configuration.GetValue(key, fallback);
        return value > 0 ? value : throw new InvalidOperationException($"{key} is {value}: it must be a positive number");
    }
}

/// <summary>
/// Admission to the expensive things: a replay or a divergence scan takes one of <see cref="Limits.ConcurrentReplays"/> places and a watch
/// one of <see cref="Limits.Watches"/> (at most <see cref="Limits.WatchesPerClient"/> per user or address). A request
/// that finds no place is a 429 with Retry-After, never a queue that grows.
/// </summary>
public sealed class Admission(Limits limits)
{
    private readonly SemaphoreSlim _replays = new(limits.ConcurrentReplays);
    private readonly ConcurrentDictionary<string, int> _watchesByClient = new(StringComparer.Ordinal);
    private int _watches;

    public IDisposable? TryReplay() => _replays.Wait(0) ? new Lease(() => _replays.Release()) : null;

    public IDisposable? TryWatch(string client)
    {
        if (Interlocked.Increment(ref _watches) > limits.Watches)
        {
            Interlocked.Decrement(ref _watches);
            return null;
        }
        if (_watchesByClient.AddOrUpdate(client, 1, (_, n) => n + 1) > limits.WatchesPerClient)
        {
            Release(client);
            return null;
        }
        return new Lease(() => Release(client));
    }

    private void Release(string client)
    {
        _watchesByClient.AddOrUpdate(client, 0, (_, n) => n - 1);
        Interlocked.Decrement(ref _watches);
    }

    /// <summary>Who a watch counts against: the authenticated user, or the address of an anonymous caller.</summary>
    public static string ClientOf(HttpContext context) =>
        context.Items[typeof(Caller)] is Caller { Anonymous: false } caller ? "user:" + caller.User : "ip:" + context.Connection.RemoteIpAddress;

    /// <summary>A 429 that says which budget is spent and when to try again.</summary>
    public static IResult Busy(HttpContext context, string message, int retryAfterSeconds = 5)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Errors.IsKubernetesPath(context.Request.Path)
            ? KubeStatus.Failure(429, "TooManyRequests", message)
            : Problems.Problem(429, "Too many requests", message);
    }

    private sealed class Lease(Action release) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) release();
        }
    }
}
