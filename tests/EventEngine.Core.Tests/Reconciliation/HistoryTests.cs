using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Revisions;

namespace EventEngine.Core.Tests.Reconciliation;

/// <summary>Revision history: hash, numbering, rollback, cleanup, collisions (sections 7 and 8, pitfalls 12 and 13).</summary>
public sealed class HistoryTests
{
    private const string NewImage = "{spec: {template: {spec: {containers: [{name: c, image: img:2}]}}}}";

    [Fact]
    public void Hash_DependsOnTheTemplateOnly()
    {
        var c = new TestCluster().DaemonSet();
        var hash = c.Ds().CurrentHash;
        c.PatchDaemonSet("{metadata: {annotations: {note: x}}, spec: {minReadySeconds: 5, revisionHistoryLimit: 3, updateStrategy: {type: OnDelete}}}");
        Assert.Equal(hash, c.Ds().CurrentHash);
        Assert.Equal([1L], c.State.RevisionsOf(c.Ds()).Select(r => r.Number));
        c.PatchDaemonSet("{spec: {template: {metadata: {annotations: {kubectl.kubernetes.io/restartedAt: now}}}}}");
        Assert.NotEqual(hash, c.Ds().CurrentHash);
    }

    [Fact]
    public void Hash_AbsentAndEmptyListsAreTheSameTemplate_AndKeyOrderDoesNotMatter()
    {
        var a = PodTemplate.From(TestCluster.Yaml("{metadata: {labels: {app: x}}, spec: {containers: [{name: c, image: i}]}}"));
        var b = PodTemplate.From(TestCluster.Yaml("{spec: {imagePullSecrets: [], containers: [{image: i, name: c}]}, metadata: {labels: {app: x}}}"));
        Assert.Equal(a, b);
        Assert.Equal(TemplateHash.Compute(a), TemplateHash.Compute(b));
        Assert.Matches("^[bcdfghjklmnpqrstvwxz2456789]+$", TemplateHash.Compute(a));
    }

