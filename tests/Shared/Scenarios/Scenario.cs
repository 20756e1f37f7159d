using System.Text.Json.Nodes;
using EventEngine.Model;

namespace EventEngine.Tests.Scenarios;

/// <summary>One scenario file of tests/scenarios: a name, its source test, and steps (maps with exactly one key).</summary>
public sealed record Scenario(string File, string Name, string Source, IReadOnlyList<(string Kind, JsonNode? Body)> Steps)
{
    public static Scenario Load(string path)
    {
        var doc = Yaml.ToJson(System.IO.File.ReadAllText(path)).Single()!.AsObject();
        var steps = doc["steps"]!.AsArray().Select(step =>
        {
            var map = step!.AsObject();
            if (map.Count != 1) throw new InvalidOperationException($"{path}: a step must have exactly one key");
            var (kind, body) = map.First();
            return (kind, body);
        }).ToList();
        return new Scenario(Path.GetFileName(path), (string)doc["name"]!, (string?)doc["source"] ?? "", steps);
    }

    /// <summary>The repository root (the folder holding EventEngine.sln), found from the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "EventEngine.sln"))) return dir.FullName;
        throw new InvalidOperationException("EventEngine.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Folder => Path.Combine(RepositoryRoot(), "tests", "scenarios");

    /// <summary>Every scenario file name, for [MemberData].</summary>
    public static IEnumerable<object[]> All() =>
        Directory.GetFiles(Folder, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(f => new object[] { f! });
}
