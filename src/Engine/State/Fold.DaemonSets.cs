using System.Collections.Immutable;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Placement;

namespace EventEngine.State;

public static partial class Fold
{
    private static ClusterState DaemonSetCreated(ClusterState s, DaemonSetCreated e, Recorded r)
    {
        var meta = e.Object.Metadata!;
        var ds = new DaemonSetState(
            meta.Namespace!, meta.Name!, e.Uid, e.Object, e.Generation, e.TemplateGeneration, r.At,
            e.Revision.Hash, PlacementSpec.From(e.Object.Spec!.Template!),
            ImmutableDictionary<string, NodeSlot>.Empty, default, new DaemonSetStatus(), 0, e.Revision.CollisionCount, r.Id, r.Id);

        var revisions = s.Revisions;
        foreach (var name in e.AdoptedRevisions)
        {
            var key = ds.Namespace + "/" + name;
            if (revisions.TryGetValue(key, out var orphan)) revisions = revisions.SetItem(key, orphan with { OwnerUid = e.Uid });
        }
        s = s with
        {
            Revisions = WithRevision(revisions, ds, e.Revision, r.At),
            DaemonSetsByUid = s.DaemonSetsByUid.SetItem(e.Uid, ds.Key),
            DeletedOwners = s.DeletedOwners.Remove(e.Uid),
        };
        ds = WithAllSlotsOfNew(s, ds, r.Id);
        s = s with { DaemonSets = s.DaemonSets.SetItem(ds.Key, ds) };
        return Reclassify(s, s.Unclaimed.Where(k => s.Pods[k].Controller?.Uid == e.Uid));
    }

    private static ClusterState DaemonSetChanged(
        ClusterState s, string key, DaemonSet obj, long generation, long templateGeneration, RevisionChange? revision, Recorded r)
    {
        var before = s.DaemonSets.GetValueOrDefault(key) ?? throw Missing("DaemonSet", key);
        var ds = before with { Object = obj, Generation = generation, TemplateGeneration = templateGeneration, SpecCause = r.Id };
        // the API refuses a selector that changes; an imported log could hold one, and then which pods are counted moves
        var sameSelector = LabelSelectors.SameSelector(before.Selector, ds.Selector);
        if (revision is null && sameSelector) return s with { DaemonSets = s.DaemonSets.SetItem(key, ds) };

        if (revision is not null)
        {
            ds = ds with
            {
                CurrentHash = revision.Hash,
                Placement = PlacementSpec.From(obj.Spec!.Template!),
                CollisionCount = revision.CollisionCount,
                RevisionCause = r.Id,
                RevisionRestored = revision.PreviousNumber is not null,
            };
            s = s with { Revisions = WithRevision(s.Revisions, ds, revision, r.At) };
        }
        s = s with { DaemonSets = s.DaemonSets.SetItem(key, sameSelector ? WithAllSlotsOfChanged(s, ds, r.Id) : WithAllSlots(s, ds, r.Id)) };
        return sameSelector ? s : Reclassify(s, s.Pods.Values.Where(p => p.Controller?.Uid == ds.Uid).Select(p => p.Key));
    }

    /// <summary>A new revision, or an existing one (same template) renumbered to be current.</summary>
    private static ImmutableDictionary<string, RevisionState> WithRevision(
        ImmutableDictionary<string, RevisionState> revisions, DaemonSetState ds, RevisionChange change, DateTimeOffset at)
    {
        var key = ds.Namespace + "/" + change.Name;
        if (revisions.TryGetValue(key, out var existing))
            return revisions.SetItem(key, existing with { Number = change.Number, OwnerUid = ds.Uid });
        var labels = ds.Template.Labels.ToImmutableDictionary().SetItem(WellKnown.RevisionHashLabel, change.Hash);
        var annotations = (ds.Object.Metadata?.Annotations ?? new Dictionary<string, string>()).ToImmutableDictionary();
        return revisions.SetItem(key, new RevisionState(ds.Namespace, change.Name, change.Hash, change.Number, ds.Template,
            ds.Uid, at, labels, annotations));
    }

