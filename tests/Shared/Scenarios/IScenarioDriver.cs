using System.Text.Json.Nodes;

namespace EventEngine.Tests.Scenarios;

/// <summary>How a scenario reaches an engine: the pure core in memory, or the HTTP API on a real database.</summary>
public interface IScenarioDriver
{
    /// <summary>A step starts: events appended from here on belong to it.</summary>
    Task BeginStepAsync();

    Task<int> ApplyAsync(JsonArray objects);
    Task<int> PatchNodeAsync(string name, JsonNode patch);
    Task<int> DeleteNodeAsync(string name);
    Task<int> PatchDaemonSetAsync(string ns, string name, JsonNode patch);
    Task<int> RollbackAsync(string ns, string name, long toRevision);
    Task<int> DeleteDaemonSetAsync(string ns, string name, string propagationPolicy);
    Task<int> ReportPodStatusAsync(string ns, string pod, string phase, bool ready, DateTimeOffset at);
    Task<int> DeletePodAsync(string ns, string pod);
    Task<int> AdvanceClockAsync(int seconds);

    /// <summary>Every pod the DaemonSet owns, in any phase.</summary>
    Task<IReadOnlyList<ScenarioPod>> PodsAsync(string ns, string name);

    Task<JsonObject?> StatusAsync(string ns, string name);
    Task<IReadOnlyList<ScenarioRevision>> RevisionsAsync(string ns, string name);

    /// <summary>The events appended since the step began.</summary>
    Task<IReadOnlyList<ScenarioEvent>> StepEventsAsync();
}

public sealed record ScenarioPod(string Namespace, string Name, string? Node, string Phase, bool Ready, bool Terminating, string? Hash)
{
    public bool IsLive => !Terminating && Phase is not ("Failed" or "Succeeded");
}

public sealed record ScenarioRevision(long Revision, string Hash, bool Current);

public sealed record ScenarioEvent(string Type, string? DaemonSet, string? Pod)
{
    /// <summary>Types compare without case and punctuation: PodCreated and pod_created.v1 are the same.</summary>
    public bool Is(string type) => Normalize(Type) == Normalize(type);

    private static string Normalize(string t)
    {
        var cut = t.IndexOf('.');
        if (cut > 0 && t[(cut + 1)..].StartsWith('v')) t = t[..cut];
        return new string(t.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
    }
}
