using System.Text.Json;
using System.Text.Json.Nodes;
using EventEngine.Model;

namespace EventEngine.Api.Kubernetes;

/// <summary>
/// ?fieldValidation= on a POST, PUT or PATCH of a Kubernetes object, as the API server treats it: a field the kind's
/// schema does not declare is refused with a 400 under Strict (what kubectl apply and create send once the OpenAPI
/// document says the server validates), answered with a Warning header under Warn (the default) and let through
/// under Ignore. The engine reads only the fields it models, so without this a misspelt field would vanish silently.
/// </summary>
public static class FieldValidation
{
    public const string Parameter = "fieldValidation";

    /// <summary>Checks a body (an object, or a merge patch of one) of <paramref name="resource"/>; throws under Strict.</summary>
    public static void Check(HttpRequest request, ApiResource resource, JsonNode body, bool patch)
    {
        var directive = request.Query[Parameter].ToString();
        if (directive is not ("" or "Strict" or "Warn" or "Ignore"))
            throw new ManifestException($"Unsupported value: \"{directive}\": supported values: \"Ignore\", \"Strict\", \"Warn\"", Parameter, malformed: false);
        if (directive == "Ignore") return;

        var (root, schema) = request.HttpContext.RequestServices.GetRequiredService<KubernetesOpenApi>().SchemaOf(resource);
        var unknown = UnknownFields.Find(root, schema, body, patch);
        if (unknown.Count == 0) return;
        if (directive == "Strict")
        {
            var error = "strict decoding error: " + string.Join(", ", unknown.Select(f => $"unknown field \"{f}\""));
            // as the API server words it: a body that cannot be decoded names its kind, a patch that leaves unknown fields does not
            throw new StrictDecodingException(patch ? error : $"{resource.Kind} in version \"{resource.Version}\" cannot be handled as a {resource.Kind}: {error}");
        }
        foreach (var field in unknown)
            request.HttpContext.Response.Headers.Append("Warning", $"299 - \"unknown field \\\"{field}\\\"\"");
    }
}

/// <summary>Fields of a body that its schema does not declare, with their paths as Kubernetes writes them (spec.containers[0].foo).</summary>
public static class UnknownFields
{
    public static IReadOnlyList<string> Find(JsonElement root, JsonElement schema, JsonNode? value, bool patch)
    {
        var found = new List<string>();
        Walk(root, schema, value, "", patch, found);
        return found;
    }

    private static void Walk(JsonElement root, JsonElement schema, JsonNode? value, string path, bool patch, List<string> found)
    {
        schema = KubernetesOpenApi.Resolve(root, schema);
        switch (value)
        {
            case JsonObject obj when schema.TryGetProperty("properties", out var properties):
                if (schema.TryGetProperty("x-kubernetes-preserve-unknown-fields", out var preserve) && preserve.ValueKind == JsonValueKind.True) return;
                foreach (var (key, child) in obj)
                {
                    // a patch's directives ($patch, $retainKeys, $setElementOrder/...) are not fields, and its nulls remove fields
                    if (patch && (key.StartsWith('$') || child is null)) continue;
                    var at = path.Length == 0 ? key : path + "." + key;
                    if (properties.TryGetProperty(key, out var field)) Walk(root, field, child, at, patch, found);
                    else found.Add(at);
                }
                break;
            case JsonObject map when schema.TryGetProperty("additionalProperties", out var values) && values.ValueKind == JsonValueKind.Object:
                foreach (var (key, child) in map)
                    if (!(patch && key.StartsWith('$'))) Walk(root, values, child, path + "." + key, patch, found);
                break;
            case JsonArray array when schema.TryGetProperty("items", out var items):
                for (var i = 0; i < array.Count; i++) Walk(root, items, array[i], $"{path}[{i}]", patch, found);
                break;
        }
    }
}

/// <summary>A body with fields its kind does not have, under fieldValidation=Strict: a 400 BadRequest Status.</summary>
public sealed class StrictDecodingException(string message) : Exception(message);
