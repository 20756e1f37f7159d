using System.Collections.Immutable;
using System.Text.Json.Serialization;
using EventEngine.Model;

namespace EventEngine.State;

/// <summary>
/// A pod as the fold knows it: created by the engine, or observed (registered from a running cluster).
/// TargetNode is spec.nodeName, or for an unscheduled pod the node its required affinity pins it to. The causes are
/// the events that created or registered the pod (Origin), last changed its labels and last changed its status.
/// </summary>
public sealed record PodState(
    string Namespace,
    string Name,
    string? NodeName,
    string? TargetNode,
    ImmutableDictionary<string, string> Labels,
    OwnerReference? Controller,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeletionTimestamp,
    string Phase,
    bool Ready,
    DateTimeOffset? ReadySince,
    ImmutableArray<Toleration> Tolerations,
    bool Observed,
    Guid StatusCause,
    Guid Origin,
    Guid LabelsCause)
{
    /// <summary>
    /// namespace/name, made once: the fold asks it of every pod it touches, and its maps and slots key by it. A pod's
    /// namespace and name never change (a <c>with</c> copies the key as it is: make a new PodState for another name).
    /// </summary>
    [JsonIgnore]
    public string Key { get; } = Namespace + "/" + Name;
    [JsonIgnore]
    public string? Hash => Labels.GetValueOrDefault(WellKnown.RevisionHashLabel);
    [JsonIgnore]
    public bool IsTerminal => PodPhases.IsTerminal(Phase);
    [JsonIgnore]
    public bool IsTerminating => DeletionTimestamp is not null;

    /// <summary>
    /// A registered pod's spec as the cluster showed it (absent for the pods the engine creates, whose spec is their
    /// revision's template): what it is served with when no revision of the engine's knows its hash.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public System.Text.Json.JsonElement? Spec { get; init; }

    /// <summary>Live: what a user counts as "running there" (not terminating, not Failed or Succeeded).</summary>
    [JsonIgnore]
    public bool IsLive => !IsTerminating && !IsTerminal;

    /// <summary>IsPodAvailable: Ready, and Ready for longer than minReadySeconds (strictly).</summary>
    public bool IsAvailable(int minReadySeconds, DateTimeOffset now) =>
        Ready && (minReadySeconds == 0 || (ReadySince is { } since && since.AddSeconds(minReadySeconds) < now));

    /// <summary>When a ready pod becomes available, if that is still ahead.</summary>
    public DateTimeOffset? AvailableAt(int minReadySeconds) =>
        Ready && minReadySeconds > 0 && ReadySince is { } since ? since.AddSeconds(minReadySeconds) : null;
}

/// <summary>
/// podByCreationTimestampAndPhase: scheduled pods first, then older first, then by name. The first pod of a node
/// is the one status counts, and the one kept among duplicates.
/// </summary>
public sealed class PodOrder : IComparer<PodState>
{
    public static readonly PodOrder Instance = new();

    public int Compare(PodState? x, PodState? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var xScheduled = !string.IsNullOrEmpty(x.NodeName);
        var yScheduled = !string.IsNullOrEmpty(y.NodeName);
        if (xScheduled != yScheduled) return xScheduled ? -1 : 1;
        var byTime = x.CreatedAt.CompareTo(y.CreatedAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(x.Name, y.Name);
    }
}
