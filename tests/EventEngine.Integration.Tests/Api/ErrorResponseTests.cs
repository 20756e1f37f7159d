using System.Net;
using System.Text.Json;
using EventEngine.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EventEngine.Integration.Tests.Api;

public sealed class ErrorResponseTests
{
    [Fact]
    public async Task Readyz_WhenTheDatabaseIsGone_IsProblemDetails503()
    {
        var database = await TestDatabase.CreateAsync();
        await using var factory = ApiFactory.ForDatabase(database);
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

        await database.DisposeAsync(); // drops the database under the running server

        var response = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task UnhandledException_IsProblemDetails500_WithoutExceptionDetails()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var factory = ApiFactory.ForDatabase(
            database,
            web => web.ConfigureServices(services => services.AddSingleton<IStartupFilter, ThrowingEndpoint>()));
        var client = factory.CreateClient();

        var response = await client.GetAsync("/test/throw");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(500, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
        Assert.DoesNotContain("secret detail", body);
        Assert.DoesNotContain("ThrowingEndpoint", body);
    }

    /// <summary>Adds, behind the application's own middleware, a route that fails.</summary>
    private sealed class ThrowingEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
                context.Request.Path == "/test/throw"
                    ? throw new InvalidOperationException("secret detail")
                    : nextMiddleware(context));
        };
    }
}
