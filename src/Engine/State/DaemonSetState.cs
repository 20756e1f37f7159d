using System.Collections.Immutable;
using EventEngine.Model;
using EventEngine.Placement;

namespace EventEngine.State;

/// <summary>
/// A DaemonSet as the fold knows it: its object, current revision, compiled placement, and its slot table (one
/// entry per node that is desired or holds its pods) with the summed counters, so that status and incremental
/// reconciles cost the same on 5 nodes or 5,000. RevisionRestored: the current revision came back (a rollback).
/// </summary>
public sealed record DaemonSetState(
    string Namespace,
    string Name,
    string Uid,
    DaemonSet Object,
    long Generation,
    long TemplateGeneration,
    DateTimeOffset CreatedAt,
    string CurrentHash,
    PlacementSpec Placement,
    ImmutableDictionary<string, NodeSlot> Slots,
    SlotCounts Counts,
    DaemonSetStatus Status,
    long PodsCreated,
    int CollisionCount,
    Guid SpecCause,
    Guid RevisionCause,
    bool RevisionRestored = false)
{
    /// <summary>namespace/name, made once: the fold looks a DaemonSet up by it for every pod it moves.</summary>
    public string Key { get; } = Namespace + "/" + Name;
    public DaemonSetSpec Spec => Object.Spec!;
    public LabelSelector Selector => Spec.Selector!;
    public PodTemplate Template => Spec.Template!;
    public int MinReadySeconds => Spec.MinReadySeconds ?? 0;
    public int RevisionHistoryLimit => Spec.RevisionHistoryLimit ?? Defaults.RevisionHistoryLimit;
    public bool IsRollingUpdate => Spec.UpdateStrategy?.Type == DaemonSetUpdateStrategy.RollingUpdateType;

    public NodeSlot SlotOf(string node) => Slots.GetValueOrDefault(node) ?? NodeSlot.Empty;

    /// <summary>The pod names this DaemonSet as its controller (by uid, in its namespace: owner references do not cross namespaces).</summary>
    public bool Owns(PodState pod) => pod.Controller?.Uid == Uid && pod.Namespace == Namespace;

    /// <summary>The pod's labels match this DaemonSet's selector.</summary>
    public bool Selects(PodState pod) => LabelSelectors.Matches(Selector, pod.Labels);

    /// <summary>
    /// The pods manage, rolling update and status count (getDaemonPods after ClaimPods): owned, selected, and not a
    /// terminal pod already being deleted. Every place that counts a DaemonSet's pods asks this.
    /// </summary>
    public bool CountsPod(PodState pod) => Owns(pod) && Selects(pod) && !(pod.IsTerminal && pod.IsTerminating);

    /// <summary>IsPodUpdated: the current hash, or the current template generation.</summary>
    public bool IsUpdated(PodState pod) =>
        (CurrentHash.Length > 0 && pod.Hash == CurrentHash)
        || pod.Labels.GetValueOrDefault(WellKnown.TemplateGenerationLabel) == TemplateGeneration.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>SurgeCount against a total (0 unless RollingUpdate with maxSurge).</summary>
    public int MaxSurge(int total) => IsRollingUpdate && Spec.UpdateStrategy!.RollingUpdate?.MaxSurge is { } s ? s.Scaled(total) : 0;

    /// <summary>UnavailableCount against a total.</summary>
    public int MaxUnavailable(int total) =>
        IsRollingUpdate && Spec.UpdateStrategy!.RollingUpdate?.MaxUnavailable is { } u ? u.Scaled(total) : 0;

    /// <summary>AllowsSurge: maxSurge scaled against one node is non-zero.</summary>
    public bool AllowsSurge => MaxSurge(1) != 0;
}
