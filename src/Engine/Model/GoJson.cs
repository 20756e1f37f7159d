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
                text.Append(Number(value.GetDouble()));
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

    /// <summary>A number decoded as float64 and written again: fixed notation from 1e-6 to 1e21, else Go's exponent form.</summary>
    private static string Number(double value)
    {
        var abs = Math.Abs(value);
        if (abs != 0 && (abs < 1e-6 || abs >= 1e21))
        {
            // Go: 1e+21, 1.5e-07 written as 1.5e-7
            var e = value.ToString("R", CultureInfo.InvariantCulture).ToLowerInvariant();
            var at = e.IndexOf('e', StringComparison.Ordinal);
            if (at < 0) return e;
            var exponent = int.Parse(e[(at + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            return $"{e[..at]}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture)}";
        }
        if (value == Math.Floor(value)) return new BigInteger(value).ToString(CultureInfo.InvariantCulture);
        return value.ToString("R", CultureInfo.InvariantCulture);
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
