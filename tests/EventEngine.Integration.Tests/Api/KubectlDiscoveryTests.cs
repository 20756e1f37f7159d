using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Api.Endpoints;
using EventEngine.Api.Kubernetes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Api;

/// <summary>
/// One server process on loopback without tokens, for the real kubectl (which sends no credentials over http): manual
/// clock, simulated kubelet off.
/// </summary>
public sealed class KubectlServer : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = Database.ConnectionString,
            ["Engine:Clock"] = "Manual",
            ["Engine:SimulatedKubelet:Enabled"] = "false",
        });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>
/// The real kubectl (v1.32) against a real server process: it learns the served kinds from discovery, reads the
/// OpenAPI v3 documents for explain and to leave field validation to the server, and is told by the server about
/// fields a kind does not have. Each test has a kubectl of its own (its own discovery cache).
/// </summary>
public sealed class KubectlDiscoveryTests(KubectlServer fixture) : IClassFixture<KubectlServer>
{
    private Kubectl NewKubectl() => new(fixture.Server.BaseAddress);

    private static async Task<string> SucceedsAsync(Kubectl kubectl, IEnumerable<string> args, string? stdin = null)
    {
        var (code, output, error) = await kubectl.RunAsync(args, stdin);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited with {code}: {error}");
        return output;
    }

    [Fact]
    public async Task KubectlVersion_ReportsTheServedRelease()
    {
        var output = await SucceedsAsync(NewKubectl(), ["version", "-o", "json"]);
        var server = JsonNode.Parse(output)!["serverVersion"]!;
        Assert.Equal(("1", "32", DiscoveryEndpoints.GitVersion), ((string?)server["major"], (string?)server["minor"], (string?)server["gitVersion"]));
    }

    [Fact]
    public async Task KubectlApiResources_ListsEveryServedKind_FromTheAggregatedDiscovery()
    {
        var kubectl = NewKubectl();
        var (code, output, log) = await kubectl.RunAsync("api-resources", "-v=6");
        Assert.True(code == 0, log);
        var rows = Table(output).Select(r => (r["NAME"], r["SHORTNAMES"], r["APIVERSION"], r["NAMESPACED"], r["KIND"]));
        Assert.Equal(new[]
        {
            ("controllerrevisions", "", "apps/v1", "true", "ControllerRevision"),
            ("daemonsets", "ds", "apps/v1", "true", "DaemonSet"),
            ("events", "ev", "v1", "true", "Event"),
            ("namespaces", "ns", "v1", "false", "Namespace"),
            ("nodes", "no", "v1", "false", "Node"),
            ("pods", "po", "v1", "true", "Pod"),
        }, rows.Order());
        // the aggregated form tells kubectl everything in two requests: no group-version is asked for on its own
        var asked = log.Split('\n').Where(l => l.Contains("round_trippers", StringComparison.Ordinal) && l.Contains(" GET ", StringComparison.Ordinal))
            .Select(l => new Uri(l.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(w => w != "GET").ElementAt(1)).AbsolutePath)
            .Where(p => p.StartsWith("/api", StringComparison.Ordinal)).ToList();
        Assert.Equal(["/api", "/apis"], asked);

        var wide = Table(await SucceedsAsync(kubectl, ["api-resources", "-o", "wide"]));
        foreach (var resource in ApiResources.All)
        {
            var row = wide.Single(r => r["NAME"] == resource.Plural);
            Assert.Equal((string.Join(",", resource.Verbs.Order(StringComparer.Ordinal)), string.Join(",", resource.Categories)), (row["VERBS"], row["CATEGORIES"]));
        }
    }

    [Fact]
    public async Task KubectlExplain_ReadsTheKubernetes132Schemas()
    {
        var kubectl = NewKubectl();
        var strategy = await SucceedsAsync(kubectl, ["explain", "daemonset.spec.updateStrategy"]);
        Assert.Contains("GROUP:      apps", strategy);
        Assert.Contains("KIND:       DaemonSet", strategy);
        Assert.Contains("FIELD: updateStrategy <DaemonSetUpdateStrategy>", strategy);
        Assert.Contains("rollingUpdate\t<RollingUpdateDaemonSet>", strategy);
        Assert.Contains("Type of daemon set update. Can be \"RollingUpdate\" or \"OnDelete\".", strategy);

        // a field of 1.28 (sidecar containers): the documents are 1.32's, not an older release's
        var restartPolicy = await SucceedsAsync(kubectl, ["explain", "pods.spec.initContainers.restartPolicy"]);
        Assert.Contains("FIELD: restartPolicy <string>", restartPolicy);
    }

    [Fact]
    public async Task KubectlApply_OfAnUnknownField_IsRefusedByTheServer_AndCreatesNothing()
    {
        var kubectl = NewKubectl();
        var manifest = """
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: strict-agent, namespace: default}
            spec:
              bogusField: 1
              selector: {matchLabels: {app: strict-agent}}
              template:
                metadata: {labels: {app: strict-agent}}
                spec:
                  containers: [{name: agent, image: "agent:1"}]
            """;
        var (code, _, log) = await kubectl.RunAsync(["apply", "-f", "-", "-v=6"], manifest);
        Assert.NotEqual(0, code);
        Assert.Contains("Error from server (BadRequest): error when creating \"STDIN\": DaemonSet in version \"v1\" cannot be handled as a DaemonSet: "
            + "strict decoding error: unknown field \"spec.bogusField\"", log);
        // kubectl found the fieldValidation parameter in the OpenAPI document and left validation to the server
        Assert.Contains("fieldValidation=Strict", log);
        Assert.DoesNotContain("/openapi/v2", log);
        using var client = fixture.Server.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/apis/apps/v1/namespaces/default/daemonsets/strict-agent")).StatusCode);

        var valid = manifest.Replace("  bogusField: 1\n", "", StringComparison.Ordinal);
        Assert.Equal("daemonset.apps/strict-agent created\n", await SucceedsAsync(kubectl, ["apply", "-f", "-"], valid));
        Assert.Equal("daemonset.apps/strict-agent unchanged\n", await SucceedsAsync(kubectl, ["apply", "-f", "-"], valid));

        var (nodeCode, _, nodeError) = await kubectl.RunAsync(["apply", "-f", "-"],
            "apiVersion: v1\nkind: Node\nmetadata: {name: strict-node}\nspec: {unschedulable: true, bogus: x}\n");
        Assert.NotEqual(0, nodeCode);
        Assert.Contains("Node in version \"v1\" cannot be handled as a Node: strict decoding error: unknown field \"spec.bogus\"", nodeError);
    }

    /// <summary>kubectl's table output as rows of named cells, cut where the header's columns start.</summary>
    private static List<Dictionary<string, string>> Table(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0];
        var starts = new List<int>();
        for (var i = 0; i < header.Length; i++)
            if (header[i] != ' ' && (i == 0 || header[i - 1] == ' ')) starts.Add(i);
        return lines.Skip(1).Select(line => starts.Select((start, c) =>
        {
            var end = c + 1 < starts.Count ? starts[c + 1] : int.MaxValue;
            var cell = start >= line.Length ? "" : line[start..Math.Min(end, line.Length)];
            return KeyValuePair.Create(header[start..Math.Min(end, header.Length)].Trim(), cell.Trim());
        }).ToDictionary()).ToList();
    }
}
