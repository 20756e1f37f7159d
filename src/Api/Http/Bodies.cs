using System.Text.Json.Nodes;
using EventEngine.Api.Kubernetes;
using EventEngine.Commands;
using EventEngine.Model;
using EventEngine.Model.Patches;
using Microsoft.Net.Http.Headers;

namespace EventEngine.Api.Http;

/// <summary>Reads request bodies: Kubernetes objects as JSON or YAML, merge patches as merge-patch+json; size-limited.</summary>
public static class Bodies
{
    public const long DefaultMaxBytes = 8 * 1024 * 1024;
    private static readonly string[] Yaml = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"];

    /// <summary>One object of the expected type; fields its kind does not have are dealt with as ?fieldValidation= says.</summary>
    public static async Task<T> ObjectAsync<T>(HttpRequest request, CancellationToken ct)
    {
        var (text, yaml) = await ReadAsync(request, allowYaml: true, ct);
        var objects = Manifests.ReadObjects(text, yaml);
        // errors about a create name the object as Kubernetes does
        if (objects is [var first, ..]) request.HttpContext.Items[KubeErrors.NameItem] = JsonFields.Text(first, "metadata", "name");
        var typed = Manifests.Read<T>(objects);
        FieldValidation.Check(request, ResourceOf<T>(), objects[0], patch: false);
        return typed;
    }

    /// <summary>Every object of a body (multi-document YAML, a JSON array, a List).</summary>
    public static async Task<IReadOnlyList<JsonObject>> ObjectsAsync(HttpRequest request, CancellationToken ct)
    {
        var (text, yaml) = await ReadAsync(request, allowYaml: true, ct);
        return Manifests.ReadObjects(text, yaml);
    }

    /// <summary>
    /// A patch of a <typeparamref name="T"/> as Kubernetes takes it: JSON merge patch, strategic merge patch or JSON patch,
    /// by Content-Type; fields the kind does not have are dealt with as ?fieldValidation= says. Server-side apply
    /// (apply-patch+yaml) is refused with a 415 that says so.
    /// </summary>
    public static async Task<ObjectPatch> PatchAsync<T>(HttpRequest request, CancellationToken ct)
    {
        var type = MediaType(request);
        if (type == ObjectPatch.ApplyType)
            throw new BodyException(415, "Unsupported media type",
                "server-side apply is not supported by this server: use kubectl apply without --server-side (client-side apply)");
        if (ObjectPatch.FormatOf(type) is not { } format)
            throw new BodyException(415, "Unsupported media type",
                $"PATCH takes {ObjectPatch.MergeType}, {ObjectPatch.StrategicType} or {ObjectPatch.JsonPatchType}, not {(type.Length == 0 ? "a body without Content-Type" : type)}");
        var body = JsonText.Parse(await TextAsync(request, ct));
        if (format != PatchFormat.Json && body is JsonObject patch) FieldValidation.Check(request, ResourceOf<T>(), patch, patch: true);
        return format switch
        {
            PatchFormat.Json when body is not JsonArray => throw new ManifestException("a JSON patch must be a JSON array of operations", ""),
            PatchFormat.Merge or PatchFormat.Strategic when body is not JsonObject => throw new ManifestException("a merge patch must be a JSON object", ""),
            _ => new ObjectPatch(format, body!),
        };
    }

    /// <summary>The served kind a typed endpoint takes.</summary>
    private static ApiResource ResourceOf<T>() =>
        typeof(T) == typeof(Node) ? ApiResources.Nodes
        : typeof(T) == typeof(Pod) ? ApiResources.Pods
        : typeof(T) == typeof(DaemonSet) ? ApiResources.DaemonSets
        : throw new InvalidOperationException($"{typeof(T).Name} is not a served kind");

    /// <summary>What a delete asks besides the object: its propagationPolicy, whether it is a dry run, and its preconditions.</summary>
    public sealed record DeleteOptions(string? PropagationPolicy, bool DryRun, Preconditions.OnDelete Expected);