    private static ClusterState RevisionsPruned(ClusterState s, DaemonSetRevisionsPruned e)
    {
        var ds = s.DaemonSets.GetValueOrDefault(e.DaemonSet) ?? throw Missing("DaemonSet", e.DaemonSet);
        var pruned = s.RevisionsOf(ds).Where(rev => e.Revisions.Contains(rev.Number)).Select(rev => rev.Key);
        return s with { Revisions = s.Revisions.RemoveRange(pruned) };
    }

    private static ClusterState RevisionsDeduplicated(ClusterState s, DaemonSetRevisionsDeduplicated e)
    {
        var ds = s.DaemonSets.GetValueOrDefault(e.DaemonSet) ?? throw Missing("DaemonSet", e.DaemonSet);
        return s with { Revisions = s.Revisions.RemoveRange(e.Removed.Select(name => ds.Namespace + "/" + name)) };
    }

    private static ClusterState RevisionObserved(ClusterState s, DaemonSetRevisionObserved e, Recorded r)
    {
        var ds = s.DaemonSets.GetValueOrDefault(e.DaemonSet) ?? throw Missing("DaemonSet", e.DaemonSet);
        var revisions = s.Revisions;
        var replaced = e.Replaces is null ? null : revisions.GetValueOrDefault(ds.Namespace + "/" + e.Replaces);
        if (replaced is not null) revisions = revisions.Remove(replaced.Key);
        var labels = e.Template.Labels.ToImmutableDictionary().SetItem(WellKnown.RevisionHashLabel, e.Hash);
        revisions = revisions.SetItem(ds.Namespace + "/" + e.Name, new RevisionState(ds.Namespace, e.Name, e.Hash, e.Number, e.Template, ds.Uid,
            replaced?.CreatedAt ?? r.At, labels, replaced?.Annotations ?? ImmutableDictionary<string, string>.Empty));
        s = s with { Revisions = revisions };
        if (replaced is null || replaced.Hash != ds.CurrentHash) return s;
        // the current revision renamed: the pods the DaemonSet wants carry the cluster's hash from now on (which pods it
        // counts does not depend on the hash: its slots keep theirs, and which of them are updated is worked out again)
        ds = WithAllSlotsOfChanged(s, ds with { CurrentHash = e.Hash }, r.Id);
        return s with { DaemonSets = s.DaemonSets.SetItem(ds.Key, ds) };
    }

    private static ClusterState DaemonSetDeleted(ClusterState s, DaemonSetDeleted e, Recorded r)
    {
        var ds = s.DaemonSets.GetValueOrDefault(e.DaemonSet) ?? throw Missing("DaemonSet", e.DaemonSet);
        var revisions = s.Revisions;
        foreach (var rev in s.RevisionsOf(ds))
            revisions = e.PropagationPolicy == DeletionPolicy.Orphan
                ? revisions.SetItem(rev.Key, rev with { OwnerUid = null })
                : revisions.Remove(rev.Key);
        s = s with
        {
            DaemonSets = s.DaemonSets.Remove(ds.Key),
            DaemonSetsByUid = s.DaemonSetsByUid.Remove(ds.Uid),
            DeletedOwners = s.DeletedOwners.SetItem(ds.Uid, new DeletedOwner(ds.Key, e.PropagationPolicy, r.Id)),
            Revisions = revisions,
            Backoffs = s.Backoffs.RemoveRange(s.Backoffs.Keys.Where(k => k.StartsWith(ds.Uid + "/", StringComparison.Ordinal))),
        };
        return Reclassify(s, s.Pods.Values.Where(p => p.Controller?.Uid == ds.Uid).Select(p => p.Key));
    }
}

/// <summary>DELETE propagation policies the engine supports.</summary>
public static class DeletionPolicy
{
    public const string Background = "Background";

    /// <summary>The pods go before the DaemonSet; here both go in one step, so its effect is Background's.</summary>
    public const string Foreground = "Foreground";

    public const string Orphan = "Orphan";
}
