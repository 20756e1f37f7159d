using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Tests.Scenarios;

namespace EventEngine.Integration.Tests.Engine;

/// <summary>
/// Every scenario from Kubernetes' own tests, through the HTTP API on a fresh database, with the simulated kubelet
/// off and the manual clock, as tests/scenarios/README.md prescribes.
/// </summary>
public sealed class ScenarioHttpTests
{
    public static IEnumerable<object[]> Files => Scenario.All();

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Scenario_passes_through_the_api(string file)
    {
        var scenario = Scenario.Load(Path.Combine(Scenario.Folder, file));
        await using var database = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(database);
        var failures = await new ScenarioRunner(new HttpDriver(api.Client)).RunAsync(scenario);
        Assert.True(failures.Count == 0, $"{scenario.Name}\n  " + string.Join("\n  ", failures));
    }
}
