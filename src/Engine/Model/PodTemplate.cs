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
