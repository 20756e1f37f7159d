using System.Text.Json.Nodes;
using EventEngine.Api.Http;

namespace EventEngine.Api.Kubernetes;

/// <summary>
/// Failures on /api and /apis paths as a Kubernetes API server words them (metav1.Status), so kubectl prints its
/// usual lines: "Error from server (NotFound): daemonsets.apps "x" not found", "The Node "Bad_Name" is invalid:
/// metadata.name: ...". The resource and name come from the path, or for a create from the body it named.
/// </summary>
public static class KubeErrors
{
    /// <summary>Where a request body named its object (metadata.name), for errors about a create.</summary>
    public const string NameItem = "kube.name";

    /// <summary>The Status reason of an HTTP status, as the API server names it (metav1.StatusReason).</summary>
    public static string Reason(int status) => status switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        409 => "Conflict",
        410 => "Expired",
        413 => "RequestEntityTooLarge",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        _ => "InternalError",
    };

    public static JsonObject Status(HttpContext context, int status, string detail, IReadOnlyList<(string Field, string Message)> errors)
    {
        var (resource, name) = Target(context);
        var qualified = resource?.Qualified ?? "";
        var quoted = $"\"{name}\"";
        var (reason, message) = status switch
        {
            404 when resource is not null && name is not null => ("NotFound", $"{qualified} {quoted} not found"),
            404 => ("NotFound", detail),
            409 when detail.Contains("already exists", StringComparison.Ordinal) && resource is not null && name is not null =>
                ("AlreadyExists", $"{qualified} {quoted} already exists"),
            // a delete's preconditions, worded as the API server words them
            409 when detail.StartsWith("Precondition failed", StringComparison.Ordinal) && resource is not null && name is not null =>
                ("Conflict", $"Operation cannot be fulfilled on {qualified} {quoted}: {detail}"),
            409 when resource is not null && name is not null =>
                ("Conflict", $"Operation cannot be fulfilled on {qualified} {quoted}: the object has been modified; please apply your changes to the latest version and try again ({detail})"),
            409 => ("Conflict", detail),
            422 when errors.Count > 0 && name is not null => ("Invalid", $"{resource?.Kind ?? "object"} {quoted} is invalid: " + (errors.Count == 1
                ? $"{errors[0].Field}: {errors[0].Message}"
                : "[" + string.Join(", ", errors.Select(e => $"{e.Field}: {e.Message}")) + "]")),
            _ => (Reason(status), detail),
        };
        var details = new JsonObject();
        if (name is not null) details["name"] = name;
        if (resource is { Group.Length: > 0 }) details["group"] = resource.Group;
        if (resource is not null) details["kind"] = reason == "Invalid" ? resource.Kind : resource.Plural;
        if (errors.Count > 0)
            details["causes"] = new JsonArray(errors.Select(e => (JsonNode)new JsonObject
            {
                ["reason"] = CauseOf(e.Message), ["message"] = e.Message, ["field"] = e.Field,
            }).ToArray());
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["details"] = details.Count == 0 ? null : details,
            ["code"] = status,
        };
    }

    /// <summary>Kubernetes' cause reasons, from the conventional message prefixes.</summary>
    private static string CauseOf(string message) => message switch
    {
        _ when message.StartsWith("Required value", StringComparison.Ordinal) => "FieldValueRequired",
        _ when message.StartsWith("Unsupported value", StringComparison.Ordinal) => "FieldValueNotSupported",
        _ when message.StartsWith("Forbidden", StringComparison.Ordinal) => "FieldValueForbidden",
        _ when message.StartsWith("Duplicate value", StringComparison.Ordinal) => "FieldValueDuplicate",
        _ when message.StartsWith("Too long", StringComparison.Ordinal) || message.StartsWith("Too many", StringComparison.Ordinal) => "FieldValueTooLong",
        _ => "FieldValueInvalid",
    };

    /// <summary>The resource and object name a Kubernetes path names: /api/v1/[namespaces/ns/]plural[/name[/sub]].</summary>
    public static (ApiResource? Resource, string? Name) Target(HttpContext context)
    {
        var segments = context.Request.Path.Value?.Trim('/').Split('/') ?? [];
        var (group, rest) = segments switch
        {
            ["api", "v1", .. var r] => ("", r),
            ["apis", var g, "v1", .. var r] => (g, r),
            _ => (null, Array.Empty<string>()),
        };
        if (group is null) return (null, null);
        if (rest is ["namespaces", _, _, ..]) rest = rest[2..];
        else if (rest is ["namespaces", var only]) return (ApiResources.Namespaces, only);
        if (rest.Length == 0 || ApiResources.Find(group, rest[0]) is not { } resource) return (null, null);
        var name = rest.Length > 1 ? rest[1] : context.Items[NameItem] as string;
        return (resource, name);
    }
}
