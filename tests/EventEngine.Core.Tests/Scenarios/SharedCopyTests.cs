using EventEngine.Tests.Scenarios;

namespace EventEngine.Core.Tests.Scenarios;

/// <summary>tests/scenarios is a byte-identical copy of ../shared/scenarios, so a newer shared copy is noticed.</summary>
public sealed class SharedCopyTests
{
    [Fact]
    public void ScenarioCopies_MatchTheSharedFolder_WhenItIsPresent()
    {
        var shared = Path.GetFullPath(Path.Combine(Scenario.RepositoryRoot(), "..", "shared", "scenarios"));
        if (!Directory.Exists(shared)) return; // a clone on its own has only its copy
        var ours = Scenario.Folder;
        var names = Directory.GetFiles(shared).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(names, Directory.GetFiles(ours).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList());
        foreach (var name in names)
            Assert.True(File.ReadAllBytes(Path.Combine(shared, name!)).SequenceEqual(File.ReadAllBytes(Path.Combine(ours, name!))), $"{name} differs from the shared copy");
    }

    [Fact]
    public void EveryScenarioFile_IsRun() => Assert.True(Scenario.All().Count() >= 100);
}
