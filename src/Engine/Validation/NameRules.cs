using System.Text.RegularExpressions;

namespace EventEngine.Validation;

/// <summary>Kubernetes' name syntax (apimachinery/pkg/util/validation): DNS names, qualified names, label values.</summary>
public static partial class NameRules
{
    public static string? DnsSubdomain(string value)
    {
        if (value.Length > 253) return "must be no more than 253 characters";
        return Subdomain().IsMatch(value) ? null
            : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    }

    public static string? DnsLabel(string value)
    {
        if (value.Length > 63) return "must be no more than 63 characters";
        return Label().IsMatch(value) ? null
            : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    }

    /// <summary>A label key or taint key: an optional DNS-subdomain prefix and a name of at most 63 characters.</summary>
    public static string? QualifiedName(string value)
    {
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                if (parts[0].Length == 0) return "prefix part must be non-empty";
                if (DnsSubdomain(parts[0]) is { } prefixError) return "prefix part " + prefixError;
                name = parts[1];
                break;
            default:
                return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/'";
        }
        if (name.Length == 0) return "name part must be non-empty";
        if (name.Length > 63) return "name part must be no more than 63 characters";
        return QualifiedNamePart().IsMatch(name) ? null
            : "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    }

    public static string? LabelValue(string value)
    {
        if (value.Length > 63) return "must be no more than 63 characters";
        return value.Length == 0 || QualifiedNamePart().IsMatch(value) ? null
            : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    }

    /// <summary>Validates a label map (keys qualified names, values label values).</summary>
    public static void Labels(IReadOnlyDictionary<string, string>? labels, string field, FieldErrors errors)
    {
        if (labels is null) return;
        foreach (var (key, value) in labels)
        {
            if (QualifiedName(key) is { } keyError) errors.Invalid(field, key, keyError);
            if (LabelValue(value) is { } valueError) errors.Invalid(field, value, valueError);
        }
    }

    /// <summary>Kubernetes' TotalAnnotationSizeLimitB: keys and values together at most 256 KiB.</summary>
    public const int AnnotationsMaxBytes = 256 * 1024;

    /// <summary>Validates an annotation map as ValidateAnnotations does: qualified-name keys, 256 KiB in all.</summary>
    public static void Annotations(IReadOnlyDictionary<string, string>? annotations, string field, FieldErrors errors)
    {
        if (annotations is null) return;
        long size = 0;
        foreach (var (key, value) in annotations)
        {
            if (QualifiedName(key) is { } keyError) errors.Invalid(field, key, keyError);
            size += System.Text.Encoding.UTF8.GetByteCount(key) + System.Text.Encoding.UTF8.GetByteCount(value);
        }
        if (size > AnnotationsMaxBytes) errors.Add(field, $"Too long: must have at most {AnnotationsMaxBytes} bytes");
    }

    /// <summary>
    /// A resource list as a node reports it (status.capacity, status.allocatable): qualified-name keys, each value a
    /// non-negative quantity (resource.ParseQuantity's syntax: a decimal number, then a binary suffix Ki..Ei, a decimal
    /// suffix n, u, m, k, M..E, or an exponent e3).
    /// </summary>
    public static void Resources(IReadOnlyDictionary<string, string>? resources, string field, FieldErrors errors)
    {
        if (resources is null) return;
        foreach (var (key, value) in resources.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (QualifiedName(key) is { } keyError) errors.Invalid(field, key, keyError);
            if (Quantity(value) is { } quantityError) errors.Invalid($"{field}[{key}]", value, quantityError);
        }
    }

    /// <summary>Why a text is not a non-negative quantity, or null when it is one.</summary>
    public static string? Quantity(string value)
    {
        if (value.Length > 64) return "must be no more than 64 characters";
        if (value.StartsWith('-') && QuantityText().IsMatch(value[1..])) return "must be greater than or equal to 0";
        return QuantityText().IsMatch(value) ? null : "must be a quantity such as \"4\", \"500m\" or \"16Gi\"";
    }

    [GeneratedRegex("^\\+?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$")]
    private static partial Regex QuantityText();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();
}
