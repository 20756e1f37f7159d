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
    public JsonElement? Data { get; init; }
    public long Revision { get; init; }

    /// <summary>getPatch: the data that replaces a DaemonSet's template with <paramref name="template"/>.</summary>
    public static JsonElement DataOf(PodTemplate template)
    {
        var replace = template.ToNode().AsObject();
        replace[PatchDirective] = "replace";
        var data = new JsonObject { ["spec"] = new JsonObject { ["template"] = replace } };
        return JsonSerializer.SerializeToElement(data, Json.Options);
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
