using System.Text;
using System.Text.Json.Nodes;

namespace EventEngine.Kubernetes;

/// <summary>One term of a field selector: field = value, or field != value (== reads as =).</summary>
public sealed record FieldRequirement(string Field, string Value, bool NotEqual)
{
    /// <summary>hasTerm / notHasTerm: a field the object does not have reads as "".</summary>
    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        var equal = (fields.GetValueOrDefault(Field) ?? "") == Value;
        return NotEqual ? !equal : equal;
    }

    /// <summary>"field=value" with \, , and = in the value escaped, as fields.Selector.String writes it.</summary>
    public override string ToString() =>
        Field + (NotEqual ? "!=" : "=") + Value.Replace("\\", @"\\").Replace(",", @"\,").Replace("=", @"\=");
}

/// <summary>
/// A field selector as the API server reads ?fieldSelector= for one kind: parsed (fields.ParseSelector), each field
/// label checked against the kind's conversion function, and matched against the field set the kind's storage
/// strategy derives from an object. Parse it with <see cref="Selectors.ParseFieldSelector"/>.
/// </summary>
public sealed class FieldMatcher
{
    internal FieldMatcher(string? kind, IReadOnlyList<FieldRequirement> requirements)
    {
        Kind = kind;
        Requirements = requirements;
    }

    /// <summary>The kind whose field labels the selector was checked against (null: not checked, fields.ParseSelector alone).</summary>
    public string? Kind { get; }

    /// <summary>In the order the parser sorts the terms.</summary>
    public IReadOnlyList<FieldRequirement> Requirements { get; }

    public bool IsEmpty => Requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> fields) => Requirements.All(r => r.Matches(fields));

    /// <summary>Matches an object of this matcher's kind, as JSON the API returns.</summary>
    public bool Matches(JsonObject obj) => IsEmpty || Matches(FieldSets.Of(Kind ?? "", obj));

    /// <summary>RequiresExactMatch: the value an = term pins the field to, so a caller can narrow its query first.</summary>
    public string? ExactValue(string field) => Requirements.FirstOrDefault(r => r.Field == field && !r.NotEqual)?.Value;

    public override string ToString() => string.Join(",", Requirements);
}

/// <summary>fields.ParseSelector followed by Transform with the kind's field label conversion, with their messages.</summary>
internal static class FieldParser
{
    private static readonly string[] Operators = ["!=", "==", "="];

    /// <summary>Parses, then converts each field label for the kind (a null kind converts nothing).</summary>
    public static FieldMatcher Parse(string text, string? kind)
    {
        var terms = new List<FieldRequirement>();
        foreach (var part in SplitTerms(text).Order(Utf8Order.Instance))
        {
            if (part.Length == 0) continue;
            if (SplitTerm(part) is not var (field, op, raw)) throw new SelectorException($"invalid selector: '{text}'; can't understand '{part}'");
            terms.Add(new FieldRequirement(field, Unescape(raw), op == "!="));
        }
        return new FieldMatcher(kind, kind is null ? terms : terms.Select(t => Convert(kind, t)).ToList());
    }

    /// <summary>The kind's field label conversion: a label it does not know is refused with its message.</summary>
    private static FieldRequirement Convert(string kind, FieldRequirement term)
    {
        if (FieldSets.Labels(kind) is not { } labels)
            return term.Field is "metadata.name" or "metadata.namespace"
                ? term
                : throw new SelectorException(LabelSyntax.GoQuote(term.Field) + " is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
        if (kind == "Pod" && term.Field == "spec.host") return term with { Field = "spec.nodeName" };
        return labels.Contains(term.Field) ? term : throw new SelectorException("field label not supported: " + term.Field);
    }

    /// <summary>Splits at commas not escaped by a backslash.</summary>
    private static List<string> SplitTerms(string text)
    {
        var terms = new List<string>();
        if (text.Length == 0) return terms;
        var start = 0;
        var escaped = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (escaped) escaped = false;
            else if (text[i] == '\\') escaped = true;
            else if (text[i] == ',')
            {
                terms.Add(text[start..i]);
                start = i + 1;
            }
        }
        terms.Add(text[start..]);
        return terms;
    }

    /// <summary>The first operator in the term, trying != then == then = at each position.</summary>
    private static (string Field, string Op, string Value)? SplitTerm(string term)
    {
        for (var i = 0; i < term.Length; i++)
            foreach (var op in Operators)
                if (string.CompareOrdinal(term, i, op, 0, op.Length) == 0)
                    return (term[..i], op, term[(i + op.Length)..]);
        return null;
    }

