using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Revisions;

namespace EventEngine.Core.Tests.Reconciliation;

/// <summary>
/// A recorded cluster's ControllerRevisions: its controller names revisions by a hash of its own, which its pods carry,
/// so the revision the engine made of the same template takes the cluster's name, hash and number, and the cluster's
/// pods count as updated. Folded without settling, as Observe mode records.
/// </summary>
public sealed class ObservedRevisionTests
{
    private const string ClusterHash = "6b8f94d7c";

    private static ControllerRevision Revision(string uid, string hash, long number, string image = "img:1") =>
        Manifests.Deserialize<ControllerRevision>(TestCluster.Yaml($$"""
            apiVersion: apps/v1
            kind: ControllerRevision
            metadata:
              name: foo-{{hash}}
              namespace: default
              labels: {app: foo, controller-revision-hash: {{hash}}}
              ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: foo, uid: {{uid}}, controller: true}]
            revision: {{number}}
            data:
              spec:
                template:
                  $patch: replace
                  metadata: {labels: {app: foo} }
                  spec: {containers: [{name: c, image: '{{image}}'}]}
            """));

    private static Pod ClusterPod(string hash) => Manifests.Deserialize<Pod>(TestCluster.Yaml($$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: foo-x1
          namespace: default
          labels: {app: foo, controller-revision-hash: {{hash}}}
          ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: foo, uid: ds-uid, controller: true}]
        spec: {nodeName: node-1, containers: [{name: c, image: img:1}]}
        status: {phase: Running, conditions: [{type: Ready, status: 'True'}]}
        """));

    private static TestCluster Recorded()
    {
        var cluster = new TestCluster().Node("node-1");
        var ds = TestCluster.Yaml(TestCluster.DaemonSetYaml());
        ds["metadata"]!["uid"] = "ds-uid";
        return cluster.Unsettled(s => ApplyDecisions.Apply(s, [ds], cluster.Now, cluster.NewId))
            .Unsettled(s => PodDecisions.Register(s, ClusterPod(ClusterHash), cluster.Now));
    }

    [Fact]
    public void TheClustersRevisionOfTheCurrentTemplate_RenamesTheEnginesOwn_AndItsPodsCountAsUpdated()
    {
        var cluster = Recorded();
        var engines = TemplateHash.Compute(cluster.Ds().Template);
        Assert.NotEqual(ClusterHash, engines);
        Assert.Equal(0, cluster.Ds().Counts.Updated);

        var decided = DaemonSetDecisions.ObserveRevision(cluster.State, Revision("ds-uid", ClusterHash, 1));
        var observed = Assert.IsType<DaemonSetRevisionObserved>(Assert.Single(decided.Events));
        Assert.Equal(("default/foo", "foo-" + ClusterHash, 1L, ClusterHash, "foo-" + engines), (observed.DaemonSet, observed.Name, observed.Number, observed.Hash, observed.Replaces));
        cluster.Unsettled(_ => decided);

        var revision = Assert.Single(cluster.State.Revisions.Values);
        Assert.Equal(("foo-" + ClusterHash, ClusterHash, 1L, "ds-uid"), (revision.Name, revision.Hash, revision.Number, revision.OwnerUid));
        Assert.Equal(ClusterHash, revision.Labels[WellKnown.RevisionHashLabel]);
        Assert.Equal(ClusterHash, cluster.Ds().CurrentHash);
        Assert.Equal((1, 1, 1), (cluster.Ds().Counts.Desired, cluster.Ds().Counts.Current, cluster.Ds().Counts.Updated));

        // seen again (a relist): nothing new
        var again = DaemonSetDecisions.ObserveRevision(cluster.State, Revision("ds-uid", ClusterHash, 1));
        Assert.Empty(again.Events);
        Assert.Null(again.Failure);
    }

    [Fact]
    public void ARevisionFromBeforeTheRecordBegan_IsAdded_AndItsPruningIsRecorded_ButTheCurrentOneStays()
    {
        var cluster = Recorded();
        cluster.Unsettled(s => DaemonSetDecisions.ObserveRevision(s, Revision("ds-uid", ClusterHash, 4)));
        var old = DaemonSetDecisions.ObserveRevision(cluster.State, Revision("ds-uid", "58c9d7b6f", 3, image: "img:0"));
        Assert.Null(Assert.IsType<DaemonSetRevisionObserved>(Assert.Single(old.Events)).Replaces);
        cluster.Unsettled(_ => old);
        Assert.Equal([(3L, "58c9d7b6f"), (4L, ClusterHash)], cluster.State.RevisionsOf(cluster.Ds()).Select(r => (r.Number, r.Hash)));
        Assert.Equal(ClusterHash, cluster.Ds().CurrentHash);

        var pruned = DaemonSetDecisions.ForgetRevision(cluster.State, "default/foo-58c9d7b6f");
        Assert.Equal([3L], Assert.IsType<DaemonSetRevisionsPruned>(Assert.Single(pruned.Events)).Revisions);
        cluster.Unsettled(_ => pruned);
        Assert.Equal([4L], cluster.State.RevisionsOf(cluster.Ds()).Select(r => r.Number));

        Assert.Empty(DaemonSetDecisions.ForgetRevision(cluster.State, "default/foo-" + ClusterHash).Events);
        Assert.Empty(DaemonSetDecisions.ForgetRevision(cluster.State, "default/foo-nothere").Events);
    }

    [Fact]
    public void ARevisionWhoseDaemonSetIsNotRecorded_OrWithoutATemplate_IsRefusedNamingWhy()
    {
        var cluster = Recorded();
        var orphan = DaemonSetDecisions.ObserveRevision(cluster.State, Revision("other-uid", ClusterHash, 1));
        Assert.Equal(FailureKind.NotFound, orphan.Failure!.Kind);
        Assert.Contains("the DaemonSet that controls ControllerRevision default/foo-" + ClusterHash, orphan.Failure.Detail);

        var empty = Revision("ds-uid", ClusterHash, 1) with { Data = null };
        var refused = DaemonSetDecisions.ObserveRevision(cluster.State, empty);
        Assert.Equal("data.spec.template", Assert.Single(refused.Failure!.Errors).Field);
        var zero = DaemonSetDecisions.ObserveRevision(cluster.State, Revision("ds-uid", ClusterHash, 0));
        Assert.Equal("revision", Assert.Single(zero.Failure!.Errors).Field);

        // what a DaemonSet of the owner's could not hold, a revision may not either; nor a name that is none
        var unnamed = Revision("ds-uid", ClusterHash, 1) is var r ? r with { Metadata = r.Metadata! with { Name = "" } } : null;
        Assert.Equal("metadata.name", DaemonSetDecisions.ObserveRevision(cluster.State, unnamed!).Failure!.Errors[0].Field);
        var bad = Revision("ds-uid", ClusterHash, 1) with
        {
            Data = System.Text.Json.JsonDocument.Parse("""
                {"spec": {"template": {"metadata": {"labels": {"app": "foo"}},
                  "spec": {"tolerations": [{"operator": "Bogus"}], "containers": [{"name": "c", "image": "img:1"}]}}}}
                """).RootElement,
        };
        Assert.Contains(DaemonSetDecisions.ObserveRevision(cluster.State, bad).Failure!.Errors, e => e.Field.StartsWith("data.spec.template.spec.", StringComparison.Ordinal));
    }
}
