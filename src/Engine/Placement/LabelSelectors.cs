using EventEngine.Model;

namespace EventEngine.Placement;

/// <summary>Label selector matching (apimachinery labels.Selector): matchLabels AND matchExpressions.</summary>
public static class LabelSelectors
{
    /// <summary>An empty or absent selector matches nothing here: DaemonSets must select something.</summary>
    public static bool Matches(LabelSelector? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null || selector.IsEmpty) return false;
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
            if (!labels.TryGetValue(key, out var actual) || actual != value) return false;
        foreach (var r in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(r.Key ?? "", out var actual);
            var values = r.Values ?? [];
            var ok = r.Operator switch
            {
                "In" => has && values.Contains(actual!),
                "NotIn" => !has || !values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>Semantic equality of two selectors (map order and nil vs empty do not matter).</summary>
    public static bool SameSelector(LabelSelector? a, LabelSelector? b) => Canonical(a) == Canonical(b);

    private static string Canonical(LabelSelector? s)
    {
        if (s is null) return "";
        var labels = string.Join(",", (s.MatchLabels ?? new Dictionary<string, string>())
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
        var expressions = string.Join(";", (s.MatchExpressions ?? [])
            .Select(e => e.Key + " " + e.Operator + " " + string.Join(",", e.Values ?? [])));
        return labels + "|" + expressions;
    }

    /// <summary>"name=simple-daemon,type=production" for messages.</summary>
    public static string Describe(LabelSelector? s) =>
        s is null ? "<none>" : string.Join(",", (s.MatchLabels ?? new Dictionary<string, string>())
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)
            .Concat((s.MatchExpressions ?? []).Select(e => $"{e.Key} {e.Operator} ({string.Join(",", e.Values ?? [])})")));
}
