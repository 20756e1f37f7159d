using System.Text.Json;
using EventEngine.Model;

namespace EventEngine.Core.Tests.Reading;

/// <summary>Reading manifests as users paste them: YAML streams, Lists, JSON arrays; defaulting; verbatim templates.</summary>
public sealed class ManifestTests
{
    [Fact]
    public void MultiDocumentYaml_GivesEveryObject_EmptyDocumentsSkipped()
    {
        var objects = Manifests.ReadObjects("---\napiVersion: v1\nkind: Node\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Node\nmetadata: {name: b}\n", yaml: true);
        Assert.Equal(["a", "b"], objects.Select(o => (string)o["metadata"]!["name"]!));
    }

    [Fact]
    public void ControllerRevision_AsKubectlPrintsIt_ReadsBackItsTemplate_AndIsWrittenTheSameWay()
    {
        const string printed = """
            apiVersion: apps/v1
            kind: ControllerRevision
            metadata:
              name: fluentd-6d8f7c9b5
              namespace: kube-system
              labels: {name: fluentd, controller-revision-hash: 6d8f7c9b5}
              annotations: {deprecated.daemonset.template.generation: "1"}
              ownerReferences:
              - {apiVersion: apps/v1, kind: DaemonSet, name: fluentd, uid: 0b7c, controller: true, blockOwnerDeletion: true}
            data:
              spec:
                template:
                  $patch: replace
                  metadata: {labels: {name: fluentd}}
                  spec:
                    containers: [{name: fluentd, image: "fluentd:v1"}]
            revision: 3
            """;
        var revision = Yaml.ToJson(printed).Single().Deserialize<ControllerRevision>(Json.Options)!;
        Assert.Equal(3, revision.Revision);
        Assert.Equal("fluentd", revision.Metadata!.OwnerReferences![0].Name);
        var template = PodTemplate.From(TestCluster.Yaml("{metadata: {labels: {name: fluentd}}, spec: {containers: [{name: fluentd, image: 'fluentd:v1'}]}}"));
        Assert.Equal(template, revision.Template());
        Assert.Equal(
            CanonicalJson.Write(revision.Data!.Value),
            CanonicalJson.Write(ControllerRevision.DataOf(template)));
        Assert.Null(new ControllerRevision().Template());
    }

    [Fact]
    public void ListKind_AndJsonArray_AreFlattened()
    {
        var list = Manifests.ReadObjects("""{"apiVersion":"v1","kind":"List","items":[{"kind":"Node","apiVersion":"v1","metadata":{"name":"a"}},{"kind":"Node","apiVersion":"v1","metadata":{"name":"b"}}]}""", yaml: false);
        var array = Manifests.ReadObjects("""[{"kind":"Node","apiVersion":"v1","metadata":{"name":"a"}}]""", yaml: false);
        Assert.Equal(2, list.Count);
        Assert.Single(array);
    }

    [Fact]
    public void YamlScalars_FollowTheCoreSchema_QuotedStaysString()
    {
        var node = Yaml.ToJson("{a: 'True', b: true, c: '0204', d: 0204, e: 1.5, f: ~, g: 50%}").Single()!;
        Assert.Equal(JsonValueKind.String, node["a"]!.GetValueKind());
        Assert.Equal(JsonValueKind.True, node["b"]!.GetValueKind());
        Assert.Equal("0204", (string)node["c"]!);
        Assert.Equal(204, (long)node["d"]!);
        Assert.Equal(1.5, (double)node["e"]!);
        Assert.Null(node["f"]);
        Assert.Equal("50%", (string)node["g"]!);
    }

