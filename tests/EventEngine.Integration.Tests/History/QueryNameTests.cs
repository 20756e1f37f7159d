using System.Net;
using EventEngine.Integration.Tests.Engine;

namespace EventEngine.Integration.Tests.History;

/// <summary>
/// The engine's reads take objects by name in their query (daemonset=namespace/name, node=, namespace=). A name no
/// object can have is a 422 naming the parameter and why, on every read alike, and the log is not read for it; a
/// well-formed name of nothing is an empty answer (or, where one object is asked about, a 404).
/// </summary>
public sealed class QueryNameTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient Client => api.Client;

    [Theory]
    [InlineData("/engine/v1/state?daemonset=fluentd", "daemonset", "\"fluentd\": must be namespace/name")]
    [InlineData("/engine/v1/state?daemonset=kube-system/", "daemonset", "must be namespace/name")]
    [InlineData("/engine/v1/state?daemonset=Kube-System/fluentd", "daemonset", "namespace \"Kube-System\": a lowercase RFC 1123 label")]
    [InlineData("/engine/v1/state?daemonset=kube-system/fluentd_es", "daemonset", "name \"fluentd_es\": a lowercase RFC 1123 subdomain")]
    [InlineData("/engine/v1/state?namespace=Kube_System", "namespace", "\"Kube_System\": a lowercase RFC 1123 label")]
    [InlineData("/engine/v1/state?node=Node_1", "node", "\"Node_1\": a lowercase RFC 1123 subdomain")]
    [InlineData("/engine/v1/state?node=", "node", "Required value")]
    [InlineData("/engine/v1/timeline?daemonset=fluentd", "daemonset", "must be namespace/name")]
    [InlineData("/engine/v1/timeline?node=node%201", "node", "\"node 1\": a lowercase RFC 1123 subdomain")]
    [InlineData("/engine/v1/divergences?daemonset=a/b/c", "daemonset", "must be namespace/name")]
    [InlineData("/engine/v1/divergences?node=NODE-1", "node", "a lowercase RFC 1123 subdomain")]
    [InlineData("/engine/v1/explain?daemonset=default/agent&node=-node", "node", "a lowercase RFC 1123 subdomain")]
    [InlineData("/engine/v1/explain?daemonset=Default/agent&node=node-1", "daemonset", "namespace \"Default\"")]
    [InlineData("/engine/v1/placement?daemonset=default/Agent", "daemonset", "name \"Agent\"")]
    public async Task ANameNoObjectCanHave_Is422NamingTheParameter(string path, string field, string message)
    {
        var (status, problem, response) = await Client.SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([field], problem.Fields());
        Assert.Contains(message, (string?)problem!["errors"]![0]!["message"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/engine/v1/state?daemonset=kube-system/fluentd-elasticsearch.v2&node=ip-10-0-0-1.ec2.internal&namespace=kube-system")]
    [InlineData("/engine/v1/timeline?daemonset=monitoring/node-exporter&node=node-7")]
    [InlineData("/engine/v1/divergences?daemonset=monitoring/node-exporter&node=node-7")]
    public async Task AWellFormedNameOfNothing_IsAnEmptyAnswer(string path)
    {
        var (status, answer, _) = await Client.SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain(answer!.AsObject(), p => p.Value is System.Text.Json.Nodes.JsonArray { Count: > 0 });
    }
}
