using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace EventEngine.Api.Hosting;

/// <summary><c>/healthz</c>: the process serves; <c>/readyz</c>: and its database answers.</summary>
internal static class HealthEndpoints
{
    public sealed record Health(string Status, bool? Leader = null, long? Head = null, RecorderHealth? Recorder = null);

    /// <summary>Observe mode: the cluster recorded, whether every kind is watched, how long since it last heard, the versions seen.</summary>
    public sealed record RecorderHealth(string? Server, bool Live, double LastHeardSecondsAgo, IReadOnlyDictionary<string, string> ResourceVersions, long Refused);

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var health = endpoints.MapGroup("").WithTags("Health");
        health.MapGet("/healthz", () => TypedResults.Ok(new Health("ok")));
        health.MapGet("/readyz", ReadyAsync);
        return endpoints;
    }

    /// <summary>
    /// Ready when the database answers; says whether this process leads (runs the timers) and the seq it stands at. The
    /// recorder's state (the recorded cluster's address, its resource versions) is shown to a caller who may read
    /// (a token, or a loopback client of a server without tokens), not to anyone a probe may be.
    /// </summary>
    private static async Task<Results<Ok<Health>, ProblemHttpResult>> ReadyAsync(
        NpgsqlDataSource database, EventEngine.Runtime.LeaderLease lease, EventEngine.Runtime.EngineRuntime runtime, ILoggerFactory loggers,
        IServiceProvider services, HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = database.CreateCommand("select 1");
            command.CommandTimeout = 5;
            await command.ExecuteScalarAsync(cancellationToken);
            var recorder = context.Items.ContainsKey(typeof(Http.Caller)) && services.GetService<EventEngine.Api.Recording.ClusterRecorder>() is { } r
                ? new RecorderHealth(r.Server, r.Live, Math.Round(r.SinceHeard.TotalSeconds, 3), r.Versions, r.Refused)
                : null;
            return TypedResults.Ok(new Health("ready", lease.IsLeader, runtime.Head, recorder));
        }
        catch (NpgsqlException e)
        {
            loggers.CreateLogger(typeof(HealthEndpoints)).LogWarning(e, "Readiness check: the database did not answer");
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Database unavailable",
                detail: "The event database did not answer.");
        }
    }
}
