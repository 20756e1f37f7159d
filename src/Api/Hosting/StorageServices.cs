using EventEngine.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace EventEngine.Api.Hosting;

/// <summary>Registers the event database and the event store.</summary>
internal static class StorageServices
{
    public static IServiceCollection AddEventStorage(this IServiceCollection services)
    {
        services.AddSingleton<EventDatabase>();
        // hosted services start in registration order, before the server listens: keep this first
        services.AddHostedService(sp => sp.GetRequiredService<EventDatabase>());
        services.AddSingleton<NpgsqlDataSource>(sp => sp.GetRequiredService<EventDatabase>().DataSource);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EventStore>();
        return services;
    }
}
