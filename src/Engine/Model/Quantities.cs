using System.Globalization;
using System.Numerics;

namespace EventEngine.Model;

/// <summary>
/// Kubernetes' quantities (resource.Quantity) as Go writes one it has read. A text already in canonical form, by the
/// test resource.ParseQuantity makes (a whole number in the kind of suffix given, not ending in 000, or a binary one
/// whose value is not a multiple of 8), is written as given ("+4" stays "+4"). Any other is written in canonical form:
/// the value kept exactly, down to nano (a finer one rounded away from zero), no fractional digits and the largest
/// suffix that allows, in the kind of suffix it was given. So "1000m" is "1", "1.5" is "1500m", "0.5Gi" is "512Mi",
/// "1024Ki" is "1Mi", "12000" is "12k" and "1.1Ki" (not a whole number) "1126400m".
/// </summary>
public static class Quantities
{
    private enum Format { DecimalSI, BinarySI, DecimalExponent }

    private static readonly BigInteger MaxBinary = long.MaxValue;

    /// <summary>The longest text taken as a quantity (as validation's limit): a longer one is left as given.</summary>
    private const int MaxLength = 64;

    /// <summary>The text Go writes for a quantity, or null when the text is not one (validation says why).</summary>
    public static string? Canonical(string text)
    {
        text = text.Trim();
        if (text.Length is 0 or > MaxLength) return null;
        if (text == "0") return "0";

        // resource.ParseQuantity's scan: a sign, the digits (leading zeros dropped), a fraction, a suffix
        var pos = 0;
        var negative = false;
        if (text[pos] is '+' or '-') negative = text[pos++] == '-';
        while (pos < text.Length && text[pos] == '0') pos++;
        var start = pos;
        while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
        var whole = pos > start ? text[start..pos] : "0";
        var fraction = "";
        if (pos < text.Length && text[pos] == '.')
        {
            var from = ++pos;
            while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
            fraction = text[from..pos];
        }
        if (Suffix(text[pos..]) is not var (radix, power, format)) return null;
        if (KeptAsGiven(whole, fraction, radix, power, format)) return text;

        var unscaled = BigInteger.Parse(whole + fraction, NumberStyles.None, CultureInfo.InvariantCulture);
        long scale = -fraction.Length;
        if (radix == 10) scale += power;
        else unscaled <<= power;
        if (unscaled.IsZero) return "0";
        if (scale < -9)
        {
            // finer than nano: rounded away from zero, so that any amount asked for is some amount
            var places = -9 - scale;
            unscaled = places > unscaled.ToString(CultureInfo.InvariantCulture).Length
                ? BigInteger.One
                : BigInteger.DivRem(unscaled, BigInteger.Pow(10, (int)places), out var rest) + (rest.IsZero ? 0 : 1);
            scale = -9;
        }
        var sign = negative ? "-" : "";

        if (format == Format.BinarySI)
        {
            // scale is 0 or a fraction's: the value is capped at 2^63-1, and below 1 it is written as decimal SI
            var ten = BigInteger.Pow(10, (int)-scale);
            if (unscaled > MaxBinary * ten) (unscaled, scale, ten) = (MaxBinary, 0, BigInteger.One);
            var wholeValue = BigInteger.DivRem(unscaled, ten, out var remainder);
            if (wholeValue >= 1024 && remainder.IsZero)
            {
                var steps = 0;
                while (steps < Binary.Length - 1 && (wholeValue % 1024).IsZero)
                {
                    wholeValue /= 1024;
                    steps++;
                }
                return sign + wholeValue.ToString(CultureInfo.InvariantCulture) + Binary[steps];
            }
            // below 1024, or not a whole number: decimal SI, which loses nothing
            format = Format.DecimalSI;
        }

        // the largest exponent that is a multiple of 3 and leaves the mantissa whole
        var (mantissa, exponent) = (unscaled, scale);
        while ((mantissa % 10).IsZero)
        {
            mantissa /= 10;
            exponent++;
        }
        var down = (int)(((exponent % 3) + 3) % 3);
        mantissa *= BigInteger.Pow(10, down);
        exponent -= down;
        var number = sign + mantissa.ToString(CultureInfo.InvariantCulture);
        if (exponent == 0) return number;
        if (format == Format.DecimalSI && Decimal.TryGetValue(exponent, out var suffix)) return number + suffix;
        return number + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// resource.ParseQuantity's fast path, which keeps the text it was given: a value that fits an int64 at nano or
    /// coarser, and is in canonical form already as it reads it.
    /// </summary>
    private static bool KeptAsGiven(string whole, string fraction, int radix, int power, Format format)
    {
        if (format == Format.BinarySI)
        {
            if (fraction.Length > 0 || 15 - whole.Length - (int)(power * 3f / 10) - 1 < 0) return false;
            var value = long.Parse(whole, NumberStyles.None, CultureInfo.InvariantCulture);
            // the value times 2^power must fit an int64 too
            return power % 10 == 0 && (value & 0x07) != 0 && value <= long.MaxValue >> power;
        }
        if (radix != 10 || 18 - (whole.Length + fraction.Length) < 0) return false;
        var scale = (long)power - fraction.Length;
        var shifted = whole + fraction;
        return scale >= -9 && scale % 3 == 0 && !shifted.EndsWith("000", StringComparison.Ordinal) && shifted[0] != '0';
    }

    private static readonly string[] Binary = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

    private static readonly Dictionary<long, string> Decimal = new()
    {
        [-9] = "n", [-6] = "u", [-3] = "m", [3] = "k", [6] = "M", [9] = "G", [12] = "T", [15] = "P", [18] = "E",
    };

    private static (int Radix, int Power, Format Format)? Suffix(string suffix) => suffix switch
    {
        "" => (10, 0, Format.DecimalSI),
        "n" => (10, -9, Format.DecimalSI),
        "u" => (10, -6, Format.DecimalSI),
        "m" => (10, -3, Format.DecimalSI),
        "k" => (10, 3, Format.DecimalSI),
        "M" => (10, 6, Format.DecimalSI),
        "G" => (10, 9, Format.DecimalSI),
        "T" => (10, 12, Format.DecimalSI),
        "P" => (10, 15, Format.DecimalSI),
        "E" => (10, 18, Format.DecimalSI),
        "Ki" => (2, 10, Format.BinarySI),
        "Mi" => (2, 20, Format.BinarySI),
        "Gi" => (2, 30, Format.BinarySI),
        "Ti" => (2, 40, Format.BinarySI),
        "Pi" => (2, 50, Format.BinarySI),
        "Ei" => (2, 60, Format.BinarySI),
        _ when suffix.Length > 1 && suffix[0] is 'e' or 'E'
               && int.TryParse(suffix[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent) =>
            (10, exponent, Format.DecimalExponent),
        _ => null,
    };
}
