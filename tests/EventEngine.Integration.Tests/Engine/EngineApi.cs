using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>The engine's API in memory on a test database, deterministic: manual clock, simulated kubelet off.</summary>
public sealed class EngineApi : IAsyncDisposable
{
    private readonly ApiFactory _factory;

    private EngineApi(ApiFactory factory)
    {
        _factory = factory;
        Client = factory.CreateClient();
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>A client that does not follow redirects, to see them.</summary>
    public HttpClient ClientWithoutRedirects() =>
        _factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public static EngineApi Start(TestDatabase database, bool kubelet = false, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = database.ConnectionString,
            ["Engine:Clock"] = "Manual",
            ["Engine:SimulatedKubelet:Enabled"] = kubelet ? "true" : "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) all[key] = value;
        return new EngineApi(new ApiFactory(all));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }
}

/// <summary>
/// One database and engine API for a whole test class (IClassFixture), for classes whose tests do not need a log of
/// their own: a server costs more to start than most tests take to run.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public EngineApi Api { get; private set; } = null!;
    public HttpClient Client => Api.Client;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Api = EngineApi.Start(Database);
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>A test with its own database and engine API (manual clock, simulated kubelet off), for tests that need a log of their own.</summary>
public abstract class ApiTest : IAsyncLifetime
{
    protected TestDatabase Database { get; private set; } = null!;
    protected EngineApi Api { get; set; } = null!;
    protected HttpClient Client => Api.Client;

    /// <summary>Extra configuration for this class's engine.</summary>
    protected virtual IReadOnlyDictionary<string, string>? Settings => null;

    public virtual async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Api = EngineApi.Start(Database, settings: Settings);
    }

    public virtual async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Database.DisposeAsync();
    }
}
