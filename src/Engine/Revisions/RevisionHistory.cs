using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Placement;
using EventEngine.State;

namespace EventEngine.Revisions;

/// <summary>
/// constructHistory for a template: reuse the revision whose template is equal (renumbering it to max+1 when it is
/// older, which is what a rollback is) or snapshot a new one numbered max+1, salting the hash on a true collision.
/// </summary>
public static class RevisionHistory
{
    /// <summary>The current revision of a new DaemonSet, which first adopts orphaned revisions matching its selector.</summary>
    public static (RevisionChange Change, IReadOnlyList<string> Adopted) ForNewDaemonSet(
        ClusterState s, string ns, string name, LabelSelector selector, PodTemplate template)
    {
        var adopted = s.Revisions.Values
            .Where(r => r.Namespace == ns && r.OwnerUid is null && LabelSelectors.Matches(selector, r.Labels))
            .ToList();
        return (Current(s, ns, name, adopted, template, 0), adopted.Select(r => r.Name).OrderBy(n => n, StringComparer.Ordinal).ToList());
    }

    public static RevisionChange ForTemplate(ClusterState s, DaemonSetState ds, PodTemplate template) =>
        Current(s, ds.Namespace, ds.Name, s.RevisionsOf(ds).ToList(), template, ds.CollisionCount);

    /// <summary>
    /// Of several revisions holding one template, the one kept: the highest number; on a tie Kubernetes keeps the
    /// later in its cache's list, which has no defined order, so the greatest name here.
    /// </summary>
    public static RevisionState Keep(IEnumerable<RevisionState> matching) =>
        matching.OrderBy(r => r.Number).ThenBy(r => r.Name, StringComparer.Ordinal).Last();

    private static RevisionChange Current(
        ClusterState s, string ns, string dsName, IReadOnlyList<RevisionState> history, PodTemplate template, int collisionCount)
    {
        var matching = history.Where(r => r.Template.Equals(template)).ToList();
        var next = history.Except(matching).Select(r => r.Number).DefaultIfEmpty(0).Max() + 1;
        if (matching.Count > 0)
        {
            var keep = Keep(matching);
            return keep.Number < next
                ? new RevisionChange(keep.Name, next, keep.Hash, keep.Number, collisionCount)
                : new RevisionChange(keep.Name, keep.Number, keep.Hash, null, collisionCount);
        }
        while (true)
        {
            var hash = TemplateHash.Compute(template, collisionCount);
            var name = $"{dsName}-{hash}";
            // A revision of that name with another template is a true hash collision: salt and try again.
            if (s.Revisions.TryGetValue(ns + "/" + name, out var taken) && !taken.Template.Equals(template))
            {
                collisionCount++;
                continue;
            }
            return new RevisionChange(name, next, hash, null, collisionCount);
        }
    }
}