    [Theory]
    [InlineData("{\"kind\": ", false, "malformed JSON")]
    [InlineData("a: [1, 2", true, "invalid YAML")]
    [InlineData("a: 1\na: 2", true, "duplicate key")]
    public void UnreadableBodies_SayWhatIsWrong(string text, bool yaml, string message)
    {
        var e = Assert.Throws<ManifestException>(() => Manifests.ReadObjects(text, yaml));
        Assert.Contains(message, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(e.Malformed);
    }

    [Fact]
    public void DaemonSetDefaults_AreKubernetes()
    {
        var ds = Defaults.Apply(Manifests.Deserialize<DaemonSet>(TestCluster.Yaml(TestCluster.DaemonSetYaml())));
        Assert.Equal("RollingUpdate", ds.Spec!.UpdateStrategy!.Type);
        Assert.Equal(IntOrString.FromInt(1), ds.Spec.UpdateStrategy.RollingUpdate!.MaxUnavailable);
        Assert.Equal(IntOrString.FromInt(0), ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge);
        Assert.Equal(10, ds.Spec.RevisionHistoryLimit);
        var spec = ds.Spec.Template!.Raw.GetProperty("spec");
        Assert.Equal("Always", spec.GetProperty("restartPolicy").GetString());
        Assert.Equal("ClusterFirst", spec.GetProperty("dnsPolicy").GetString());
        Assert.Equal(30, spec.GetProperty("terminationGracePeriodSeconds").GetInt32());
        var container = spec.GetProperty("containers")[0];
        Assert.Equal("IfNotPresent", container.GetProperty("imagePullPolicy").GetString());
        Assert.Equal("File", container.GetProperty("terminationMessagePolicy").GetString());
    }

    [Theory]
    [InlineData("nginx", "Always")]
    [InlineData("nginx:latest", "Always")]
    [InlineData("nginx:1.25", "IfNotPresent")]
    [InlineData("registry:5000/nginx", "Always")]
    [InlineData("nginx@sha256:abc", "IfNotPresent")]
    public void ImagePullPolicy_DefaultsLikeKubernetes(string image, string policy)
    {
        var t = Defaults.Apply(PodTemplate.From(TestCluster.Yaml($"{{spec: {{containers: [{{name: c, image: '{image}'}}]}}}}")));
        Assert.Equal(policy, t.Raw.GetProperty("spec").GetProperty("containers")[0].GetProperty("imagePullPolicy").GetString());
    }

    [Fact]
    public void DefaultingTwice_ChangesNothing_SoAMinimalManifestAndItsServedFormAreOneRevision()
    {
        var once = Defaults.Apply(Manifests.Deserialize<DaemonSet>(TestCluster.Yaml(TestCluster.DaemonSetYaml())));
        var twice = Defaults.Apply(Manifests.Deserialize<DaemonSet>(Json.ToNode(once)));
        Assert.Equal(once.Spec!.Template, twice.Spec!.Template);
    }

    [Fact]
    public void UnknownTemplateFields_AreKeptVerbatim()
    {
        var yaml = TestCluster.DaemonSetYaml("{priorityClassName: system-node-critical, volumes: [{name: v, hostPath: {path: /var/log}}], containers: [{name: c, image: img:1, volumeMounts: [{name: v, mountPath: /var/log}]}]}");
        var ds = Defaults.Apply(Manifests.Deserialize<DaemonSet>(TestCluster.Yaml(yaml)));
        var roundTrip = Json.Serialize(ds);
        Assert.Contains("\"priorityClassName\":\"system-node-critical\"", roundTrip);
        Assert.Contains("\"hostPath\":{\"path\":\"/var/log\"}", roundTrip);
        Assert.Contains("\"mountPath\":\"/var/log\"", roundTrip);
    }

    [Fact]
    public void TypeErrors_NameTheField()
    {
        var e = Assert.Throws<ManifestException>(() => Manifests.Deserialize<DaemonSet>(TestCluster.Yaml("{spec: {minReadySeconds: soon}}")));
        Assert.Equal("spec.minReadySeconds", e.Path);
    }

    [Fact]
    public void Times_AreWrittenAsRfc3339Utc()
    {
        Assert.Equal("2026-01-01T00:00:00Z", Json.FormatTime(new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.FromHours(1))));
        Assert.Equal("2026-01-01T00:00:00.25Z", Json.FormatTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, 250, TimeSpan.Zero)));
    }
}
