using System.Diagnostics;
using System.Diagnostics.Metrics;
using EventEngine.Decisions;
using EventEngine.Runtime;
using EventEngine.State;

namespace EventEngine.Core.Tests.Runtime;

/// <summary>
/// The engine's instruments as any listener sees them: how a command's answer becomes its outcome, an answer that
/// comes after its caller stopped waiting, time travel by shape, and lag per projection. No other class of this
/// assembly records on the engine's meter, so what the listener hears is what the test did.
/// </summary>
public sealed class EngineMetricsTests : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _heard = [];

    public EngineMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EngineMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Hear(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Hear(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Hear(instrument, value, tags));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    public static TheoryData<string, string> Answers => new() { { "ok", "ok" }, { "refused", "refused" }, { "thrown", "failed" } };

    [Theory]
    [MemberData(nameof(Answers))]
    public void ACommandsOutcome_IsOk_Refused_OrFailed(string answer, string outcome)
    {
        var task = answer switch
        {
            "ok" => Task.FromResult(Outcome(null)),
            "refused" => Task.FromResult(Outcome(Failure.NotFound("node nowhere"))),
            _ => Task.FromException<CommandOutcome>(new InvalidOperationException("the database went away")),
        };

        EngineMetrics.CommandAnswered(task, tick: false, Stopwatch.GetTimestamp());

        var (_, seconds, tags) = Assert.Single(Heard("command_duration_seconds"));
        Assert.Equal((outcome, "command"), (tags["outcome"], tags["kind"]));
        Assert.True(seconds >= 0);
    }

    [Fact]
    public void AnAnswerAfterTheCallerStoppedWaiting_IsCountedWhenItComes()
    {
        var answer = new TaskCompletionSource<CommandOutcome>();

        EngineMetrics.CommandAnswered(answer.Task, tick: true, Stopwatch.GetTimestamp());
        Assert.Empty(Heard("command_duration_seconds"));

        answer.SetResult(Outcome(null));
        var (_, _, tags) = Assert.Single(Heard("command_duration_seconds"));
        Assert.Equal(("ok", "tick"), (tags["outcome"], tags["kind"]));
    }

    [Fact]
    public void TimeTravel_IsTimedUnderItsShape_WhenTheTimerIsDisposed()
    {
        using (EngineMetrics.TimeTravel("explain"))
            Assert.Empty(Heard("time_travel_duration_seconds"));

        var (_, seconds, tags) = Assert.Single(Heard("time_travel_duration_seconds"));
        Assert.Equal("explain", tags["shape"]);
        Assert.True(seconds >= 0);
    }

    [Fact]
    public void Lag_IsReportedPerProjection_UntilItsRegistrationIsDisposed()
    {
        var alpha = EngineMetrics.ObserveLag("alpha", () => 7);
        var beta = EngineMetrics.ObserveLag("beta", () => 3);
        Assert.Equal(new Dictionary<string, double> { ["alpha"] = 7, ["beta"] = 3 }, Lags());

        alpha.Dispose();
        Assert.Equal(new Dictionary<string, double> { ["beta"] = 3 }, Lags());

        // a projection registering again replaces its report; disposing the old registration leaves the new one
        using var again = EngineMetrics.ObserveLag("beta", () => 5);
        beta.Dispose();
        Assert.Equal(new Dictionary<string, double> { ["beta"] = 5 }, Lags());
    }

    private Dictionary<string, double> Lags()
    {
        lock (_heard) _heard.Clear();
        _listener.RecordObservableInstruments();
        return Heard("projection_lag_events").ToDictionary(m => (string)m.Tags["projection"]!, m => m.Value);
    }

    private static CommandOutcome Outcome(Failure? failure) => new(failure, ClusterState.Empty, [], null, Streams.Empty);

    private List<(string Instrument, double Value, Dictionary<string, object?> Tags)> Heard(string instrument)
    {
        lock (_heard) return _heard.Where(m => m.Instrument == instrument).ToList();
    }

    private void Hear(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copied = new Dictionary<string, object?>();
        foreach (var (key, tagValue) in tags) copied[key] = tagValue;
        lock (_heard) _heard.Add((instrument.Name, value, copied));
    }
}
