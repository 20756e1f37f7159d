using System.Text.Json.Nodes;
using EventEngine.Decisions;

namespace EventEngine.Model.Patches;

/// <summary>The patch formats a PATCH request can carry, by Content-Type.</summary>
public enum PatchFormat
{
    /// <summary>application/merge-patch+json (RFC 7386).</summary>
    Merge,

    /// <summary>application/strategic-merge-patch+json: merge keys and strategies from the kind's schema.</summary>
    Strategic,

    /// <summary>application/json-patch+json (RFC 6902).</summary>
    Json,
}

/// <summary>
/// A patch as a client sent it: its format and body. Applied to the object as the API serves it, giving the object the
/// client wants; a patch that cannot apply is a <see cref="PatchException"/> naming the field.
/// </summary>
public sealed record ObjectPatch(PatchFormat Format, JsonNode Body)
{
    public const string MergeType = "application/merge-patch+json";
    public const string StrategicType = "application/strategic-merge-patch+json";
    public const string JsonPatchType = "application/json-patch+json";
    public const string ApplyType = "application/apply-patch+yaml";

    /// <summary>The format a Content-Type names, or null.</summary>
    public static PatchFormat? FormatOf(string mediaType) => mediaType switch
    {
        MergeType => PatchFormat.Merge,
        StrategicType => PatchFormat.Strategic,
        JsonPatchType => PatchFormat.Json,
        _ => null,
    };

    /// <summary>A merge patch (the form commands built in code send).</summary>
    public static ObjectPatch Merge(JsonNode body) => new(PatchFormat.Merge, body);

    /// <summary>The object the patch makes of <paramref name="served"/>, an object of apiVersion/kind.</summary>
    public JsonNode Apply(JsonNode served, string apiVersion, string kind) => Format switch
    {
        PatchFormat.Merge => Body is JsonObject
            ? MergePatch.Apply(served, Body)!
            : throw new PatchException("a merge patch must be a JSON object", "", PatchError.BadRequest),
        PatchFormat.Strategic => StrategicMergePatch.Apply(served, Body,
            PatchSchema.For(apiVersion, kind) ?? throw new PatchException($"no strategic merge patch schema for {apiVersion} {kind}", "", PatchError.BadRequest)),
        _ => JsonPatch.Apply(served, Body),
    };

    /// <summary>metadata.resourceVersion the patch carries (a precondition, as Kubernetes reads it), for merge patches.</summary>
    public string? ResourceVersion => Format == PatchFormat.Json ? null : Commands.Preconditions.ResourceVersionOf(Body);
}

/// <summary>A patch refused: 400 for a malformed patch, 422 for one that cannot apply to the object, naming the field.</summary>
public static class Patched
{
    public static Failure Refused(string what, PatchException e) => e.Kind == PatchError.BadRequest
        ? Failure.Malformed(e.Message, e.Path.Length == 0 ? "body" : e.Path)
        : Failure.Invalid(what, e.Path.Length == 0 ? "body" : e.Path, e.Message);
}
