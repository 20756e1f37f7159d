using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>Small HTTP helpers for the API tests: send a body of a media type, read JSON and problem details.</summary>
public static class Http
{
    public static async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(
        this HttpClient client, HttpMethod method, string path, string? body = null, string contentType = "application/json",
        IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    public static Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> PostAsync(this HttpClient c, string path, string body, string type = "application/json", IDictionary<string, string>? headers = null) =>
        c.SendAsync(HttpMethod.Post, path, body, type, headers);

    public static Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> PutAsync(this HttpClient c, string path, string body, string type = "application/json") =>
        c.SendAsync(HttpMethod.Put, path, body, type);

    public static Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> PatchAsync(this HttpClient c, string path, string body, string type = "application/merge-patch+json") =>
        c.SendAsync(HttpMethod.Patch, path, body, type);

    public static Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> DeleteJsonAsync(this HttpClient c, string path) =>
        c.SendAsync(HttpMethod.Delete, path);

    /// <summary>Creates, retrying the 409 a race with another server on the same log may give.</summary>
    public static async Task CreateAsync(this HttpClient c, string path, string body)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (status, problem, _) = await c.PostAsync(path, body);
            if (status == HttpStatusCode.Created) return;
            Assert.True(status == HttpStatusCode.Conflict && attempt < 5, $"{path}: {(int)status} {problem}");
        }
    }

    public static async Task<JsonNode> GetJsonAsync(this HttpClient c, string path)
    {
        var (status, body, _) = await c.SendAsync(HttpMethod.Get, path);
        Assert.True(status == HttpStatusCode.OK, $"GET {path}: {status} {body}");
        return body!;
    }

    /// <summary>The fields an error names: problem details' errors, or a Kubernetes Status's details.causes.</summary>
    public static IReadOnlyList<string> Fields(this JsonNode? problem) =>
        (problem?["errors"] ?? problem?["details"]?["causes"])?.AsArray().Select(e => (string)e!["field"]!).ToList() ?? [];

    /// <summary>
    /// Asserts that a Kubernetes path answered a metav1.Status failure with the given code, and returns
    /// its message.
    /// </summary>
    public static string AssertStatus(this HttpResponseMessage response, JsonNode? status, int code)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(("v1", "Status", "Failure"), ((string?)status?["apiVersion"], (string?)status?["kind"], (string?)status?["status"]));
        Assert.Equal(code, (int)status!["code"]!);
        var message = (string?)status["message"];
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message!;
    }

    /// <summary>How many events the log holds.</summary>
    public static async Task<long> EventCountAsync(this HttpClient c)
    {
        long count = 0, after = 0;
        while (true)
        {
            var items = (await c.GetJsonAsync($"/engine/v1/events?after={after}&limit=10000"))["items"]!.AsArray();
            if (items.Count == 0) return count;
            count += items.Count;
            after = (long)items[^1]!["seq"]!;
        }
    }

    public static async Task<List<JsonNode>> EventsAsync(this HttpClient c, long after = 0)
    {
        var all = new List<JsonNode>();
        while (true)
        {
            var items = (await c.GetJsonAsync($"/engine/v1/events?after={after}&limit=10000"))["items"]!.AsArray();
            if (items.Count == 0) return all;
            all.AddRange(items.Select(i => i!));
            after = (long)items[^1]!["seq"]!;
        }
    }

    public const string Yaml = "application/yaml";

    /// <summary>DaemonSet default/agent; <paramref name="spec"/> (a JSON object) adds fields to its pod template's spec.</summary>
    public static string Agent(string spec = "{}")
    {
        var ds = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"default"},
             "spec":{"selector":{"matchLabels":{"app":"agent"}},
                     "template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"agent","image":"agent:1"}]}}}}
            """)!;
        foreach (var (key, value) in JsonNode.Parse(spec)!.AsObject()) ds["spec"]!["template"]!["spec"]![key] = value?.DeepClone();
        return ds.ToJsonString();
    }

    public static string Node(string name, string extra = "") => $"{{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{{\"name\":\"{name}\"{extra}}}}}";

    /// <summary>The fluentd-elasticsearch DaemonSet from the Kubernetes documentation (trimmed of volumes).</summary>
    public const string Fluentd = """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: fluentd-elasticsearch
          namespace: kube-system
          labels:
            k8s-app: fluentd-logging
        spec:
          selector:
            matchLabels:
              name: fluentd-elasticsearch
          template:
            metadata:
              labels:
                name: fluentd-elasticsearch
            spec:
              tolerations:
              - key: node-role.kubernetes.io/control-plane
                operator: Exists
                effect: NoSchedule
              - key: node-role.kubernetes.io/master
                operator: Exists
                effect: NoSchedule
              containers:
              - name: fluentd-elasticsearch
                image: quay.io/fluentd_elasticsearch/fluentd:v2.5.2
                resources:
                  limits:
                    memory: 200Mi
                  requests:
                    cpu: 100m
                    memory: 200Mi
              terminationGracePeriodSeconds: 30
        """;
}
