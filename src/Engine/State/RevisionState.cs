using System.Collections.Immutable;
using System.Text.Json.Serialization;
using EventEngine.Model;

namespace EventEngine.State;

/// <summary>A ControllerRevision: one template of a DaemonSet, its hash and number. OwnerUid is null when orphaned.</summary>
public sealed record RevisionState(
    string Namespace,
    string Name,
    string Hash,
    long Number,
    PodTemplate Template,
    string? OwnerUid,
    DateTimeOffset CreatedAt,
    ImmutableDictionary<string, string> Labels,
    ImmutableDictionary<string, string> Annotations)
{
    [JsonIgnore]
    public string Key => Namespace + "/" + Name;
}