    /// <summary>
    /// A delete's options: from its DeleteOptions body as kubectl sends it ({"kind":"DeleteOptions",
    /// "propagationPolicy":"Foreground","dryRun":["All"]}), else from the query; the legacy orphanDependents means Orphan
    /// (true) or Background (false). The request's command reads the dry run from here (see <see cref="RequestContext.DryRun"/>).
    /// </summary>
    public static async Task<DeleteOptions> DeleteOptionsAsync(HttpRequest request, CancellationToken ct)
    {
        JsonObject options;
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.Any()))
        {
            options = [];
        }
        else
        {
            // kubectl's typed deletes (kubectl drain without evictions) send their options as protobuf
            options = await JsonOrProtobufAsync(request, KubeProtobuf.DeleteOptions, ct);
        }
        return Read(request, options, "");
    }

    /// <summary>
    /// POST .../pods/{name}/eviction: a policy/v1 Eviction (JSON, or the protobuf kubectl drain sends) of the pod the path
    /// names; its deleteOptions are the delete's (a dry run among them).
    /// </summary>
    public static async Task<DeleteOptions> EvictionAsync(HttpRequest request, string ns, string name, CancellationToken ct)
    {
        var eviction = await JsonOrProtobufAsync(request, KubeProtobuf.Eviction, ct);
        if (eviction.TryGetPropertyValue("kind", out var kind) && JsonFields.Text(eviction, "kind") != "Eviction")
            throw new ManifestException($"Invalid value: {kind?.ToJsonString() ?? "null"}: this endpoint takes policy/v1 Eviction", "kind");
        // as the API server checks it: the object names the pod of the path, in the path's namespace
        if (JsonFields.Text(eviction, "metadata", "name") != name)
            throw new ManifestException("name in URL does not match name in Eviction object", "metadata.name");
        if (JsonFields.Text(eviction, "metadata", "namespace") is { Length: > 0 } given && given != ns)
            throw new ManifestException("the namespace of the provided object does not match the namespace sent on the request", "metadata.namespace");
        return eviction["deleteOptions"] switch
        {
            null => Read(request, [], "deleteOptions."),
            JsonObject options => Read(request, options, "deleteOptions."),
            _ => throw new ManifestException("expected an object", "deleteOptions"),
        };
    }

    /// <summary>
    /// A body of a kind kubectl's typed clients send as protobuf (application/vnd.kubernetes.protobuf), read as the JSON it
    /// stands for; at most 64 KiB of it, which is far more than any of them needs, so no body builds more than that.
    /// Any other body is read as JSON or YAML.
    /// </summary>
    public static async Task<JsonObject> JsonOrProtobufAsync(HttpRequest request, KubeProtobuf.Reader protobuf, CancellationToken ct)
    {
        if (!KubeProtobuf.Sent(request)) return await JsonObjectAsync(request, ct);
        var (bytes, length) = await BytesAsync(request, ct, KubeProtobuf.MaxBytes);
        return protobuf(bytes.AsSpan(0, length));
    }

    private static DeleteOptions Read(HttpRequest request, JsonObject options, string at)
    {
        var query = request.Query["propagationPolicy"].ToString();
        var policy = options["propagationPolicy"] is JsonValue p && p.TryGetValue<string>(out var given) ? given
            : options["orphanDependents"] is JsonValue orphan && orphan.TryGetValue<bool>(out var dependents)
                ? dependents ? State.DeletionPolicy.Orphan : State.DeletionPolicy.Background
            : query.Length > 0 ? query : null;
        // ValidateDeleteOptions: every delete, not only a DaemonSet's, refuses a policy Kubernetes does not know
        if (policy is { Length: > 0 } and not (State.DeletionPolicy.Background or State.DeletionPolicy.Foreground or State.DeletionPolicy.Orphan))
            throw new ManifestException($"{at}propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Background\", \"Foreground\", \"Orphan\"",
                at + "propagationPolicy", malformed: false);
        var dryRun = options["dryRun"] switch
        {
            null => false,
            JsonArray values when values.All(v => v is JsonValue value && value.TryGetValue<string>(out var text) && text == "All") => values.Count > 0,
            var other => throw new ManifestException($"{at}dryRun: Invalid value: {other.ToJsonString()}: must be a list of \"All\" ([\"All\"])", at + "dryRun"),
        };
        var read = new DeleteOptions(policy, dryRun, PreconditionsOf(options, at));
        request.HttpContext.Items[typeof(DeleteOptions)] = read;
        return read;
    }

    /// <summary>DeleteOptions.preconditions: {"uid": "...", "resourceVersion": "..."}, each a string when given.</summary>
    private static Preconditions.OnDelete PreconditionsOf(JsonObject options, string at)
    {
        switch (options["preconditions"])
        {
            case null:
                return new Preconditions.OnDelete(null, null, at);
            case JsonObject given:
                string? Text(string field) => given[field] switch
                {
                    null => null,
                    JsonValue v when v.TryGetValue<string>(out var text) => text,
                    var other => throw new ManifestException($"Invalid value: {other.ToJsonString()}: must be a string", $"{at}preconditions.{field}"),
                };
                return new Preconditions.OnDelete(Text("uid"), Text("resourceVersion"), at);
            case var other:
                throw new ManifestException($"Invalid value: {other.ToJsonString()}: must be an object", at + "preconditions");
        }
    }

    /// <summary>A small JSON body for engine commands ({"toRevision": 1}).</summary>
    public static async Task<JsonObject> JsonObjectAsync(HttpRequest request, CancellationToken ct)
    {
        var (text, yaml) = await ReadAsync(request, allowYaml: true, ct);
        var objects = yaml ? Model.Yaml.ToJson(text) : [JsonText.Parse(text)];
        return objects is [JsonObject only] ? only : throw new ManifestException("expected a JSON object", "");
    }

    private static async Task<(string Text, bool Yaml)> ReadAsync(HttpRequest request, bool allowYaml, CancellationToken ct)
    {
        // as a Kubernetes API server does, a body without Content-Type is read as JSON (kubectl create --raw sends none)
        var type = MediaType(request) is { Length: > 0 } given ? given : "application/json";
        var yaml = allowYaml && Yaml.Contains(type);
        if (!yaml && type != "application/json")
            throw new BodyException(415, "Unsupported media type",
                $"send application/json{(allowYaml ? " or application/yaml" : "")}, not {(type.Length == 0 ? "a body without Content-Type" : type)}");
        return (await TextAsync(request, ct), yaml);
    }

    private static string MediaType(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value?.ToLowerInvariant() ?? "" : "";

    /// <summary>Reads at most the configured size; one byte more is a 413, whatever the server in front allows.</summary>
    private static async Task<string> TextAsync(HttpRequest request, CancellationToken ct)
    {
        var (bytes, length) = await BytesAsync(request, ct);
        return JsonText.Decode(bytes.AsSpan(0, length));
    }

    /// <summary>The body's bytes (the first <c>Length</c> of the array), at most the configured size (or <paramref name="limit"/>, when smaller).</summary>
    private static async Task<(byte[] Bytes, int Length)> BytesAsync(HttpRequest request, CancellationToken ct, long? limit = null)
    {
        var max = Math.Min(request.HttpContext.RequestServices.GetRequiredService<BodyLimits>().MaxBytes, limit ?? long.MaxValue);
        if (request.ContentLength > max) throw TooLarge(max);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > max) throw TooLarge(max);
        }
        return (buffer.GetBuffer(), (int)buffer.Length);
    }

    private static BodyException TooLarge(long max) =>
        new(413, "Request body too large", max == KubeProtobuf.MaxBytes
            ? $"a protobuf body is at most {max} bytes"
            : $"the body is larger than {max} bytes (Engine:MaxBodyBytes)");
}

/// <summary>Engine:MaxBodyBytes, default 8 MiB.</summary>
public sealed record BodyLimits(long MaxBytes);
