using System.Globalization;
using System.Text;

namespace EventEngine.Kubernetes;

/// <summary>
/// Label keys and values as apimachinery validates them (IsQualifiedName, IsValidLabelValue), with its own messages
/// word for word, because a client shows them to the user as the API server's answer. Lengths count UTF-8 bytes, as
/// Go's len does; the character classes are ASCII only, as Go's regexps are here.
/// </summary>
internal static class LabelSyntax
{
    private const string QualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string QualifiedNameMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string LabelValueFormat = "(" + QualifiedNameFormat + ")?";
    private const string LabelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string SubdomainFormat = @"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
    private const string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

    public const int NameMaxLength = 63;
    public const int SubdomainMaxLength = 253;

    /// <summary>IsQualifiedName: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters.</summary>
    public static List<string> QualifiedNameErrors(string value)
    {
        var errors = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                var prefix = parts[0];
                name = parts[1];
                if (prefix.Length == 0) errors.Add("prefix part must be non-empty");
                else errors.AddRange(SubdomainErrors(prefix).Select(e => "prefix part " + e));
                break;
            default:
                errors.Add("a qualified name " + RegexError(QualifiedNameMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc")
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errors;
        }
        if (name.Length == 0) errors.Add("name part must be non-empty");
        else if (Utf8Length(name) > NameMaxLength) errors.Add("name part " + MaxLengthError(NameMaxLength));
        if (!IsQualifiedNamePart(name))
            errors.Add("name part " + RegexError(QualifiedNameMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc"));
        return errors;
    }

    /// <summary>IsValidLabelValue: empty, or a qualified name part of at most 63 characters.</summary>
    public static List<string> LabelValueErrors(string value)
    {
        var errors = new List<string>();
        if (Utf8Length(value) > NameMaxLength) errors.Add(MaxLengthError(NameMaxLength));
        if (value.Length > 0 && !IsQualifiedNamePart(value))
            errors.Add(RegexError(LabelValueMessage, LabelValueFormat, "MyValue", "my_value", "12345"));
        return errors;
    }

    /// <summary>IsDNS1123Subdomain.</summary>
    public static List<string> SubdomainErrors(string value)
    {
        var errors = new List<string>();
        if (Utf8Length(value) > SubdomainMaxLength) errors.Add(MaxLengthError(SubdomainMaxLength));
        if (!IsSubdomain(value)) errors.Add(RegexError(SubdomainMessage, SubdomainFormat, "example.com"));
        return errors;
    }

    /// <summary>field.Invalid(path, value, detail).Error(): "path: Invalid value: "value": detail"; a nil path prints as &lt;nil&gt;.</summary>
    public static string Invalid(string? path, string value, string detail) =>
        $"{path ?? "<nil>"}: Invalid value: {GoQuote(value)}" + (detail.Length > 0 ? ": " + detail : "");

    /// <summary>An aggregate of errors as utilerrors prints it: one alone, several (duplicates dropped) in brackets.</summary>
    public static string Aggregate(IReadOnlyList<string> errors)
    {
        var distinct = errors.Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
    }

    /// <summary>validation.RegexError: the message, its examples, and the regex.</summary>
    private static string RegexError(string message, string format, params string[] examples)
    {
        var text = new StringBuilder(message).Append(" (e.g. ");
        for (var i = 0; i < examples.Length; i++)
        {
            if (i > 0) text.Append(" or ");
            text.Append('\'').Append(examples[i]).Append("', ");
        }
        return text.Append("regex used for validation is '").Append(format).Append("')").ToString();
    }

    private static string MaxLengthError(int length) => $"must be no more than {length} characters";

    private static int Utf8Length(string value) => Encoding.UTF8.GetByteCount(value);

    private static bool IsAlphanumeric(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9';

    private static bool IsLowerAlphanumeric(char c) => c is >= 'a' and <= 'z' or >= '0' and <= '9';

    /// <summary>^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$</summary>
    private static bool IsQualifiedNamePart(string s) =>
        s.Length > 0 && IsAlphanumeric(s[0]) && IsAlphanumeric(s[^1]) && s.All(c => IsAlphanumeric(c) || c is '-' or '_' or '.');

    /// <summary>^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$: dot-separated lowercase labels.</summary>
    private static bool IsSubdomain(string s) =>
        s.Split('.').All(label => label.Length > 0 && IsLowerAlphanumeric(label[0]) && IsLowerAlphanumeric(label[^1])
            && label.All(c => IsLowerAlphanumeric(c) || c == '-'));

    /// <summary>Go's %q of a string: double quotes, backslash escapes, printable characters as they are.</summary>
    public static string GoQuote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\a': text.Append("\\a"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\v': text.Append("\\v"); break;
                default:
                    if (rune.Value < 0x20 || rune.Value == 0x7F) text.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}");
                    else if (Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
                             or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse)
                        text.Append(rune.Value > 0xFFFF
                            ? string.Create(CultureInfo.InvariantCulture, $"\\U{rune.Value:x8}")
                            : string.Create(CultureInfo.InvariantCulture, $"\\u{rune.Value:x4}"));
                    else text.Append(rune.ToString());
                    break;
            }
        }
        return text.Append('"').ToString();
    }
}
