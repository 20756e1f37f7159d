using System.Text.Json.Nodes;
using EventEngine.Model;
using EventEngine.Replay;
using EventEngine.State;

namespace EventEngine.Projections.History;

/// <summary>
/// A what-if replay as the answer shows it: each step with what really happened and what the replay did, the
/// differences per DaemonSet and node, and a summary of creations, removals and evictions on both sides.
/// </summary>
public static class ReplayAnswer
{
    public static JsonObject Render(ReplayResult result, long from, long to)
    {
        var differences = result.Steps.Select(Differences).ToList();
        var steps = new JsonArray(result.Steps.Select((s, i) => (JsonNode)new JsonObject
        {
            ["seq"] = s.Seq,
            ["time"] = Json.FormatTime(s.At),
            ["request"] = s.Correlation,
            ["actor"] = s.Actor,
            ["description"] = s.Description,
            ["real"] = Changes(s.RealCreated, s.RealRemoved),
            ["replay"] = Changes(s.ReplayCreated, s.ReplayRemoved),
            ["differences"] = differences[i],
            ["notes"] = new JsonArray(s.Notes.Select(n => (JsonNode)JsonValue.Create(n)).ToArray()),
        }).ToArray());
        return new JsonObject
        {
            ["from"] = from,
            ["to"] = to,
            ["summary"] = Summary(result, differences.Count(d => d.Count > 0)),
            ["steps"] = steps,
        };
    }

    private static JsonObject Changes(IReadOnlyList<PodChange> created, IReadOnlyList<PodChange> removed) => new()
    {
        ["created"] = new JsonArray(created.Select(c => (JsonNode)new JsonObject { ["daemonSet"] = c.DaemonSet, ["node"] = c.Node, ["pod"] = c.Pod }).ToArray()),
        ["removed"] = new JsonArray(removed.Select(c => (JsonNode)new JsonObject { ["daemonSet"] = c.DaemonSet, ["node"] = c.Node, ["pod"] = c.Pod, ["reason"] = c.Reason }).ToArray()),
    };

    /// <summary>Per DaemonSet and node, what happened for real against what happened in the replay, where they differ.</summary>
    private static JsonArray Differences(ReplayStep s)
    {
        static string Describe(IEnumerable<PodChange> created, IEnumerable<PodChange> removed) =>
            string.Join(", ", removed.Select(r => $"removed ({r.Reason})").Concat(created.Select(_ => "created"))) is { Length: > 0 } d ? d : "unchanged";
        static ILookup<(string, string?), PodChange> ByPlace(IEnumerable<PodChange> changes) => changes.ToLookup(c => (c.DaemonSet, c.Node));
        var (realCreated, realRemoved) = (ByPlace(s.RealCreated), ByPlace(s.RealRemoved));
        var (replayCreated, replayRemoved) = (ByPlace(s.ReplayCreated), ByPlace(s.ReplayRemoved));
        var keys = s.RealCreated.Concat(s.RealRemoved).Concat(s.ReplayCreated).Concat(s.ReplayRemoved)
            .Select(c => (c.DaemonSet, c.Node)).Distinct().OrderBy(k => k.DaemonSet, StringComparer.Ordinal).ThenBy(k => k.Node ?? "", NaturalOrder.Instance);
        var differences = new JsonArray();
        foreach (var (ds, node) in keys)
        {
            var real = Describe(realCreated[(ds, node)], realRemoved[(ds, node)]);
            var replay = Describe(replayCreated[(ds, node)], replayRemoved[(ds, node)]);
            if (real != replay) differences.Add(new JsonObject { ["daemonSet"] = ds, ["node"] = node, ["real"] = real, ["replay"] = replay });
        }
        return differences;
    }

    private static JsonObject Summary(ReplayResult result, int stepsWithDifferences)
    {
        static bool Evicted(PodChange c) => c.Reason is Events.PodReasons.NoExecuteTaint or Events.PodReasons.TolerationExpired;
        var daemonSets = result.Steps.SelectMany(s => s.RealCreated.Concat(s.RealRemoved).Concat(s.ReplayCreated).Concat(s.ReplayRemoved))
            .Select(c => c.DaemonSet).Concat(result.RealEnd.DaemonSets.Keys).Concat(result.ReplayEnd.DaemonSets.Keys)
            .Distinct().Order(StringComparer.Ordinal).ToList();
        // every change counted in one pass: per DaemonSet, created, removed and evicted for real, then in the replay
        var counts = daemonSets.ToDictionary(ds => ds, _ => new int[6], StringComparer.Ordinal);
        void Count(IEnumerable<PodChange> changes, int at, bool removals)
        {
            foreach (var c in changes)
            {
                var of = counts[c.DaemonSet];
                of[at]++;
                if (removals && Evicted(c)) of[at + 1]++;
            }
        }
        foreach (var s in result.Steps)
        {
            Count(s.RealCreated, 0, false);
            Count(s.RealRemoved, 1, true);
            Count(s.ReplayCreated, 3, false);
            Count(s.ReplayRemoved, 4, true);
        }
        // where each DaemonSet has live pods at the end, on both sides: one DaemonSet's nodes do not depend on another's
        var ends = daemonSets.AsParallel().AsOrdered().Select(ds => (Real: LiveNodes(result.RealEnd, ds), Replay: LiveNodes(result.ReplayEnd, ds))).ToList();
        var perDaemonSet = new JsonArray();
        for (var i = 0; i < daemonSets.Count; i++)
        {
            var (ds, of, (realNodes, replayNodes)) = (daemonSets[i], counts[daemonSets[i]], ends[i]);
            perDaemonSet.Add(new JsonObject
            {
                ["daemonSet"] = ds,
                ["real"] = new JsonObject { ["created"] = of[0], ["removed"] = of[1], ["evicted"] = of[2] },
                ["replay"] = new JsonObject { ["created"] = of[3], ["removed"] = of[4], ["evicted"] = of[5] },
                ["endOnlyReal"] = StateViewHandler.Nodes(realNodes.Except(replayNodes)),
                ["endOnlyReplay"] = StateViewHandler.Nodes(replayNodes.Except(realNodes)),
            });
        }
        return new JsonObject
        {
            ["commands"] = result.Commands,
            ["stepsWithDifferences"] = stepsWithDifferences,
            ["daemonSets"] = perDaemonSet,
        };
    }

    private static List<string> LiveNodes(ClusterState s, string ds) =>
        s.DaemonSets.TryGetValue(ds, out var d) ? StateViewHandler.LiveNodes(s, d).ToList() : [];
}