    /// <summary>UnescapeValue: \\ \, \= are the only escapes, and , = must be escaped.</summary>
    private static string Unescape(string value)
    {
        if (value.IndexOfAny(['\\', ',', '=']) < 0) return value;
        var text = new StringBuilder(value.Length);
        var escaped = false;
        foreach (var rune in value.EnumerateRunes())
        {
            if (escaped)
            {
                if (rune.Value is not ('\\' or ',' or '='))
                    throw new SelectorException("invalid field selector: invalid escape sequence: \\" + rune);
                text.Append(rune.ToString());
                escaped = false;
                continue;
            }
            switch (rune.Value)
            {
                case '\\':
                    escaped = true;
                    break;
                case ',' or '=':
                    // Go prints the rune with %v: its number
                    throw new SelectorException($"invalid field selector: unescaped character in value: {rune.Value}");
                default:
                    text.Append(rune.ToString());
                    break;
            }
        }
        if (escaped) throw new SelectorException("invalid field selector: invalid escape sequence: \\");
        return text.ToString();
    }

    /// <summary>Go sorts strings by their UTF-8 bytes, which is code point order.</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? "").EnumerateRunes().GetEnumerator();
            var b = (y ?? "").EnumerateRunes().GetEnumerator();
            while (true)
            {
                var hasA = a.MoveNext();
                var hasB = b.MoveNext();
                if (!hasA || !hasB) return hasA.CompareTo(hasB);
                var c = a.Current.Value.CompareTo(b.Current.Value);
                if (c != 0) return c;
            }
        }
    }
}

/// <summary>
/// The field labels each kind accepts (its conversion function in pkg/apis/core/v1) and the field set its storage
/// strategy derives from an object (ToSelectableFields), computed from the object's JSON as the API server would from
/// the decoded object: absent strings are "", absent booleans "false".
/// </summary>
public static class FieldSets
{
    private static readonly Dictionary<string, string[]> Supported = new(StringComparer.Ordinal)
    {
        ["Pod"] =
        [
            "metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
            "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName",
        ],
        ["Node"] = ["metadata.name", "spec.unschedulable"],
        ["Namespace"] = ["status.phase", "metadata.name"],
        ["Event"] =
        [
            "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
            "reportingComponent", "source", "type", "metadata.namespace", "metadata.name",
        ],
    };

    /// <summary>The field labels a kind accepts; null for kinds with only the default (metadata.name, metadata.namespace).</summary>
    public static IReadOnlyList<string>? Labels(string kind) => Supported.GetValueOrDefault(kind);

    /// <summary>The fields an object of the kind can be selected by, with their values.</summary>
    public static IReadOnlyDictionary<string, string> Of(string kind, JsonObject obj)
    {
        var set = new Dictionary<string, string>(StringComparer.Ordinal) { ["metadata.name"] = Text(obj, "metadata", "name") };
        switch (kind)
        {
            case "Node":
                set["spec.unschedulable"] = Bool(obj, "spec", "unschedulable");
                return set;
            case "Namespace":
                set["status.phase"] = Text(obj, "status", "phase");
                return set;
        }
        set["metadata.namespace"] = Text(obj, "metadata", "namespace");
        switch (kind)
        {
            case "Pod":
                set["spec.nodeName"] = Text(obj, "spec", "nodeName");
                set["spec.restartPolicy"] = Text(obj, "spec", "restartPolicy");
                set["spec.schedulerName"] = Text(obj, "spec", "schedulerName");
                set["spec.serviceAccountName"] = Text(obj, "spec", "serviceAccountName");
                set["spec.hostNetwork"] = Bool(obj, "spec", "hostNetwork");
                set["status.phase"] = Text(obj, "status", "phase");
                set["status.podIP"] = PodIP(obj);
                set["status.nominatedNodeName"] = Text(obj, "status", "nominatedNodeName");
                break;
            case "Event":
                foreach (var field in new[] { "kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath" })
                    set["involvedObject." + field] = Text(obj, "involvedObject", field);
                set["reason"] = Text(obj, "reason");
                set["reportingComponent"] = Text(obj, "reportingComponent");
                var source = Text(obj, "source", "component");
                set["source"] = source.Length > 0 ? source : Text(obj, "reportingComponent");
                set["type"] = Text(obj, "type");
                break;
        }
        return set;
    }

    /// <summary>
    /// The pod's first IP after v1-to-internal conversion: status.podIP when set (it wins over podIPs), else the
    /// first of status.podIPs.
    /// </summary>
    public static string PodIP(JsonObject pod)
    {
        var ip = Text(pod, "status", "podIP");
        if (ip.Length > 0) return ip;
        return pod["status"]?["podIPs"] is JsonArray { Count: > 0 } ips ? Text(ips[0], "ip") : "";
    }

    private static string Text(JsonNode? node, params string[] path)
    {
        foreach (var step in path) node = node is JsonObject o ? o[step] : null;
        return node is JsonValue v && v.TryGetValue<string>(out var text) ? text : "";
    }

    private static string Bool(JsonNode? node, params string[] path)
    {
        foreach (var step in path) node = node is JsonObject o ? o[step] : null;
        return node is JsonValue v && v.TryGetValue<bool>(out var b) && b ? "true" : "false";
    }
}
