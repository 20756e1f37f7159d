using EventEngine.Api.Endpoints;
using EventEngine.Api.Kubernetes;
using Microsoft.OpenApi;

namespace EventEngine.Api.Hosting;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and Swagger UI at <c>/swagger</c>.</summary>
internal static class ApiDocs
{
    public static IServiceCollection AddEngineOpenApi(this IServiceCollection services) => services
        // Kubernetes' own documents of the served kinds, for kubectl (read on first use: a test host that never asks pays nothing)
        .AddSingleton(_ => KubernetesOpenApi.Load(DiscoveryEndpoints.GitVersion))
        .AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "EventEngine",
                Version = "v1",
                Description = "Event-sourced reconciliation of Kubernetes DaemonSet placement.",
            };
            foreach (var (name, schema) in document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
                if (schema is OpenApiSchema editable) Tidy(name, editable);
            return Task.CompletedTask;
        }).AddSchemaTransformer((schema, _, _) =>
        {
            Numbers(schema);
            return Task.CompletedTask;
        }));

    /// <summary>
    /// Numbers are numbers: the framework's defaults would also take numeric strings, which the engine's own reader
    /// refuses (and it never writes one).
    /// </summary>
    private static void Numbers(OpenApiSchema schema)
    {
        if (schema.Type is { } kind && kind.HasFlag(JsonSchemaType.String) && (kind.HasFlag(JsonSchemaType.Integer) || kind.HasFlag(JsonSchemaType.Number)))
        {
            schema.Type = kind & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
    }

    /// <summary>
    /// A component schema as the engine writes JSON: IntOrString is either, and a property that may be null may also be
    /// missing (the engine's objects leave nulls out), so it is not required.
    /// </summary>
    private static void Tidy(string name, OpenApiSchema schema)
    {
        if (name == nameof(Model.IntOrString))
        {
            schema.Type = JsonSchemaType.Integer | JsonSchemaType.String;
            schema.Description = "An integer, or a percentage such as \"25%\".";
        }
        if (schema.Required is { Count: > 0 } required && schema.Properties is { } properties)
            foreach (var (property, value) in properties)
                if (value.Type?.HasFlag(JsonSchemaType.Null) == true || value.OneOf?.Any(o => o.Type == JsonSchemaType.Null) == true)
                    required.Remove(property);
    }

    public static WebApplication MapEngineApiDocs(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "EventEngine v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "EventEngine API";
        });
        return app;
    }
}
