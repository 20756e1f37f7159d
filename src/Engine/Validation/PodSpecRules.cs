using System.Globalization;
using EventEngine.Model;

namespace EventEngine.Validation;

/// <summary>The pod spec rules that matter for DaemonSets: containers, restart policy, node affinity, tolerations.</summary>
public static class PodSpecRules
{
    private static readonly string[] TaintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    public static void Validate(PodSpecView spec, string path, FieldErrors errors)
    {
        ValidateContainers(spec.Containers, path + ".containers", errors);
        if (spec.NodeName is { Length: > 0 } nodeName && NameRules.DnsSubdomain(nodeName) is { } nodeNameError)
            errors.Invalid(path + ".nodeName", nodeName, nodeNameError);
        NameRules.Labels(spec.NodeSelector, path + ".nodeSelector", errors);
        if (spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution is { } required)
            ValidateNodeSelector(required, path + ".affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution", errors);
        ValidateTolerations(spec.Tolerations, path + ".tolerations", errors);
    }

    private static void ValidateContainers(IReadOnlyList<ContainerView>? containers, string path, FieldErrors errors)
    {
        if (containers is null || containers.Count == 0)
        {
            errors.Required(path);
            return;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            var at = $"{path}[{i}]";
            if (string.IsNullOrEmpty(c.Name)) errors.Required(at + ".name");
            else if (NameRules.DnsLabel(c.Name) is { } nameError) errors.Invalid(at + ".name", c.Name, nameError);
            else if (!names.Add(c.Name)) errors.Add(at + ".name", $"Duplicate value: \"{c.Name}\"");
            if (string.IsNullOrWhiteSpace(c.Image)) errors.Required(at + ".image");
        }
    }

    /// <summary>ValidateNodeSelector: at least one term; each requirement well formed (parse errors are refused up front).</summary>
    public static void ValidateNodeSelector(NodeSelector selector, string path, FieldErrors errors)
    {
        var terms = selector.NodeSelectorTerms;
        if (terms is null || terms.Count == 0)
        {
            errors.Required(path + ".nodeSelectorTerms", "must have at least one node selector term");
            return;
        }
        for (var t = 0; t < terms.Count; t++)
        {
            var termPath = $"{path}.nodeSelectorTerms[{t}]";
            var expressions = terms[t].MatchExpressions ?? [];
            for (var i = 0; i < expressions.Count; i++)
                ValidateExpression(expressions[i], $"{termPath}.matchExpressions[{i}]", errors);
            var fields = terms[t].MatchFields ?? [];
            for (var i = 0; i < fields.Count; i++)
                ValidateField(fields[i], $"{termPath}.matchFields[{i}]", errors);
        }
    }

    private static void ValidateExpression(NodeSelectorRequirement r, string path, FieldErrors errors)
    {
        var values = r.Values ?? [];
        switch (r.Operator)
        {
            case "In" or "NotIn":
                if (values.Count == 0) errors.Required(path + ".values", "must be specified when `operator` is 'In' or 'NotIn'");
                break;
            case "Exists" or "DoesNotExist":
                if (values.Count > 0) errors.Forbidden(path + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                break;
            case "Gt" or "Lt":
                if (values.Count != 1) errors.Required(path + ".values", "must be specified single value when `operator` is 'Lt' or 'Gt'");
                else if (!long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                    errors.Invalid(path + ".values[0]", values[0], "must be an integer");
                break;
            default:
                errors.NotSupported(path + ".operator", r.Operator, "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt");
                break;
        }
        if (string.IsNullOrEmpty(r.Key)) errors.Required(path + ".key");
        else if (NameRules.QualifiedName(r.Key) is { } keyError) errors.Invalid(path + ".key", r.Key, keyError);
        if (r.Operator is "In" or "NotIn")
            for (var i = 0; i < values.Count; i++)
                if (NameRules.LabelValue(values[i]) is { } valueError) errors.Invalid($"{path}.values[{i}]", values[i], valueError);
    }

    private static void ValidateField(NodeSelectorRequirement r, string path, FieldErrors errors)
    {
        if (r.Key != "metadata.name") errors.NotSupported(path + ".key", r.Key, "metadata.name");
        if (r.Operator is not ("In" or "NotIn")) errors.NotSupported(path + ".operator", r.Operator, "In", "NotIn");
        else if ((r.Values?.Count ?? 0) != 1) errors.Required(path + ".values", "must be only one value when `operator` is 'In' or 'NotIn' for node field selector");
        else if (NameRules.DnsSubdomain(r.Values![0]) is { } nameError) errors.Invalid(path + ".values[0]", r.Values[0], nameError);
    }

    public static void ValidateTolerations(IReadOnlyList<Toleration>? tolerations, string path, FieldErrors errors)
    {
        if (tolerations is null) return;
        for (var i = 0; i < tolerations.Count; i++)
        {
            var t = tolerations[i];
            var at = $"{path}[{i}]";
            if (!string.IsNullOrEmpty(t.Key) && NameRules.QualifiedName(t.Key) is { } keyError) errors.Invalid(at + ".key", t.Key, keyError);
            if (string.IsNullOrEmpty(t.Key) && t.Operator != "Exists")
                errors.Invalid(at + ".operator", t.Operator ?? "", "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
            if (t.TolerationSeconds is not null && t.Effect != "NoExecute")
                errors.Invalid(at + ".effect", t.Effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set");
            switch (t.Operator)
            {
                case null or "" or "Equal":
                    if (t.Value is { Length: > 0 } v && NameRules.LabelValue(v) is { } valueError) errors.Invalid(at + ".value", v, valueError);
                    break;
                case "Exists":
                    if (!string.IsNullOrEmpty(t.Value)) errors.Invalid(at + ".operator", t.Value, "value must be empty when `operator` is 'Exists'");
                    break;
                default:
                    // Gt and Lt exist only behind an alpha feature gate, off by default.
                    errors.NotSupported(at + ".operator", t.Operator, "Equal", "Exists");
                    break;
            }
            if (!string.IsNullOrEmpty(t.Effect) && !TaintEffects.Contains(t.Effect))
                errors.NotSupported(at + ".effect", t.Effect, TaintEffects);
        }
    }

    public static void ValidateTaints(IReadOnlyList<Taint>? taints, string path, FieldErrors errors)
    {
        if (taints is null) return;
        var seen = new HashSet<(string?, string?)>();
        for (var i = 0; i < taints.Count; i++)
        {
            var t = taints[i];
            var at = $"{path}[{i}]";
            if (string.IsNullOrEmpty(t.Key)) errors.Required(at + ".key");
            else if (NameRules.QualifiedName(t.Key) is { } keyError) errors.Invalid(at + ".key", t.Key, keyError);
            // Integers are accepted too (taint values compared numerically, e.g. -200), as newer releases do.
            if (t.Value is { Length: > 0 } v && !long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                && NameRules.LabelValue(v) is { } valueError) errors.Invalid(at + ".value", v, valueError);
            if (string.IsNullOrEmpty(t.Effect)) errors.Required(at + ".effect");
            else if (!TaintEffects.Contains(t.Effect)) errors.NotSupported(at + ".effect", t.Effect, TaintEffects);
            if (!seen.Add((t.Key, t.Effect)))
                errors.Add(at, $"Duplicate value: taints must be unique by key and effect pair ({t.Key}:{t.Effect})");
        }
    }
}
