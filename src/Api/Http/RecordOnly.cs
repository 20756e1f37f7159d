using EventEngine.Runtime;

namespace EventEngine.Api.Http;

/// <summary>
/// In Observe mode the log records a real cluster, so nothing may be written to it but what the cluster shows: a write
/// through the API is refused (405, a Status on Kubernetes paths), saying to change the cluster instead. What reads the
/// log without changing it stays open (a what-if, a rebuild of the read models), and so does an import of the cluster's
/// own history (POST /engine/v1/import), and any endpoint marked <see cref="WritesNothing"/>.
/// </summary>
public sealed class RecordOnly(RequestDelegate next, EngineMode mode)
{
    private static readonly string[] Open = ["/engine/v1/replay", "/engine/v1/projections/rebuild", "/engine/v1/import"];

    /// <summary>Endpoint metadata: a POST that writes nothing (a question about the caller, a pod's exec answered with why not).</summary>
    public sealed record WritesNothing
    {
        public static readonly WritesNothing Instance = new();
    }

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!Refuses(mode, request.Method, request.Path, context.GetEndpoint())) return next(context);
        return Errors.Write(context, 405, "MethodNotAllowed", $"{Why} {request.Method} {request.Path} would write to the record; make the change in the cluster and the recorder will see it");
    }

    public const string Why = "this engine records a cluster (Engine:Mode=Observe):";

    /// <summary>Whether a request is refused because it would write to a recorded log.</summary>
    public static bool Refuses(EngineMode mode, string method, PathString path, Endpoint? endpoint) =>
        mode.Observes && !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
        && !Open.Any(open => path.Equals(open, StringComparison.OrdinalIgnoreCase))
        && endpoint?.Metadata.GetMetadata<WritesNothing>() is null;
}
