using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventEngine.Model;

/// <summary>
/// An apps/v1 ControllerRevision, as the DaemonSet controller writes it: the template as a patch of the DaemonSet
/// (<c>{"spec":{"template":{..., "$patch":"replace"}}}</c>), its number, labels (template labels plus
/// controller-revision-hash), the DaemonSet's annotations when it was taken, and the owning DaemonSet.
/// </summary>
public sealed record ControllerRevision
{
    private const string PatchDirective = "$patch";

    public string? ApiVersion { get; init; } = "apps/v1";
    public string? Kind { get; init; } = "ControllerRevision";
    public ObjectMeta? Metadata { get; init; }
    /// <summary>Written as Go writes it (<see cref="GoJson"/>), so its bytes are those kubectl compares a DaemonSet's template with.</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(GoDataConverter))]
    public JsonElement? Data { get; init; }
    public long Revision { get; init; }

    /// <summary>
    /// getPatch: the data that replaces a DaemonSet's template with <paramref name="template"/>, holding the template as
    /// the controller's Go types give it back (<see cref="AsTyped"/>), as kubectl rollout undo computes it from the
    /// DaemonSet to tell whether a revision is already the current template.
    /// </summary>
    public static JsonElement DataOf(PodTemplate template)
    {
        var replace = AsTyped(template.ToNode().AsObject());
        replace[PatchDirective] = "replace";
        var data = new JsonObject { ["spec"] = new JsonObject { ["template"] = replace } };
        return JsonSerializer.SerializeToElement(data, Json.Options);
    }

    /// <summary>Map-typed fields of a pod template, which Go leaves out when empty (structs it writes, even empty).</summary>
    private static readonly HashSet<string> Maps = ["labels", "annotations", "nodeSelector", "limits", "requests", "overhead", "matchLabels", "volumeAttributes"];

    /// <summary>List-typed fields Go writes even when empty (no omitempty): the required ones.</summary>
    private static readonly HashSet<string> RequiredLists = ["containers", "nodeSelectorTerms"];

    /// <summary>
    /// A pod template as decoding it into Go's PodTemplateSpec and encoding it again leaves it: nulls and empty lists
    /// left out, and empty maps; <c>metadata.creationTimestamp</c> written as null (a struct Go does not leave out),
    /// and each container's <c>resources</c> as {} (likewise). A false, 0 or "" that Go would also leave out stays.
    /// </summary>
    private static JsonObject AsTyped(JsonObject template)
    {
        Prune(template);
        if (template["metadata"] is not JsonObject metadata) template["metadata"] = metadata = [];
        if (!metadata.ContainsKey("creationTimestamp")) metadata["creationTimestamp"] = null;
        if (template["spec"] is not JsonObject spec) template["spec"] = spec = [];
        foreach (var list in new[] { "containers", "initContainers", "ephemeralContainers" })
            if (spec[list] is JsonArray containers)
                foreach (var container in containers.OfType<JsonObject>())
                {
                    if (!container.ContainsKey("resources")) container["resources"] = new JsonObject();
                    Resources(container["resources"]);
                    if (container["env"] is JsonArray env)
                        foreach (var variable in env.OfType<JsonObject>())
                            if (variable["valueFrom"] is JsonObject from) Divisor(from["resourceFieldRef"]);
                }
        QuantityList(spec["overhead"]);
        Resources(spec["resources"]);
        if (spec["volumes"] is JsonArray volumes)
            foreach (var volume in volumes.OfType<JsonObject>())
            {
                if (volume["emptyDir"] is JsonObject emptyDir && Canonical(emptyDir["sizeLimit"]) is { } limit) emptyDir["sizeLimit"] = limit;
                if (volume["ephemeral"] is JsonObject ephemeral && ephemeral["volumeClaimTemplate"] is JsonObject claim && claim["spec"] is JsonObject claimSpec)
                    Resources(claimSpec["resources"]);
                DownwardItems(volume["downwardAPI"]);
                if (volume["projected"] is JsonObject projected && projected["sources"] is JsonArray sources)
                    foreach (var source in sources.OfType<JsonObject>()) DownwardItems(source["downwardAPI"]);
            }
        return template;
    }

    private static void DownwardItems(JsonNode? downwardApi)
    {
        if (downwardApi is JsonObject api && api["items"] is JsonArray items)
            foreach (var item in items.OfType<JsonObject>()) Divisor(item["resourceFieldRef"]);
    }

    /// <summary>A resourceFieldRef's divisor: a Quantity Go writes even when absent, as "0".</summary>
    private static void Divisor(JsonNode? resourceFieldRef)
    {
        if (resourceFieldRef is not JsonObject reference) return;
        if (!reference.ContainsKey("divisor")) reference["divisor"] = "0";
        else if (Canonical(reference["divisor"]) is { } divisor) reference["divisor"] = divisor;
    }

    /// <summary>A resource requirements' quantities in canonical form, as Go writes a Quantity it read ("1000m" is "1").</summary>
    private static void Resources(JsonNode? resources)
    {
        if (resources is not JsonObject requirements) return;
        QuantityList(requirements["limits"]);
        QuantityList(requirements["requests"]);
    }

    private static void QuantityList(JsonNode? list)
    {
        if (list is not JsonObject quantities) return;
        foreach (var (name, value) in quantities.ToList())
            if (Canonical(value) is { } canonical) quantities[name] = canonical;
    }

    /// <summary>A quantity given as a string or a bare number, in canonical form; null when it is not one.</summary>
    private static string? Canonical(JsonNode? value) =>
        value is not JsonValue given ? null
        : given.GetValueKind() == JsonValueKind.String ? Quantities.Canonical(given.GetValue<string>())
        : given.GetValueKind() == JsonValueKind.Number ? Quantities.Canonical(given.ToJsonString())
        : null;

    private static void Prune(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    Prune(value);
                    if (value is null || (value is JsonArray { Count: 0 } && !RequiredLists.Contains(key)) || (value is JsonObject { Count: 0 } && Maps.Contains(key)))
                        obj.Remove(key);
                }
                break;
            case JsonArray array:
                foreach (var item in array) Prune(item);
                break;
        }
    }

    /// <summary>The pod template the data holds, or null when it holds none.</summary>
    public PodTemplate? Template()
    {
        if (Data is not { ValueKind: JsonValueKind.Object } data
            || !data.TryGetProperty("spec", out var spec) || spec.ValueKind != JsonValueKind.Object
            || !spec.TryGetProperty("template", out var template) || template.ValueKind != JsonValueKind.Object)
            return null;
        var node = JsonNode.Parse(template.GetRawText())!.AsObject();
        node.Remove(PatchDirective);
        return PodTemplate.From(node);
    }
}

/// <summary>A revision's data read as any JSON, written as Go writes it.</summary>
internal sealed class GoDataConverter : System.Text.Json.Serialization.JsonConverter<JsonElement?>
{
    public override JsonElement? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : JsonElement.ParseValue(ref reader);

    public override void Write(Utf8JsonWriter writer, JsonElement? value, JsonSerializerOptions options)
    {
        if (value is { } data) writer.WriteRawValue(GoJson.Write(data), skipInputValidation: true);
        else writer.WriteNullValue();
    }
}
