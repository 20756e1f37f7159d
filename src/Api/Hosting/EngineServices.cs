using System.Globalization;
using EventEngine.Api.Http;
using EventEngine.Api.Recording;
using EventEngine.Commands;
using EventEngine.Projections.History;
using EventEngine.Projections.Queries;
using EventEngine.Projections.ReadModels;
using EventEngine.Runtime;
using EventEngine.State;
using FluentValidation;
using MediatR;

namespace EventEngine.Api.Hosting;

/// <summary>Registers the engine: clock, runtime, simulated kubelet, read models, MediatR and validators.</summary>
internal static class EngineServices
{
    public static IServiceCollection AddEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Clock(configuration));
        var mode = Mode(configuration);
        services.AddSingleton(mode);
        // a recorded cluster has kubelets of its own
        services.AddSingleton(new KubeletOptions(
            !mode.Observes && configuration.GetValue("Engine:SimulatedKubelet:Enabled", true),
            TimeSpan.FromSeconds(configuration.GetValue("Engine:SimulatedKubelet:ReadyAfterSeconds", 2.0))));
        services.AddSingleton(new BodyLimits(configuration.GetValue("Engine:MaxBodyBytes", Bodies.DefaultMaxBytes)));
        services.AddSingleton(Limits.From(configuration));
        services.AddSingleton<EventEngine.Api.Kubernetes.AccessReviews>();
        services.AddSingleton<Admission>();
        services.AddSingleton(new ReplayOptions(Limits.Positive(configuration, "Engine:Limits:ReplayEvents", 20_000)));
        services.AddSingleton(MemoryTrimOptions.From(configuration));
        services.AddSingleton<MemoryTrim>();

        services.AddSingleton<InlineProjection>(batch => ReadModelWriter.Statements(batch));
        services.AddSingleton<InlineProjection>(PlacementWriter.Statements);
        services.AddSingleton<InlineProjection>(HistoryWriter.Statements);
        services.AddSingleton<HistoryReader>();
        services.AddSingleton<EventEngine.Api.Kubernetes.KubeEvents>();
        services.AddSingleton<EventEngine.Api.Kubernetes.KubeWatch>();
        services.AddSingleton<CurrentState>();
        services.AddSingleton<TimeTravel>();
        services.AddSingleton<EngineRuntime>();
        services.AddSingleton<ILiveHead>(sp => sp.GetRequiredService<EngineRuntime>());
        services.AddSingleton<SimulatedKubelet>();
        services.AddSingleton(new LeaseOptions(TimeSpan.FromSeconds(configuration.GetValue("Engine:Leader:PollSeconds", 1.0))));
        services.AddSingleton<LeaderLease>();
        services.AddSingleton<Rebuild>();
        services.AddHostedService<EngineStartup>();
        services.AddHostedService<EngineScheduler>();
        services.AddHostedService<LeaderService>();
        services.AddHostedService(sp => sp.GetRequiredService<MemoryTrim>());
        // Observe mode with a kubeconfig records that cluster live; without one, only what is imported
        if (mode.Observes && ClusterRecorder.Options.From(configuration) is { } cluster)
        {
            services.AddSingleton(cluster);
            services.AddSingleton<ClusterRecorder>();
            services.AddHostedService(sp => sp.GetRequiredService<ClusterRecorder>());
        }
        services.AddSingleton<ClusterImport>();

        services.AddExceptionHandler<Problems.Handler>();
        AddMediator(services, typeof(EngineRuntime).Assembly, typeof(Page).Assembly, typeof(Demo.IncidentDemo).Assembly);
        return services;
    }

    /// <summary>Engine:Mode is Control (the default) or Observe, in any case; anything else stops start-up naming the key.</summary>
    private static EngineMode Mode(IConfiguration configuration) => configuration["Engine:Mode"] switch
    {
        null or "" => EngineMode.Control,
        var m when m.Equals("Control", StringComparison.OrdinalIgnoreCase) => EngineMode.Control,
        var m when m.Equals("Observe", StringComparison.OrdinalIgnoreCase) => EngineMode.Observe,
        var m => throw new InvalidOperationException($"Engine:Mode is \"{m}\": it must be Control or Observe"),
    };

    /// <summary>
    /// Engine:Clock is System (the default) or Manual, in any case; Engine:ManualClockStart, when given, a time. Anything
    /// else stops start-up naming the key: a mistyped Manual must not quietly run a scenario on the system clock.
    /// </summary>
    private static TimeProvider Clock(IConfiguration configuration)
    {
        var start = ManualClock.DefaultStart;
        if (configuration["Engine:ManualClockStart"] is { Length: > 0 } text
            && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out start))
            throw new InvalidOperationException($"Engine:ManualClockStart is \"{text}\": it must be a time, such as 2026-01-01T00:00:00Z");
        var clock = configuration["Engine:Clock"];
        if (string.IsNullOrEmpty(clock) || clock.Equals("System", StringComparison.OrdinalIgnoreCase)) return TimeProvider.System;
        if (clock.Equals("Manual", StringComparison.OrdinalIgnoreCase)) return new ManualClock(start);
        throw new InvalidOperationException($"Engine:Clock is \"{clock}\": the allowed values are System and Manual");
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
