using System.Net;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;
using Microsoft.OpenApi;

namespace EventEngine.Integration.Tests.Api;

/// <summary>
/// The engine's own OpenAPI document (/openapi/v1.json) describes what the /engine/v1 endpoints really take and answer:
/// every endpoint is called on the demo incident's log (so lists are not empty) and its answer is held against the
/// schema the document gives for it (types, and required properties present, all the way down).
/// </summary>
public sealed class EngineDocumentTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private EngineApi _api = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _api = EngineApi.Start(_database);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task EveryEngineEndpoint_AnswersWhatTheDocumentSays()
    {
        var client = _api.Client;
        var document = (await client.GetJsonAsync("/openapi/v1.json")).AsObject();
        var called = new HashSet<(string, string)>();

        async Task<JsonNode> CallAsync(string method, string template, string path, string? body = null, HttpClient? on = null)
        {
            var operation = document["paths"]![template]?[method.ToLowerInvariant()]
                ?? throw new InvalidOperationException($"the document has no {method} {template}");
            if (body is not null)
            {
                var request = operation["requestBody"]!["content"]!["application/json"]!["schema"]!;
                Assert.Empty(SchemaCheck.Violations(document, request, JsonNode.Parse(body), "request"));
            }
            var (status, answer, _) = await (on ?? client).SendAsync(new HttpMethod(method), path, body ?? (method == "POST" ? "{}" : null));
            Assert.True(status == HttpStatusCode.OK, $"{method} {path}: {status} {answer}");
            var schema = operation["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;
            var violations = SchemaCheck.Violations(document, schema, answer, "");
            Assert.True(violations.Count == 0, $"{method} {path}:\n{string.Join("\n", violations)}");
            called.Add((method, template));
            return answer!;
        }

        var phases = (await CallAsync("POST", "/engine/v1/demo/incident", "/engine/v1/demo/incident"))["phases"]!.AsArray();
        var storm = (string)phases.Single(p => (string?)p!["name"] == "taint-storm")!["from"]!;

        Assert.NotEmpty((await CallAsync("GET", "/engine/v1/events", "/engine/v1/events?after=590&limit=10"))["items"]!.AsArray());
        var state = await CallAsync("GET", "/engine/v1/state", "/engine/v1/state?at=600&limit=60");
        Assert.NotEmpty(state["daemonSets"]!.AsArray());
        var timeline = await CallAsync("GET", "/engine/v1/timeline", $"/engine/v1/timeline?from={storm}&node=node-07&limit=3");
        Assert.Contains(timeline["items"]!.AsArray(), e => e!["cause"] is not null);
        Assert.Contains(timeline["items"]!.AsArray(), e => e!["placement"]!.AsArray().Count > 0);
        await CallAsync("GET", "/engine/v1/explain", "/engine/v1/explain?daemonset=monitoring/node-exporter&node=node-07&at=2026-01-01T00:35:00Z");
        await CallAsync("GET", "/engine/v1/placement", "/engine/v1/placement?daemonset=kube-system/fluentd-elasticsearch&at=400");
        var placements = await CallAsync("GET", "/engine/v1/daemonsets/{ns}/{name}/revisions/{rev}/placements",
            "/engine/v1/daemonsets/monitoring/node-exporter/revisions/2/placements?limit=3");
        Assert.NotEmpty(placements["items"]!.AsArray());
        var replay = await CallAsync("POST", "/engine/v1/replay", "/engine/v1/replay", """
            {"from": 596, "to": 640, "changes": [{"at": 600, "patchNode": {"name": "node-07", "patch": {"spec": {"taints": null}}}},
                                                 {"removeEvents": [627]}]}
            """);
        Assert.NotEmpty(replay["steps"]!.AsArray());
        await CallAsync("POST", "/engine/v1/apply", "/engine/v1/apply", """[{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-51"}}]""");
        await CallAsync("POST", "/engine/v1/clock", "/engine/v1/clock", """{"advanceSeconds": 5}""");
        await CallAsync("POST", "/engine/v1/projections/rebuild", "/engine/v1/projections/rebuild");
        var divergences = await CallAsync("GET", "/engine/v1/divergences", $"/engine/v1/divergences?from={storm}");
        Assert.NotNull(divergences["items"]);

        // an import needs an engine in Observe mode: one of its own, on a database of its own
        await using (var recordDatabase = await TestDatabase.CreateAsync())
        await using (var record = EngineApi.Start(recordDatabase, settings: new Dictionary<string, string> { ["Engine:Mode"] = "Observe" }))
        {
            var imported = await CallAsync("POST", "/engine/v1/import", "/engine/v1/import",
                """{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}},{"kind":"ConfigMap"}]}""", record.Client);
            Assert.Equal((1L, 1L), ((long)imported["recorded"]!, (long)imported["skipped"]!));
        }

        var documented = document["paths"]!.AsObject().Where(p => p.Key.StartsWith("/engine/v1/", StringComparison.Ordinal))
            .SelectMany(p => p.Value!.AsObject().Select(o => (o.Key.ToUpperInvariant(), p.Key))).ToHashSet();
        Assert.Equal(documented.Order(), called.Order());
    }

    [Fact]
    public async Task TheDocument_ReadsAsValidOpenApi_AndSwaggerUiServesIt()
    {
        var text = await _api.Client.GetStringAsync("/openapi/v1.json");
        var read = OpenApiDocument.Parse(text, "json");
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        Assert.Empty(read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
        Assert.Equal(HttpStatusCode.OK, (await _api.Client.GetAsync("/swagger/index.html")).StatusCode);
    }

    /// <summary>A JSON value against an OpenAPI 3.1 schema of a document: types, required properties, items, variants.</summary>
    private static class SchemaCheck
    {
        public static List<string> Violations(JsonObject document, JsonNode schema, JsonNode? value, string path)
        {
            var found = new List<string>();
            Check(document, schema, value, path.Length == 0 ? "$" : path, found);
            return found;
        }

        private static void Check(JsonObject document, JsonNode schema, JsonNode? value, string path, List<string> found)
        {
            if ((string?)schema["$ref"] is { } reference)
                schema = document["components"]!["schemas"]![reference["#/components/schemas/".Length..]]!;
            if (schema["oneOf"] is JsonArray oneOf)
            {
                if (value is null && oneOf.Any(s => (string?)s!["type"] == "null")) return;
                var attempts = oneOf.Where(s => (string?)s!["type"] != "null").Select(s => Violations(document, s!, value, path)).ToList();
                if (!attempts.Any(a => a.Count == 0)) found.AddRange(attempts.FirstOrDefault() ?? [$"{path}: null is not allowed"]);
                return;
            }
            if (schema["discriminator"] is JsonObject discriminator && value is JsonObject tagged)
            {
                var tag = (string?)tagged[(string)discriminator["propertyName"]!];
                if (tag is null || discriminator["mapping"]![tag] is not { } variant)
                {
                    found.Add($"{path}: {discriminator["propertyName"]} \"{tag}\" is none of the variants");
                    return;
                }
                Check(document, new JsonObject { ["$ref"] = variant.DeepClone() }, value, path, found);
            }
            var types = schema["type"] switch
            {
                JsonArray many => many.Select(t => (string)t!).ToArray(),
                JsonValue one => [(string)one!],
                _ => [],
            };
            if (types.Length > 0 && !types.Any(t => Is(t, value)))
            {
                found.Add($"{path}: {value?.ToJsonString() ?? "null"} is not {string.Join(" or ", types)}");
                return;
            }
            switch (value)
            {
                case JsonObject obj:
                    foreach (var required in schema["required"]?.AsArray() ?? [])
                        if (!obj.ContainsKey((string)required!)) found.Add($"{path}: required property {required} is missing");
                    foreach (var (key, child) in obj)
                    {
                        if (schema["properties"]?[key] is { } property) Check(document, property, child, $"{path}.{key}", found);
                        else if (schema["additionalProperties"] is JsonObject values) Check(document, values, child, $"{path}.{key}", found);
                    }
                    break;
                case JsonArray array when schema["items"] is { } items:
                    for (var i = 0; i < array.Count; i++) Check(document, items, array[i], $"{path}[{i}]", found);
                    break;
            }
        }

        private static bool Is(string type, JsonNode? value) => type switch
        {
            "null" => value is null,
            "object" => value is JsonObject,
            "array" => value is JsonArray,
            "string" => value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String,
            "boolean" => value is JsonValue v && v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False,
            "integer" => value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && double.IsInteger(v.GetValue<double>()),
            "number" => value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number,
            _ => true,
        };
    }
}
