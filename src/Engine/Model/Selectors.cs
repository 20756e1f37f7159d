namespace EventEngine.Model;

/// <summary>A label selector (matchLabels AND matchExpressions), as in a DaemonSet's spec.selector.</summary>
public sealed record LabelSelector
{
    public IReadOnlyDictionary<string, string>? MatchLabels { get; init; }
    public IReadOnlyList<LabelSelectorRequirement>? MatchExpressions { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => (MatchLabels?.Count ?? 0) == 0 && (MatchExpressions?.Count ?? 0) == 0;
}

/// <summary>One matchExpressions entry of a label selector (In, NotIn, Exists, DoesNotExist).</summary>
public sealed record LabelSelectorRequirement
{
    public string? Key { get; init; }
    public string? Operator { get; init; }
    public IReadOnlyList<string>? Values { get; init; }
}

/// <summary>A node selector: its terms are ORed.</summary>
public sealed record NodeSelector
{
    public IReadOnlyList<NodeSelectorTerm>? NodeSelectorTerms { get; init; }
}

/// <summary>One node selector term: its expressions and fields are ANDed.</summary>
public sealed record NodeSelectorTerm
{
    public IReadOnlyList<NodeSelectorRequirement>? MatchExpressions { get; init; }
    public IReadOnlyList<NodeSelectorRequirement>? MatchFields { get; init; }
}

/// <summary>A requirement on a node label or field (In, NotIn, Exists, DoesNotExist, Gt, Lt).</summary>
public sealed record NodeSelectorRequirement
{
    public string? Key { get; init; }
    public string? Operator { get; init; }
    public IReadOnlyList<string>? Values { get; init; }
}

/// <summary>The scheduling part of a pod's affinity that the engine reads (node affinity).</summary>
public sealed record Affinity
{
    public NodeAffinity? NodeAffinity { get; init; }
}

/// <summary>Node affinity: only the required terms decide DaemonSet placement.</summary>
public sealed record NodeAffinity
{
    public NodeSelector? RequiredDuringSchedulingIgnoredDuringExecution { get; init; }
}

/// <summary>A pod's toleration of node taints.</summary>
public sealed record Toleration
{
    public string? Key { get; init; }
    public string? Operator { get; init; }
    public string? Value { get; init; }
    public string? Effect { get; init; }
    public long? TolerationSeconds { get; init; }

    public override string ToString()
    {
        var key = string.IsNullOrEmpty(Key) ? "*" : Key;
        var op = Operator is "Exists" ? "" : "=" + Value;
        var effect = string.IsNullOrEmpty(Effect) ? "" : ":" + Effect;
        var seconds = TolerationSeconds is { } s ? $" for {s}s" : "";
        return key + op + effect + seconds;
    }
}
