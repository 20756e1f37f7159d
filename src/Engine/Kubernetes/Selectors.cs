using System.Text.Json.Nodes;

namespace EventEngine.Kubernetes;

/// <summary>A selector the API server would refuse; the message is its own, for a 400 BadRequest Status.</summary>
public sealed class SelectorException(string message) : Exception(message);

/// <summary>
/// Label and field selectors in Kubernetes' string syntax (?labelSelector=, ?fieldSelector=), parsed and evaluated as
/// apimachinery's labels.Parse and fields.ParseSelector are on the API server, and the label selector formatting
/// kubectl shows (metav1.FormatLabelSelector, labels.FormatLabels).
/// </summary>
public static class Selectors
{
    /// <summary>labels.Parse: "k=v", "k==v", "k!=v", "k", "!k", "k in (a,b)", "k notin (a)", "k&gt;1", comma-separated.</summary>
    /// <exception cref="SelectorException">the selector does not parse or names an invalid key or value.</exception>
    public static LabelMatcher ParseLabelSelector(string? selector) =>
        string.IsNullOrEmpty(selector) ? LabelMatcher.Everything : LabelParser.Parse(selector);

    /// <summary>fields.ParseSelector for a kind ("Pod", "Node", "Event", "Namespace", "DaemonSet", ...): "f=v", "f==v", "f!=v", comma-separated.</summary>
    /// <exception cref="SelectorException">the selector does not parse or names a field the kind cannot be selected by.</exception>
    public static FieldMatcher ParseFieldSelector(string? selector, string kind) =>
        FieldParser.Parse(selector ?? "", kind);

    /// <summary>
    /// metav1.LabelSelectorAsSelector over a selector's JSON (matchLabels, matchExpressions): null selects nothing,
    /// an empty one everything.
    /// </summary>
    /// <exception cref="SelectorException">an operator, key or value Kubernetes would refuse.</exception>
    public static LabelMatcher FromLabelSelector(JsonNode? selector)
    {
        if (selector is not JsonObject s) return LabelMatcher.Nothing;
        var requirements = new List<LabelRequirement>();
        if (s["matchLabels"] is JsonObject labels)
            foreach (var (key, value) in labels)
                requirements.Add(Checked(key, LabelOperator.Equals, [Text(value)]));
        if (s["matchExpressions"] is JsonArray expressions)
            foreach (var e in expressions.OfType<JsonObject>())
            {
                var op = Text(e["operator"]) switch
                {
                    "In" => LabelOperator.In,
                    "NotIn" => LabelOperator.NotIn,
                    "Exists" => LabelOperator.Exists,
                    "DoesNotExist" => LabelOperator.DoesNotExist,
                    var other => throw new SelectorException($"\"{other}\" is not a valid label selector operator"),
                };
                var values = e["values"] is JsonArray list ? list.Select(Text).ToList() : [];
                requirements.Add(Checked(Text(e["key"]), op, values));
            }
        return new LabelMatcher(requirements.OrderBy(r => r.Key, StringComparer.Ordinal).ToList());
    }

    /// <summary>metav1.FormatLabelSelector: "app=agent,tier in (a,b)", "&lt;none&gt;" when empty or absent, "&lt;error&gt;" when invalid.</summary>
    public static string FormatLabelSelector(JsonNode? selector)
    {
        try
        {
            var text = FromLabelSelector(selector).ToString();
            return text.Length == 0 ? "<none>" : text;
        }
        catch (SelectorException)
        {
            return "<error>";
        }
    }

    /// <summary>labels.FormatLabels: "k=v" pairs sorted and comma-joined, "&lt;none&gt;" when there are none.</summary>
    public static string FormatLabels(IEnumerable<KeyValuePair<string, string>>? labels)
    {
        var pairs = (labels ?? []).Select(p => p.Key + "=" + p.Value).Order(StringComparer.Ordinal).ToList();
        return pairs.Count == 0 ? "<none>" : string.Join(",", pairs);
    }

    private static LabelRequirement Checked(string key, LabelOperator op, List<string> values) =>
        LabelRequirement.Validate(key, op, values) is { } error ? throw new SelectorException(error) : new LabelRequirement(key, op, values);

    private static string Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
}
