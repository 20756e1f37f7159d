using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventEngine.Model;
using EventEngine.Storage;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>/apis/apps/v1 controllerrevisions: revisions in Kubernetes' own shape, owned, orphaned, paged.</summary>
public sealed class ControllerRevisionApiTests : ApiTest
{
    private const string DaemonSets = "/apis/apps/v1/namespaces/kube-system/daemonsets";
    private const string Revisions = "/apis/apps/v1/namespaces/kube-system/controllerrevisions";
    private const string NewImage = """{"spec":{"template":{"spec":{"containers":[{"name":"fluentd-elasticsearch","image":"quay.io/fluentd_elasticsearch/fluentd:v2.6.0"}]}}}}""";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Client.PostAsync("/api/v1/nodes", Http.Node("node-1"));
        await Client.PostAsync(DaemonSets, Http.Fluentd, Http.Yaml);
        await Client.PatchAsync(DaemonSets + "/fluentd-elasticsearch", NewImage);
    }

    [Fact]
    public async Task Revisions_AreControllerRevisions_OwnedByTheirDaemonSet_HoldingTheTemplateAsAReplacePatch()
    {
        var ds = await Client.GetJsonAsync(DaemonSets + "/fluentd-elasticsearch");
        var list = await Client.GetJsonAsync(Revisions);
        Assert.Equal("ControllerRevisionList", (string?)list["kind"]);
        var items = list["items"]!.AsArray().OrderBy(r => (long)r!["revision"]!).ToList();
        Assert.Equal([1L, 2L], items.Select(r => (long)r!["revision"]!));

        var current = items[1]!;
        Assert.Equal(("apps/v1", "ControllerRevision"), ((string)current["apiVersion"]!, (string)current["kind"]!));
        var hash = (string)current["metadata"]!["labels"]![WellKnown.RevisionHashLabel]!;
        Assert.Equal("fluentd-elasticsearch-" + hash, (string?)current["metadata"]!["name"]);
        Assert.Equal("fluentd-elasticsearch", (string?)current["metadata"]!["labels"]!["name"]);
        var owner = current["metadata"]!["ownerReferences"]![0]!;
        Assert.Equal(("DaemonSet", "fluentd-elasticsearch", (string)ds["metadata"]!["uid"]!, true),
            ((string)owner["kind"]!, (string)owner["name"]!, (string)owner["uid"]!, (bool)owner["controller"]!));
        var template = current["data"]!["spec"]!["template"]!;
        Assert.Equal("replace", (string?)template["$patch"]);
        Assert.Equal("quay.io/fluentd_elasticsearch/fluentd:v2.6.0", (string?)template["spec"]!["containers"]![0]!["image"]);

        // read back into the model, the data is the DaemonSet's template
        var revision = JsonSerializer.Deserialize<ControllerRevision>(current.ToJsonString(), Json.Options)!;
        var dsTemplate = PodTemplate.From(ds["spec"]!["template"]!);
        Assert.Equal(dsTemplate, revision.Template());

        var one = await Client.GetJsonAsync(Revisions + "/" + (string)current["metadata"]!["name"]!);
        Assert.Equal(current.ToJsonString(), one.ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, (await Client.SendAsync(HttpMethod.Get, Revisions + "/nope")).Status);
    }

    [Fact]
    public async Task Revisions_FilterByDaemonSet_Page_AndLoseTheirOwnerWhenOrphaned()
    {
        await Client.PostAsync("/apis/apps/v1/namespaces/kube-system/daemonsets", Http.Agent().Replace("\"default\"", "\"kube-system\""));
        Assert.Equal(3, (await Client.GetJsonAsync(Revisions))["items"]!.AsArray().Count);
        Assert.Equal(2, (await Client.GetJsonAsync(Revisions + "?daemonset=kube-system/fluentd-elasticsearch"))["items"]!.AsArray().Count);
        Assert.Single((await Client.GetJsonAsync("/apis/apps/v1/controllerrevisions?daemonset=kube-system/agent"))["items"]!.AsArray());

        var names = new List<string>();
        string? token = null;
        do
        {
            var page = await Client.GetJsonAsync(Revisions + "?limit=2" + (token is null ? "" : "&continue=" + token));
            names.AddRange(page["items"]!.AsArray().Select(r => (string)r!["metadata"]!["name"]!));
            token = (string?)page["continue"];
        } while (token is not null);
        Assert.Equal(3, names.Distinct().Count());
        Assert.Equal(["continue"], (await Client.SendAsync(HttpMethod.Get, Revisions + "?continue=%%%")).Body.Fields());

        await Client.DeleteJsonAsync(DaemonSets + "/fluentd-elasticsearch?propagationPolicy=Orphan");
        var orphaned = (await Client.GetJsonAsync(Revisions))["items"]!.AsArray().Where(r => ((string)r!["metadata"]!["name"]!).StartsWith("fluentd", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, orphaned.Count);
        Assert.All(orphaned, r => Assert.Null(r!["metadata"]!["ownerReferences"]));
        Assert.Empty((await Client.GetJsonAsync(Revisions + "?daemonset=kube-system/fluentd-elasticsearch"))["items"]!.AsArray());
    }

    [Fact]
    public async Task RowsWrittenBeforeTheObjectColumn_GetTheirObjects_FromTheRebuildTheNextStartRuns()
    {
        var live = await ObjectsAsync();
        Assert.Equal(2, live.Count);
        await Api.DisposeAsync();
        await Database.ExecuteAsync("alter table proj_revisions drop column object; delete from schema_migrations where version = '0005'");
        Assert.Equal(["0005_revision_objects.sql"], await Database.Migrator().RunAsync());
        Assert.Equal(0L, await Database.ScalarAsync<long>("select count(*) from proj_checkpoint"));

        Api = EngineApi.Start(Database);
        Assert.Equal(live, await ObjectsAsync());
        Assert.Equal(await Database.ScalarAsync<long>("select max(seq) from events"), await Database.ScalarAsync<long>("select seq from proj_checkpoint"));
    }

    private async Task<List<string>> ObjectsAsync()
    {
        // the text as stored and served, byte for byte
        var objects = new List<string>();
        await using var command = Database.DataSource.CreateCommand("select object::text from proj_revisions order by name");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) objects.Add(reader.GetString(0));
        return objects;
    }
}
