using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using EventEngine.Tests.Scenarios;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>Drives a scenario through the HTTP API exactly as the scenario README maps each step.</summary>
public sealed class HttpDriver(HttpClient http) : IScenarioDriver
{
    private long _stepHead;

    public async Task BeginStepAsync() => _stepHead = await HeadAsync();

    public Task<int> ApplyAsync(JsonArray objects) => SendAsync(HttpMethod.Post, "/engine/v1/apply", objects.ToJsonString(), "application/json");

    public Task<int> PatchNodeAsync(string name, JsonNode patch) =>
        SendAsync(HttpMethod.Patch, $"/api/v1/nodes/{name}", patch.ToJsonString(), "application/merge-patch+json");

    public Task<int> DeleteNodeAsync(string name) => SendAsync(HttpMethod.Delete, $"/api/v1/nodes/{name}");

    public Task<int> PatchDaemonSetAsync(string ns, string name, JsonNode patch) =>
        SendAsync(HttpMethod.Patch, $"/apis/apps/v1/namespaces/{ns}/daemonsets/{name}", patch.ToJsonString(), "application/merge-patch+json");

    public Task<int> RollbackAsync(string ns, string name, long toRevision) =>
        SendAsync(HttpMethod.Post, $"/apis/apps/v1/namespaces/{ns}/daemonsets/{name}/rollback",
            new JsonObject { ["toRevision"] = toRevision }.ToJsonString(), "application/json");

    public Task<int> DeleteDaemonSetAsync(string ns, string name, string propagationPolicy) =>
        SendAsync(HttpMethod.Delete, $"/apis/apps/v1/namespaces/{ns}/daemonsets/{name}?propagationPolicy={propagationPolicy}");

    public Task<int> ReportPodStatusAsync(string ns, string pod, string phase, bool ready, DateTimeOffset at)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["status"] = new JsonObject
            {
                ["phase"] = phase,
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready", ["status"] = ready ? "True" : "False",
                    ["lastTransitionTime"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                }),
            },
        };
        return SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/pods/{pod}/status", body.ToJsonString(), "application/json");
    }

    public Task<int> DeletePodAsync(string ns, string pod) => SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/{pod}");

    public Task<int> AdvanceClockAsync(int seconds) =>
        SendAsync(HttpMethod.Post, "/engine/v1/clock", new JsonObject { ["advanceSeconds"] = seconds }.ToJsonString(), "application/json");

    public async Task<IReadOnlyList<ScenarioPod>> PodsAsync(string ns, string name)
    {
        var list = await GetJsonAsync($"/api/v1/pods?daemonset={ns}/{name}");
        return list!["items"]!.AsArray().Select(p =>
        {
            var affinityNode = (string?)p!["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]?[0]?["matchFields"]?[0]?["values"]?[0];
            var ready = p["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True") ?? false;
            return new ScenarioPod((string)p["metadata"]!["namespace"]!, (string)p["metadata"]!["name"]!,
                (string?)p["spec"]?["nodeName"] ?? affinityNode, (string?)p["status"]?["phase"] ?? "Pending", ready,
                p["metadata"]?["deletionTimestamp"] is not null, (string?)p["metadata"]?["labels"]?["controller-revision-hash"]);
        }).ToList();
    }

    public async Task<JsonObject?> StatusAsync(string ns, string name) =>
        (await GetJsonAsync($"/apis/apps/v1/namespaces/{ns}/daemonsets/{name}"))?["status"]?.AsObject();

    public async Task<IReadOnlyList<ScenarioRevision>> RevisionsAsync(string ns, string name)
    {
        var list = await GetJsonAsync($"/apis/apps/v1/namespaces/{ns}/daemonsets/{name}/revisions");
        if (list is null) return [];
        return list["items"]!.AsArray().Select(r => new ScenarioRevision((long)r!["revision"]!, (string)r["hash"]!, (bool)r["current"]!)).ToList();
    }

    public async Task<IReadOnlyList<ScenarioEvent>> StepEventsAsync()
    {
        var events = new List<ScenarioEvent>();
        var after = _stepHead;
        while (true)
        {
            var page = (await GetJsonAsync($"/engine/v1/events?after={after}&limit=10000"))!["items"]!.AsArray();
            if (page.Count == 0) return events;
            events.AddRange(page.Select(e => new ScenarioEvent((string)e!["type"]!, (string?)e["data"]?["daemonSet"], (string?)e["data"]?["pod"])));
            after = (long)page[^1]!["seq"]!;
        }
    }

    private async Task<long> HeadAsync()
    {
        var after = _stepHead;
        while (true)
        {
            var page = (await GetJsonAsync($"/engine/v1/events?after={after}&limit=10000"))!["items"]!.AsArray();
            if (page.Count == 0) return after;
            after = (long)page[^1]!["seq"]!;
        }
    }

    private async Task<JsonNode?> GetJsonAsync(string path)
    {
        using var response = await http.GetAsync(path);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync());
    }

    private async Task<int> SendAsync(HttpMethod method, string path, string? body = null, string? contentType = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType!);
        }
        using var response = await http.SendAsync(request);
        var status = (int)response.StatusCode;
        if (status >= 500) throw new InvalidOperationException($"{method} {path} answered {status}: {await response.Content.ReadAsStringAsync()}");
        return status;
    }
}
