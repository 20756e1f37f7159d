using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace EventEngine.Model;

/// <summary>
/// JSON as Go's encoding/json writes a value decoded into maps (what the DaemonSet controller stores as a
/// ControllerRevision's data, and what kubectl computes to compare a revision with a DaemonSet's template): compact,
/// object keys sorted bytewise, numbers as float64 prints them, and strings escaped as Go escapes them (&lt;, &gt; and
/// &amp; as \u003c, \u003e and \u0026; U+2028 and U+2029; control characters, with the short forms it has).
/// </summary>
public static class GoJson
{
    public static string Write(JsonElement value)
    {
        var text = new StringBuilder();
        Append(text, value);
        return text.ToString();
    }

    private static void Append(StringBuilder text, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var first = true;
                foreach (var property in value.EnumerateObject().OrderBy(p => p.Name, Utf8Order.Instance))
                {
                    if (!first) text.Append(',');
                    first = false;
                    AppendString(text, property.Name);
                    text.Append(':');
                    Append(text, property.Value);
                }
                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (index++ > 0) text.Append(',');
                    Append(text, item);
                }
                text.Append(']');
                break;
            case JsonValueKind.String:
                AppendString(text, value.GetString()!);
                break;
            case JsonValueKind.Number:
                // a number no float64 holds (1e400) Go would not have decoded: written as it is
                text.Append(value.TryGetDouble(out var number) && double.IsFinite(number) ? Number(number) : value.GetRawText());
                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            default:
                text.Append("null");
                break;
        }
    }

    /// <summary>
    /// A number decoded as float64 and written again (strconv.AppendFloat with the shortest digits): fixed notation from
    /// 1e-6 up to 1e21, else the exponent form, whose negative exponent keeps no leading zero (1e-7, 1.5e+21).
    /// </summary>
    public static string Number(double value)
    {
        if (value == 0) return double.IsNegative(value) ? "-0" : "0";
        var (negative, digits, point) = Shortest(value);
        var abs = Math.Abs(value);
        var text = new StringBuilder(negative ? "-" : "");
        if (abs < 1e-6 || abs >= 1e21)
        {
            text.Append(digits[0]);
            if (digits.Length > 1) text.Append('.').Append(digits, 1, digits.Length - 1);
            var exponent = point - 1;
            text.Append(exponent < 0 ? "e-" : "e+");
            // Go writes at least two digits, then drops a negative exponent's leading zero
            text.Append(exponent < 0 ? (-exponent).ToString(CultureInfo.InvariantCulture) : exponent.ToString("00", CultureInfo.InvariantCulture));
        }
        else if (point <= 0) text.Append("0.").Append('0', -point).Append(digits);
        else if (point >= digits.Length) text.Append(digits).Append('0', point - digits.Length);
        else text.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
        return text.ToString();
    }

    /// <summary>The shortest digits that read back as the value (what .NET's round-trip format finds), and where the point goes.</summary>
    private static (bool Negative, string Digits, int Point) Shortest(double value)
    {
        var r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var e = r.IndexOfAny(['E', 'e']);
        var exponent = e < 0 ? 0 : int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = e < 0 ? r : r[..e];
        var dot = mantissa.IndexOf('.');
        var digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var point = (dot < 0 ? mantissa.Length : dot) + exponent;
        var leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        return (value < 0, digits.Length == 0 ? "0" : digits, point - leading);
    }

    private static void AppendString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029' or < ' ':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: text.Append(c); break;
            }
        }
        text.Append('"');
    }

    /// <summary>Go sorts a map's keys as byte strings: UTF-8 order, which UTF-16 order is not past U+FFFF.</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y) =>
            Encoding.UTF8.GetBytes(x ?? "").AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? ""));
    }
}
