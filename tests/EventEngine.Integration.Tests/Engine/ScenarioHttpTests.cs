using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Tests.Scenarios;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>
/// Every scenario from Kubernetes' own tests, through the HTTP API on a fresh database, with the simulated kubelet
/// off and the manual clock, as tests/scenarios/README.md prescribes. The files are shared between two test classes,
/// which xunit runs side by side: each scenario needs a server of its own, and one class would run them in a row.
/// </summary>
public abstract class ScenarioHttpTests
{
    /// <summary>Every other scenario file, starting at <paramref name="half"/> (0 or 1).</summary>
    protected static IEnumerable<object[]> Half(int half) => Scenario.All().Where((_, i) => i % 2 == half);

    protected static async Task RunAsync(string file)
    {
        var scenario = Scenario.Load(Path.Combine(Scenario.Folder, file));
        await using var database = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(database);
        var failures = await new ScenarioRunner(new HttpDriver(api.Client)).RunAsync(scenario);
        Assert.True(failures.Count == 0, $"{scenario.Name}\n  " + string.Join("\n  ", failures));
    }
}

public sealed class ScenarioHttpTestsEven : ScenarioHttpTests
{
    public static IEnumerable<object[]> Files => Half(0);

    [Theory]
    [MemberData(nameof(Files))]
    public Task Scenario_passes_through_the_api(string file) => RunAsync(file);
}

public sealed class ScenarioHttpTestsOdd : ScenarioHttpTests
{
    public static IEnumerable<object[]> Files => Half(1);

    [Theory]
    [MemberData(nameof(Files))]
    public Task Scenario_passes_through_the_api(string file) => RunAsync(file);
}
