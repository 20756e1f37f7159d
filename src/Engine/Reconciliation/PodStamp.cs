using System.Collections.Immutable;
using System.Globalization;
using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Reconciliation;

/// <summary>
/// CreatePodTemplate: what a DaemonSet's current template stamps on its pods (the template's labels with the revision
/// hash and template generation, the template's tolerations merged with the automatic ones). The one place the live
/// controller and a what-if replay take it from.
/// </summary>
public static class PodStamp
{
    public static ImmutableDictionary<string, string> Labels(DaemonSetState ds) =>
        ds.Template.Labels.ToImmutableDictionary()
            .SetItem(WellKnown.RevisionHashLabel, ds.CurrentHash)
            .SetItem(WellKnown.TemplateGenerationLabel, ds.TemplateGeneration.ToString(CultureInfo.InvariantCulture));

    public static IReadOnlyList<Toleration> Tolerations(DaemonSetState ds) => ds.Placement.Tolerations;

    /// <summary>A running pod as if the current template had made it: its labels and tolerations stamped anew.</summary>
    public static PodState Restamp(PodState pod, DaemonSetState ds) =>
        pod with { Labels = Labels(ds), Tolerations = [.. Tolerations(ds)] };
}
