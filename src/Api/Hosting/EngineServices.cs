using System.Globalization;
using EventEngine.Api.Http;
using EventEngine.Commands;
using EventEngine.Projections.History;
using EventEngine.Projections.Queries;
using EventEngine.Projections.ReadModels;
using EventEngine.Runtime;
using FluentValidation;
using MediatR;

namespace EventEngine.Api.Hosting;

/// <summary>Registers the engine: clock, runtime, simulated kubelet, read models, MediatR and validators.</summary>
internal static class EngineServices
{
    public static IServiceCollection AddEngine(this IServiceCollection services, IConfiguration configuration)
    {
        var manual = string.Equals(configuration["Engine:Clock"], "Manual", StringComparison.OrdinalIgnoreCase);
        var start = DateTimeOffset.TryParse(configuration["Engine:ManualClockStart"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var configured) ? configured : ManualClock.DefaultStart;
        services.AddSingleton<TimeProvider>(manual ? new ManualClock(start) : TimeProvider.System);
        services.AddSingleton(new KubeletOptions(
            configuration.GetValue("Engine:SimulatedKubelet:Enabled", true),
            TimeSpan.FromSeconds(configuration.GetValue("Engine:SimulatedKubelet:ReadyAfterSeconds", 2.0))));
        services.AddSingleton(new BodyLimits(configuration.GetValue("Engine:MaxBodyBytes", Bodies.DefaultMaxBytes)));

        services.AddSingleton(new SnapshotOptions(
            configuration.GetValue("Engine:SnapshotEvery", 1_000),
            configuration.GetValue("Engine:RecordFingerprints", false)));
        services.AddSingleton<InlineProjection>((c, tx, batch, ct) => ReadModelWriter.ApplyAsync(c, tx, batch, ct));
        services.AddSingleton<InlineProjection>(PlacementWriter.ApplyAsync);
        services.AddSingleton<Snapshots>();
        services.AddSingleton<TimeTravel>();
        services.AddSingleton<HistoryRecorder>();
        services.AddSingleton<EngineRuntime>();
        services.AddSingleton<SimulatedKubelet>();
        services.AddSingleton<Rebuild>();
        services.AddHostedService<EngineStartup>();
        services.AddHostedService<EngineScheduler>();
        services.AddHostedService<HistoryService>();

        services.AddExceptionHandler<Problems.Handler>();
        AddMediator(services, typeof(EngineRuntime).Assembly, typeof(Page).Assembly);
        return services;
    }

    /// <summary>MediatR 5 is wired by hand: its ServiceFactory resolves handlers, behaviours and validators from DI.</summary>
    private static void AddMediator(IServiceCollection services, params System.Reflection.Assembly[] assemblies)
    {
        services.AddScoped<ServiceFactory>(sp => sp.GetService!);
        services.AddScoped<IMediator, Mediator>();
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>));
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()).Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }))
        {
            foreach (var contract in type.GetInterfaces().Where(i => i.IsGenericType))
            {
                var definition = contract.GetGenericTypeDefinition();
                if (definition == typeof(IRequestHandler<,>) || definition == typeof(IValidator<>))
                    services.AddTransient(contract, type);
            }
        }
    }
}
