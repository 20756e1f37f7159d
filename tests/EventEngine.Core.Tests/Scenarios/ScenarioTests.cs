using EventEngine.Tests.Scenarios;

namespace EventEngine.Core.Tests.Scenarios;

/// <summary>Every scenario from Kubernetes' own tests, run against the pure core (fold + settle loop).</summary>
public sealed class ScenarioTests
{
    public static IEnumerable<object[]> Files => Scenario.All();

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Scenario_settles_as_Kubernetes_does(string file)
    {
        var scenario = Scenario.Load(Path.Combine(Scenario.Folder, file));
        var failures = await new ScenarioRunner(new CoreDriver()).RunAsync(scenario);
        Assert.True(failures.Count == 0, $"{scenario.Name}\n  " + string.Join("\n  ", failures));
    }
}
