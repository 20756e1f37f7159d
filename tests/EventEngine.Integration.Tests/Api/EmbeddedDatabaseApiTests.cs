using System.Net;
using System.Text.Json;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Api;

/// <summary>The server started with no connection string runs its own PostgreSQL and serves.</summary>
public sealed class EmbeddedDatabaseApiTests(EmbeddedDatabaseApiTests.Server server) : IClassFixture<EmbeddedDatabaseApiTests.Server>
{
    private readonly HttpClient client = server.Factory.CreateClient();

    [Fact]
    public async Task Readyz_AnswersOk_OnTheEmbeddedDatabase()
    {
        var response = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "pg", "PG_VERSION")));
    }

    [Fact]
    public async Task Healthz_AnswersOk()
    {
        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_IsServedAsJson_AndListsTheHealthEndpoints()
    {
        var response = await client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/healthz", out _));
        Assert.True(paths.TryGetProperty("/readyz", out _));
    }

    [Fact]
    public async Task SwaggerUi_IsServed()
    {
        var response = await client.GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UnknownRoute_IsProblemDetails404()
    {
        var response = await client.GetAsync("/no/such/route");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
        Assert.True(problem.RootElement.TryGetProperty("title", out _));
    }

    /// <summary>One server per class, with its data directory in a temp folder.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public string DataDirectory { get; } = TestScratch.NewPath("api");

        public ApiFactory Factory { get; private set; } = null!;

        public Task InitializeAsync()
        {
            Factory = ApiFactory.WithEmbeddedDatabase(DataDirectory);
            return Task.CompletedTask;
        }

        public async Task DisposeAsync()
        {
            await Factory.DisposeAsync();
            // the server stops its PostgreSQL as it shuts down; let it finish before deleting the files
            var pidFile = Path.Combine(DataDirectory, "pg", "postmaster.pid");
            await Wait.UntilAsync(() => Task.FromResult(!File.Exists(pidFile)), TimeSpan.FromMinutes(1));
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
