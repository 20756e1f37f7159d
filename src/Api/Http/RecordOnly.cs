using EventEngine.Runtime;

namespace EventEngine.Api.Http;

/// <summary>
/// In Observe mode the log records a real cluster, so nothing may be written to it but what the cluster shows: a write
/// through the API is refused (405, a Status on Kubernetes paths), saying to change the cluster instead. What reads the
/// log without changing it stays open (a what-if, a rebuild of the read models), and so does an import of the cluster's
/// own history (POST /engine/v1/import).
/// </summary>
public sealed class RecordOnly(RequestDelegate next, EngineMode mode)
{
    private static readonly string[] Open = ["/engine/v1/replay", "/engine/v1/projections/rebuild", "/engine/v1/import"];

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!mode.Observes || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || Open.Any(path => request.Path.Equals(path, StringComparison.OrdinalIgnoreCase)))
            return next(context);
        return Errors.Write(context, 405, "MethodNotAllowed",
            $"this engine records a cluster (Engine:Mode=Observe): {request.Method} {request.Path} would write to the record; make the change in the cluster and the recorder will see it");
    }
}