    [Fact]
    public void Revisions_AreNumberedMaxPlusOne_AndTheTemplateGenerationFollows()
    {
        var c = new TestCluster().DaemonSet();
        c.PatchDaemonSet(NewImage);
        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: img:3}]}}}}");
        Assert.Equal([1L, 2, 3], c.State.RevisionsOf(c.Ds()).Select(r => r.Number));
        Assert.Equal((3L, 3L), (c.Ds().Generation, c.Ds().TemplateGeneration));
        Assert.Equal("3", c.Ds().Object.Metadata!.Annotations![WellKnown.TemplateGenerationAnnotation]);
    }

    [Fact]
    public void RevertingTheTemplateByHand_RenumbersTheOldRevision_LikeARollback()
    {
        var c = new TestCluster().DaemonSet();
        var first = c.Ds().CurrentHash;
        c.PatchDaemonSet(NewImage);
        c.PatchDaemonSet("{spec: {template: {spec: {containers: [{name: c, image: img:1}]}}}}");
        Assert.Equal(first, c.Ds().CurrentHash);
        Assert.Equal([2L, 3], c.State.RevisionsOf(c.Ds()).Select(r => r.Number));
    }

    [Fact]
    public void Rollback_RenumbersTheTarget_KeepingItsHash()
    {
        var c = new TestCluster().DaemonSet();
        var first = c.Ds().CurrentHash;
        c.PatchDaemonSet(NewImage);
        c.Run(DaemonSetDecisions.Rollback(c.State, "default/foo", 1));
        var rolledBack = Assert.Single(c.Emitted<DaemonSetRolledBack>());
        Assert.Equal((1L, 3L, (long?)1), (rolledBack.ToRevision, rolledBack.Revision.Number, rolledBack.Revision.PreviousNumber));
        Assert.Equal(first, c.Ds().CurrentHash);
        Assert.Equal([2L, 3], c.State.RevisionsOf(c.Ds()).Select(r => r.Number));
        c.Run(DaemonSetDecisions.Rollback(c.State, "default/foo", 0));
        Assert.Equal([3L, 4], c.State.RevisionsOf(c.Ds()).Select(r => r.Number));
    }

    [Fact]
    public void Rollback_ToTheCurrentTemplate_IsSkipped_ToAMissingRevision_IsRefused()
    {
        var c = new TestCluster().DaemonSet();
        var skipped = DaemonSetDecisions.Rollback(c.State, "default/foo", 1);
        Assert.True(skipped.Ok);
        Assert.Empty(skipped.Events);
        Assert.Equal("skipped rollback (current template already matches revision 1)", skipped.Note);
        var none = DaemonSetDecisions.Rollback(c.State, "default/foo", 0);
        Assert.Equal(("toRevision", "no last revision to roll back to"), (none.Failure!.Errors[0].Field, none.Failure.Errors[0].Message));
        var missing = DaemonSetDecisions.Rollback(c.State, "default/foo", 1000000);
        Assert.Equal(FailureKind.Invalid, missing.Failure!.Kind);
        Assert.Contains("unable to find specified revision 1000000 in history", missing.Failure.Detail);
    }

    [Fact]
    public void Cleanup_KeepsTheCurrentRevision_AndAnyRevisionAPodStillRuns_BeyondTheLimit()
    {
        var c = new TestCluster().Nodes(1).DaemonSet(spec: "{revisionHistoryLimit: 0, updateStrategy: {type: OnDelete}}");
        c.PatchDaemonSet(NewImage);
        // The pod still runs revision 1 (OnDelete), so revision 1 outlives a limit of 0.
        Assert.Equal([1L, 2], c.State.RevisionsOf(c.Ds()).Select(r => r.Number));
        c.Run(PodDecisions.Delete(c.State, "default", c.PodOn("node-0").Name));
        Assert.Equal([2L], c.State.RevisionsOf(c.Ds()).Select(r => r.Number));
        Assert.Single(c.Emitted<DaemonSetRevisionsPruned>(), e => e.Revisions.SequenceEqual([1L]));
    }

    [Fact]
    public void Cleanup_RemovesTheOldestUnusedRevisionsFirst()
    {
        var c = new TestCluster().DaemonSet(spec: "{revisionHistoryLimit: 2}");
        for (var i = 2; i <= 6; i++) c.PatchDaemonSet($"{{spec: {{template: {{spec: {{containers: [{{name: c, image: img:{i}}}]}}}}}}}}");
        Assert.Equal([4L, 5, 6], c.State.RevisionsOf(c.Ds()).Select(r => r.Number));
    }

    [Fact]
    public void AdoptedRevisionsHoldingTheCurrentTemplate_AreDeduplicated_AndEveryPodCarriesTheKeptHash()
    {
        // a and b share one template (overlapping DaemonSets); a ran img:1 first and, OnDelete, its pod kept it
        var c = new TestCluster().Nodes(1).Apply(TestCluster.OnDeleteAgent("a", "img:1")).Apply(TestCluster.OnDeleteAgent("a", "img:2")).Apply(TestCluster.OnDeleteAgent("b", "img:2"));
        var oldHash = c.State.RevisionsOf(c.Ds("a")).Single(r => r.Number == 1).Hash;
        var hash = c.Ds("a").CurrentHash;
        Assert.Equal(hash, c.Ds("b").CurrentHash);
        var podOfA = c.LivePods("a").Single().Key;
        Assert.Equal(oldHash, c.State.Pods[podOfA].Hash);
        c.Run(DaemonSetDecisions.Delete(c.State, "default/a", "Orphan")).Run(DaemonSetDecisions.Delete(c.State, "default/b", "Orphan"));
        Assert.Equal(3, c.State.Revisions.Values.Count(r => r.OwnerUid is null));

        c.Apply(TestCluster.OnDeleteAgent("z", "img:2"));
        var z = c.Ds("z");
        // a-<hash> (number 2) and b-<hash> (number 1) hold z's template: the higher number is kept and stays 2
        Assert.Equal(hash, z.CurrentHash);
        var dedup = Assert.Single(c.Emitted<DaemonSetRevisionsDeduplicated>());
        Assert.Equal("a-" + hash, dedup.Kept);
        Assert.Equal(["b-" + hash], dedup.Removed);
        Assert.Equal([(1L, oldHash), (2L, hash)], c.State.RevisionsOf(z).Select(r => (r.Number, r.Hash)).OrderBy(r => r.Number));
        // every pod of z that carried another hash was relabelled first, the old template's pod too, as Kubernetes does
        var relabel = c.EmittedOf<PodLabelsChanged>().Single();
        Assert.Equal((PodReasons.RevisionDeduplicated, podOfA), (relabel.ReasonCode!, "default/" + ((PodLabelsChanged)relabel.Event.Event).Pod));
        Assert.All(c.PodsOf("z"), p => Assert.Equal(hash, p.Hash));
        var step = c.LastStep.Select(e => e.Event.Event).ToList();
        Assert.True(step.FindIndex(e => e is PodLabelsChanged) < step.FindIndex(e => e is DaemonSetRevisionsDeduplicated));
        Assert.Single(c.LivePods("z"));
        Assert.Empty(c.Reconcile().Actions);
    }

    [Fact]
    public void Dedup_OfAPodTheGarbageCollectorEvictsInTheSameSync_LeavesThePodToTheEviction()
    {
        // a and b tolerate a NoExecute taint for 60 s; z arrives after that ran out but before the wake-up tick
        static string Agent(string name, string image) =>
            $"{{apiVersion: apps/v1, kind: DaemonSet, metadata: {{name: {name}, namespace: default}}, spec: {{selector: {{matchLabels: {{app: agent}}}}, " +
            "updateStrategy: {type: OnDelete}, template: {metadata: {labels: {app: agent}}, spec: {tolerations: [{key: evict, operator: Exists, effect: NoExecute, tolerationSeconds: 60}], " +
            $"containers: [{{name: c, image: '{image}'}}]}}}}}}}}";
        var c = new TestCluster().Nodes(2).Apply(Agent("a", "img:1")).Apply(Agent("a", "img:2")).Apply(Agent("b", "img:2"));
        c.Run(DaemonSetDecisions.Delete(c.State, "default/a", "Orphan")).Run(DaemonSetDecisions.Delete(c.State, "default/b", "Orphan"));
        c.PatchNode("node-1", "{spec: {taints: [{key: evict, effect: NoExecute}]}}");
        var onNode1 = c.State.PodsOn("node-1").Select(p => p.Key).ToList();

        var now = c.Now.AddSeconds(120);
        var objects = Yaml.ToJson(Agent("z", "img:2")).Select(n => n!.AsObject()).ToList();
        var step = EventEngine.Reconciliation.Steps.Run(c.State, ApplyDecisions.Apply(c.State, objects, now, c.NewId).Events, now, c.NewId);

        var events = step.All.Select(e => e.Event.Event).ToList();
        Assert.All(onNode1, pod => Assert.Contains(events, e => e is PodDeleted d && d.Namespace + "/" + d.Pod == pod));
        Assert.DoesNotContain(events, e => e is PodLabelsChanged l && onNode1.Contains(l.Namespace + "/" + l.Pod));
        Assert.Single(events.OfType<DaemonSetRevisionsDeduplicated>());
        Assert.Empty(EventEngine.State.Fold.CheckIndexes(step.State));
    }

    [Fact]
    public void HashCollision_IsResolvedBySaltingWithTheCollisionCount()
    {
        var (a, b) = CollidingTemplates();
        var c = new TestCluster().DaemonSet($"{{containers: [{{name: c, image: '{a}'}}]}}");
        var first = c.Ds().CurrentHash;
        c.PatchDaemonSet($"{{spec: {{template: {{spec: {{containers: [{{name: c, image: '{b}'}}]}}}}}}}}");
        Assert.Equal(1, c.Ds().CollisionCount);
        Assert.Equal(1, c.Status().CollisionCount);
        Assert.NotEqual(first, c.Ds().CurrentHash);
        Assert.Equal(2, c.State.RevisionsOf(c.Ds()).Count());
    }

    /// <summary>
    /// Two images whose defaulted templates have the same FNV-32a hash, found by a birthday search over the
    /// canonical form (only the image differs, so the canonical text is a template with the image filled in).
    /// </summary>
    private static (string, string) CollidingTemplates()
    {
        var template = Defaults.Apply(PodTemplate.From(TestCluster.Yaml("{metadata: {labels: {app: foo}}, spec: {containers: [{name: c, image: 'registry.example/app:IMAGE'}]}}")));
        var seen = new Dictionary<string, string>();
        for (var i = 0; ; i++)
        {
            var image = $"registry.example/app:{i}";
            var hash = TemplateHash.Compute(template.Canonical.Replace("registry.example/app:IMAGE", image));
            if (seen.TryGetValue(hash, out var other)) return (other, image);
            seen[hash] = image;
        }
    }
}
