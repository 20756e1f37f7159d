using System.Diagnostics.Metrics;
using EventEngine.Api.Http;
using EventEngine.Runtime;
using Prometheus;

namespace EventEngine.Api.Hosting;

/// <summary>
/// <c>GET /metrics</c> in Prometheus text: the engine's meter (<see cref="EngineMetrics"/>), HTTP requests by route
/// template, and prometheus-net's process and runtime figures. It needs the viewer role, as every read does.
/// </summary>
internal static class MetricsEndpoint
{
    /// <summary>
    /// prometheus-net's default meter adapter starts at the first scrape, so what happened before it would be lost, and
    /// it takes every meter with one set of buckets (10 ms and up) for all. This one starts with the server, takes the
    /// engine's meter only (.NET's own counters come through the event counter adapter), with the buckets each
    /// instrument advises, and is started once per process (the in-memory test hosts share one registry, and a second
    /// adapter would count everything twice).
    /// </summary>
    private static readonly Lazy<IDisposable> Adapter = new(() =>
    {
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressMeters = true });
        return MeterAdapter.StartListening(new MeterAdapterOptions
        {
            InstrumentFilterPredicate = instrument => instrument.Meter.Name == EngineMetrics.MeterName,
            ResolveHistogramBuckets = Buckets,
            // the adapter forgets a series not updated for this long (5 minutes unless told); the engine's tags take a few
            // values only, so keep them as long as it allows: a quiet hour must not reset what a dashboard shows
            MetricsExpireAfter = TimeSpan.FromDays(1),
        });
    });

    /// <summary>Request counts and durations labelled by route template (never the path, which names objects) and status code.</summary>
    public static WebApplication UseEngineHttpMetrics(this WebApplication app)
    {
        app.UseHttpMetrics();
        return app;
    }

    public static WebApplication MapEngineMetrics(this WebApplication app)
    {
        _ = Adapter.Value;
        app.MapMetrics()
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]), new RequiresRole(Role.Viewer))
            .ExcludeFromDescription();
        return app;
    }

    private static double[] Buckets(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds],
        Histogram<int> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds.Select(b => (double)b)],
        _ => MeterAdapterOptions.DefaultHistogramBuckets,
    };
}
