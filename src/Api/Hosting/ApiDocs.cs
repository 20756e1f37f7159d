using Microsoft.OpenApi;

namespace EventEngine.Api.Hosting;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and Swagger UI at <c>/swagger</c>.</summary>
internal static class ApiDocs
{
    public static IServiceCollection AddEngineOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "EventEngine",
                Version = "v1",
                Description = "Event-sourced reconciliation of Kubernetes DaemonSet placement.",
            };
            return Task.CompletedTask;
        }));

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
