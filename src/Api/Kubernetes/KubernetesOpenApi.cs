using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventEngine.Api.Kubernetes;

/// <summary>One group-version's OpenAPI v3 document as served: its path ("apis/apps/v1"), bytes and hash.</summary>
public sealed record GroupVersionDocument(string Path, byte[] Bytes, string Hash, JsonDocument Parsed)
{
    /// <summary>Where the index points: the document's URL with its hash, which a client may cache for good.</summary>
    public string Url => $"/openapi/v3/{Path}?hash={Hash}";
}

/// <summary>
/// Kubernetes 1.32's OpenAPI v3 documents of the served group-versions, embedded (Kubernetes/OpenApi/README.md says
/// where they come from and how they were trimmed), with info.version set to the version the server reports. As the
/// API server does, each is named in the index by the uppercase hex SHA-512 of its bytes. kubectl reads them to
/// choose server-side field validation, for patch metadata and for explain; the server checks bodies against the same
/// schemas (<see cref="UnknownFields"/>).
/// </summary>
public sealed class KubernetesOpenApi
{
    private const string SchemaPrefix = "#/components/schemas/";

    /// <summary>Each served kind's schema, found once: every write of a node or DaemonSet looks its kind up.</summary>
    private readonly Dictionary<ApiResource, (JsonElement Root, JsonElement Schema)> _schemas;

    private readonly Lazy<OpenApiV2> _v2;

    private KubernetesOpenApi(IReadOnlyList<GroupVersionDocument> documents, string version)
    {
        Documents = documents;
        // made at its first request, not at start-up: only a client validating a List asks for it
        _v2 = new Lazy<OpenApiV2>(() => OpenApiV2.From(documents, version));
        _schemas = ApiResources.All.ToDictionary(r => r, Locate);
        Index = Bytes(new JsonObject
        {
            ["paths"] = new JsonObject(documents.Select(d => KeyValuePair.Create(d.Path, (JsonNode?)new JsonObject { ["serverRelativeURL"] = d.Url }))),
        });
    }

    public IReadOnlyList<GroupVersionDocument> Documents { get; }

    /// <summary>GET /openapi/v2: the same schemas as one OpenAPI v2 document.</summary>
    public OpenApiV2 V2 => _v2.Value;

    /// <summary>GET /openapi/v3: every document's path and hashed URL.</summary>
    public byte[] Index { get; }

    /// <summary>The document at a path ("api/v1"), if served.</summary>
    public GroupVersionDocument? Find(string path) => Documents.FirstOrDefault(d => d.Path == path);

    /// <summary>"api/v1" for v1, "apis/apps/v1" for apps/v1: where a group-version's document lives.</summary>
    public static string PathOf(string groupVersion) => groupVersion.Contains('/') ? "apis/" + groupVersion : "api/" + groupVersion;

    /// <summary>Reads the embedded documents of every served group-version, stamped with <paramref name="version"/>.</summary>
    public static KubernetesOpenApi Load(string version)
    {
        var documents = new List<GroupVersionDocument>();
        foreach (var groupVersion in ApiResources.GroupVersions)
        {
            var path = PathOf(groupVersion);
            var name = "openapi/" + path.Replace("/", "__", StringComparison.Ordinal) + ".json";
            using var stream = typeof(KubernetesOpenApi).Assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"the OpenAPI document {name} is not embedded: run scripts/trim-openapi");
            var root = JsonNode.Parse(stream)!.AsObject();
            root["info"]!["version"] = version;
            var bytes = Bytes(root);
            documents.Add(new GroupVersionDocument(path, bytes, Convert.ToHexString(SHA512.HashData(bytes)), JsonDocument.Parse(bytes)));
        }
        return new KubernetesOpenApi(documents, version);
    }

    /// <summary>
    /// The schema of a served kind: in its group-version's document, the one whose x-kubernetes-group-version-kind
    /// names it. JsonElements are read-only, so requests may walk them at once.
    /// </summary>
    public (JsonElement Root, JsonElement Schema) SchemaOf(ApiResource resource) => _schemas[resource];

    private (JsonElement Root, JsonElement Schema) Locate(ApiResource resource)
    {
        var root = Find(PathOf(resource.GroupVersion))?.Parsed.RootElement
            ?? throw new InvalidOperationException($"no OpenAPI document for {resource.GroupVersion}");
        foreach (var schema in root.GetProperty("components").GetProperty("schemas").EnumerateObject())
            if (schema.Value.TryGetProperty("x-kubernetes-group-version-kind", out var kinds)
                && kinds.EnumerateArray().Any(k => Text(k, "group") == resource.Group && Text(k, "version") == resource.Version && Text(k, "kind") == resource.Kind))
                return (root, schema.Value);
        throw new InvalidOperationException($"the OpenAPI document of {resource.GroupVersion} has no schema for {resource.Kind}");
    }

    /// <summary>A schema with its $ref, or the one $ref of an allOf (how the documents wrap object-valued fields), followed.</summary>
    public static JsonElement Resolve(JsonElement root, JsonElement schema)
    {
        for (var hops = 0; hops < 32; hops++)
        {
            if (schema.TryGetProperty("$ref", out var reference) && reference.GetString() is { } target && target.StartsWith(SchemaPrefix, StringComparison.Ordinal))
                schema = root.GetProperty("components").GetProperty("schemas").GetProperty(target[SchemaPrefix.Length..]);
            else if (schema.TryGetProperty("allOf", out var all) && all.GetArrayLength() == 1)
                schema = all[0];
            else
                return schema;
        }
        throw new InvalidOperationException("an OpenAPI schema refers to itself");
    }

    /// <summary>Compact UTF-8, with the documents' quotes and angle brackets as they are (not \u-escaped).</summary>
    private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString(Model.Json.Options));

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetString() : null;
}
