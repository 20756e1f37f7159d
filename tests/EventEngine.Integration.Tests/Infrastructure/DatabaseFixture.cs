using EventEngine.Storage;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>One migrated <see cref="TestDatabase"/> per test class: use it with <c>IClassFixture&lt;DatabaseFixture&gt;</c>.</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private TestDatabase? database;

    public TestDatabase Database => database ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <summary>An event store on the class's database.</summary>
    public EventStore Store(TimeProvider? clock = null) => Database.Store(clock);

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }
}
