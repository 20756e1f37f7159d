using System.Globalization;
using EventEngine.Model;
using EventEngine.Validation;

namespace EventEngine.Placement;

/// <summary>
/// Required node affinity compiled once per template (nodeaffinity.LazyErrorNodeSelector): terms are ORed,
/// a term's expressions and fields ANDed, and a term that fails to parse matches no node.
/// </summary>
public sealed class NodeAffinityMatch
{
    private readonly CompiledTerm[] _terms;

    private NodeAffinityMatch(NodeSelector source, CompiledTerm[] terms)
    {
        Source = source;
        _terms = terms;
    }

    public NodeSelector Source { get; }
    public IReadOnlyList<CompiledTerm> Terms => _terms;

    public static NodeAffinityMatch Compile(NodeSelector selector) =>
        new(selector, (selector.NodeSelectorTerms ?? []).Select(CompiledTerm.Compile).ToArray());

    /// <summary>Nil or empty terms match nothing; otherwise any term may match.</summary>
    public bool Matches(string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var term in _terms)
            if (term.Matches(nodeName, labels)) return true;
        return false;
    }
}

/// <summary>One node selector term, parsed; <see cref="ParseError"/> is set when it can never match.</summary>
public sealed class CompiledTerm
{
    private readonly Requirement[] _expressions;
    private readonly Requirement[] _fields;

    private CompiledTerm(NodeSelectorTerm source, Requirement[] expressions, Requirement[] fields, string? parseError)
    {
        Source = source;
        _expressions = expressions;
        _fields = fields;
        ParseError = parseError;
    }

    public NodeSelectorTerm Source { get; }
    public string? ParseError { get; }

    public static CompiledTerm Compile(NodeSelectorTerm term)
    {
        var expressions = (term.MatchExpressions ?? []).Select(r => Requirement.Parse(r, field: false)).ToArray();
        var fields = (term.MatchFields ?? []).Select(r => Requirement.Parse(r, field: true)).ToArray();
        var error = expressions.Concat(fields).Select(r => r.Error).FirstOrDefault(e => e is not null);
        if (expressions.Length == 0 && fields.Length == 0) error ??= "a term with neither matchExpressions nor matchFields matches no node";
        return new CompiledTerm(term, expressions, fields, error);
    }

    public bool Matches(string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        if (ParseError is not null) return false;
        foreach (var r in _expressions)
            if (!r.MatchesLabels(labels)) return false;
        foreach (var r in _fields)
            if (!r.MatchesName(nodeName)) return false;
        return true;
    }

    /// <summary>Each requirement's outcome on this node, for explanations (a term that cannot parse says so once).</summary>
    public IReadOnlyList<RequirementResult> Explain(string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        if (ParseError is not null) return [new RequirementResult(ToString(), false, ParseError)];
        var results = new List<RequirementResult>(_expressions.Length + _fields.Length);
        foreach (var r in _expressions)
        {
            var ok = r.MatchesLabels(labels);
            var node = labels.TryGetValue(r.Key, out var v) ? $"{r.Key}={v}" : $"no label {r.Key}";
            results.Add(new RequirementResult(r.ToString(), ok, $"{r} is {(ok ? "" : "not ")}satisfied ({node})"));
        }
        foreach (var r in _fields)
        {
            var ok = r.MatchesName(nodeName);
            results.Add(new RequirementResult(r.ToString(), ok, $"{r} is {(ok ? "" : "not ")}satisfied (metadata.name={nodeName})"));
        }
        return results;
    }

    public override string ToString() => string.Join(" AND ", _expressions.Concat(_fields).Select(r => r.ToString()));

    /// <summary>A parsed requirement (labels.NewRequirement semantics, including its parse errors).</summary>
    private sealed class Requirement
    {
        private Requirement(string key, string op, string[] values, long number, string? error)
        {
            Key = key;
            Operator = op;
            Values = values;
            Number = number;
            Error = error;
        }

        public string Key { get; }
        public string Operator { get; }
        public string[] Values { get; }
        public long Number { get; }
        public string? Error { get; }

        public static Requirement Parse(NodeSelectorRequirement r, bool field)
        {
            var key = r.Key ?? "";
            var op = r.Operator ?? "";
            var values = (r.Values ?? []).ToArray();
            string? error = null;
            long number = 0;
            if (field)
            {
                if (key != "metadata.name") error = $"unsupported field key {key}";
                else if (op is not ("In" or "NotIn")) error = $"unsupported field operator {op}";
                else if (values.Length != 1) error = "field requirements need exactly one value";
            }
            else
            {
                if (NameRules.QualifiedName(key) is { } keyError) error = $"invalid label key \"{key}\": {keyError}";
                else if (op is "In" or "NotIn" && (values.Length == 0 || values.Any(v => NameRules.LabelValue(v) is not null)))
                    error = $"{op} needs one or more valid label values";
                else if (op is "Exists" or "DoesNotExist" && values.Length > 0) error = $"{op} takes no values";
                else if (op is "Gt" or "Lt" && (values.Length != 1
                             || !long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number)))
                    error = $"{op} needs exactly one integer value";
                else if (op is not ("In" or "NotIn" or "Exists" or "DoesNotExist" or "Gt" or "Lt")) error = $"unknown operator {op}";
            }
            return new Requirement(key, op, values, number, error);
        }

        public bool MatchesLabels(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var value);
            return Operator switch
            {
                "In" => has && Array.IndexOf(Values, value) >= 0,
                "NotIn" => !has || Array.IndexOf(Values, value) < 0,
                "Exists" => has,
                "DoesNotExist" => !has,
                "Gt" => has && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n > Number,
                "Lt" => has && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var m) && m < Number,
                _ => false,
            };
        }

        public bool MatchesName(string nodeName) => Operator switch
        {
            "In" => Values[0] == nodeName,
            "NotIn" => Values[0] != nodeName,
            _ => false,
        };

        public override string ToString() => Operator switch
        {
            "Exists" or "DoesNotExist" => $"{Key} {Operator}",
            _ => $"{Key} {Operator} [{string.Join(", ", Values)}]",
        };
    }
}
