using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventEngine.Model;

/// <summary>Kubernetes' int-or-string (maxUnavailable: 1 or "25%").</summary>
[JsonConverter(typeof(IntOrStringConverter))]
public readonly record struct IntOrString(int? Int, string? Str)
{
    public static IntOrString FromInt(int value) => new(value, null);
    public static IntOrString FromString(string value) => new(null, value);

    public bool IsPercent => Str is not null;

    public override string ToString() => Int?.ToString(CultureInfo.InvariantCulture) ?? Str ?? "";

    /// <summary>Parses "N%" into N; false for anything else (validation reports it).</summary>
    public bool TryGetPercent(out int percent)
    {
        percent = 0;
        return Str is { Length: > 1 } s && s[^1] == '%'
            && int.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out percent);
    }

    /// <summary>
    /// The value scaled against a total, as intstr.GetScaledValueFromIntOrPercent; DaemonSets round up,
    /// so 50% of 3 is 2 (unlike Deployments).
    /// </summary>
    public int Scaled(int total, bool roundUp = true)
    {
        if (Int is { } i) return i;
        if (!TryGetPercent(out var p)) return 0;
        var exact = (decimal)p * total / 100m;
        return (int)(roundUp ? Math.Ceiling(exact) : Math.Floor(exact));
    }

    private sealed class IntOrStringConverter : JsonConverter<IntOrString>
    {
        public override IntOrString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType switch
            {
                JsonTokenType.Number when reader.TryGetInt32(out var i) => FromInt(i),
                JsonTokenType.String => FromString(reader.GetString()!),
                _ => throw new JsonException("expected an integer or a string such as \"25%\""),
            };

        public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options)
        {
            if (value.Int is { } i) writer.WriteNumberValue(i);
            else writer.WriteStringValue(value.Str);
        }
    }
}
