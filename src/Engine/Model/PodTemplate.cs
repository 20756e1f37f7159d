using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace EventEngine.Model;

/// <summary>
/// A pod template (metadata + spec) kept verbatim as JSON, because every field of it is part of the
/// revision: only the placement fields are read into a typed view.
/// </summary>
[JsonConverter(typeof(PodTemplateConverter))]
public sealed class PodTemplate : IEquatable<PodTemplate>
{
    private PodTemplate(JsonElement raw)
    {
        raw = CanonicalJson.SortKeys(raw);
        Raw = raw;
        Canonical = CanonicalJson.Write(raw);
        // templates stand at spec.template of a DaemonSet (and of a revision's data): errors are named from there
        var metadata = raw.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object
            ? Manifests.DeserializeAt<ObjectMeta>(m, "spec.template.metadata")
            : null;
        Labels = metadata?.Labels ?? new Dictionary<string, string>();
        Annotations = metadata?.Annotations ?? new Dictionary<string, string>();
        Spec = raw.TryGetProperty("spec", out var s) && s.ValueKind == JsonValueKind.Object
            ? Manifests.DeserializeAt<PodSpecView>(s, "spec.template.spec")
            : new PodSpecView();
    }

    /// <summary>
    /// The template as given (after defaulting), object keys in ordinal order: the log's jsonb reorders keys, and
    /// a template must read back exactly as it was written.
    /// </summary>
    public JsonElement Raw { get; }

    /// <summary>Sorted keys, no nulls, no empty lists or maps: the form that is hashed and compared.</summary>
    public string Canonical { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }
    public IReadOnlyDictionary<string, string> Annotations { get; }

    /// <summary>The typed view of the fields placement and validation read.</summary>
    public PodSpecView Spec { get; }

    public static PodTemplate From(JsonElement raw) => new(raw);

    public static PodTemplate From(JsonNode raw) => new(JsonSerializer.SerializeToElement(raw, Json.Options));

    public JsonNode ToNode() => JsonNode.Parse(Raw.GetRawText())!;

    public bool Equals(PodTemplate? other) => other is not null && Canonical == other.Canonical;
    public override bool Equals(object? obj) => Equals(obj as PodTemplate);
    public override int GetHashCode() => Canonical.GetHashCode(StringComparison.Ordinal);

    private sealed class PodTemplateConverter : JsonConverter<PodTemplate>
    {
        public override PodTemplate Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("a pod template must be an object");
            return new PodTemplate(doc.RootElement);
        }

        public override void Write(Utf8JsonWriter writer, PodTemplate value, JsonSerializerOptions options) =>
            value.Raw.WriteTo(writer);
    }
}

/// <summary>The fields of a pod spec the engine reads; everything else stays in the raw template.</summary>
public sealed record PodSpecView
{
    public string? NodeName { get; init; }
    public IReadOnlyDictionary<string, string>? NodeSelector { get; init; }
    public Affinity? Affinity { get; init; }
    public IReadOnlyList<Toleration>? Tolerations { get; init; }
    public bool? HostNetwork { get; init; }
    public string? RestartPolicy { get; init; }
    public long? ActiveDeadlineSeconds { get; init; }
    public IReadOnlyList<ContainerView>? Containers { get; init; }
    public JsonElement? EphemeralContainers { get; init; }
}

/// <summary>The fields of a container that validation reads.</summary>
public sealed record ContainerView
{
    public string? Name { get; init; }
    public string? Image { get; init; }
}

/// <summary>Canonical JSON: what makes two templates "the same template" (nil and empty are equal, as in Go).</summary>
public static class CanonicalJson
{
    public static string Write(JsonElement element)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            if (!WriteValue(writer, element))
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The same JSON with every object's keys in ordinal order (nothing dropped).</summary>
    public static JsonElement SortKeys(JsonElement element)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) WriteSorted(writer, element);
        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    private static void WriteSorted(Utf8JsonWriter writer, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var p in e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(p.Name);
                    WriteSorted(writer, p.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in e.EnumerateArray()) WriteSorted(writer, item);
                writer.WriteEndArray();
                break;
            default:
                e.WriteTo(writer);
                break;
        }
    }

    private static bool IsEmpty(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => true,
        JsonValueKind.Array => e.GetArrayLength() == 0,
        JsonValueKind.Object => e.EnumerateObject().All(p => IsEmpty(p.Value)),
        _ => false,
    };

    private static bool WriteValue(Utf8JsonWriter writer, JsonElement e)
    {
        if (IsEmpty(e)) return false;
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var p in e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (IsEmpty(p.Value)) continue;
                    writer.WritePropertyName(p.Name);
                    WriteValue(writer, p.Value);
                }
                writer.WriteEndObject();
                return true;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in e.EnumerateArray())
                {
                    if (!WriteValue(writer, item)) writer.WriteNullValue();
                }
                writer.WriteEndArray();
                return true;
            default:
                e.WriteTo(writer);
                return true;
        }
    }
}
