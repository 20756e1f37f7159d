using System.Globalization;
using System.Numerics;

namespace EventEngine.Model;

/// <summary>
/// Kubernetes' quantities (resource.Quantity) in canonical form, as Go writes one it has read: the value kept exactly,
/// down to nano (a finer one rounded away from zero), with no fractional digits and the largest suffix that allows,
/// in the kind of suffix it was given (decimal SI, binary SI or a decimal exponent). So "1000m" is "1", "1.5" is
/// "1500m", "0.5Gi" is "512Mi", "1024Ki" is "1Mi", "12000" is "12k" and "1.1Ki" (not a whole number) "1126400m".
/// </summary>
public static class Quantities
{
    private enum Format { DecimalSI, BinarySI, DecimalExponent }

    private static readonly BigInteger MaxBinary = long.MaxValue;

    private const int MaxExponent = 1_000;

    /// <summary>The canonical form of a quantity, or null when the text is not one (validation says why).</summary>
    public static string? Canonical(string text)
    {
        if (Parse(text) is not var (negative, unscaled, scale, format)) return null;
        if (unscaled.IsZero) return "0";
        var sign = negative ? "-" : "";

        if (format == Format.BinarySI)
        {
            var whole = scale >= 0 ? unscaled * BigInteger.Pow(10, scale) : unscaled / BigInteger.Pow(10, -scale);
            var exact = scale >= 0 || (unscaled % BigInteger.Pow(10, -scale)).IsZero;
            if (whole >= 1024 && exact)
            {
                var power = 0;
                while (power < Binary.Length - 1 && (whole % 1024).IsZero)
                {
                    whole /= 1024;
                    power++;
                }
                return sign + whole.ToString(CultureInfo.InvariantCulture) + Binary[power];
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
        var down = ((exponent % 3) + 3) % 3;
        mantissa *= BigInteger.Pow(10, down);
        exponent -= down;
        var number = sign + mantissa.ToString(CultureInfo.InvariantCulture);
        if (exponent == 0) return number;
        if (format == Format.DecimalSI && Decimal.TryGetValue(exponent, out var suffix)) return number + suffix;
        return number + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }

    private static readonly string[] Binary = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

    private static readonly Dictionary<int, string> Decimal = new()
    {
        [-9] = "n", [-6] = "u", [-3] = "m", [3] = "k", [6] = "M", [9] = "G", [12] = "T", [15] = "P", [18] = "E",
    };

    /// <summary>
    /// A quantity as sign, unscaled magnitude and power of ten (resource.ParseQuantity): rounded up to nano, a binary
    /// one capped at 2^63-1, and one below 1 in binary SI taken as decimal SI.
    /// </summary>
    private static (bool Negative, BigInteger Unscaled, int Scale, Format Format)? Parse(string text)
    {
        var pos = 0;
        var negative = false;
        if (pos < text.Length && text[pos] is '+' or '-') negative = text[pos++] == '-';
        var start = pos;
        while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
        var whole = text[start..pos];
        var fraction = "";
        if (pos < text.Length && text[pos] == '.')
        {
            var from = ++pos;
            while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
            fraction = text[from..pos];
        }
        if (whole.Length + fraction.Length == 0 || Suffix(text[pos..]) is not var (radix, power, format)) return null;
        // an exponent past any amount a cluster holds is left as given (and its arithmetic left undone)
        if (Math.Abs(power) > MaxExponent) return null;

        var unscaled = BigInteger.Parse("0" + whole + fraction, NumberStyles.None, CultureInfo.InvariantCulture);
        var scale = -fraction.Length;
        if (radix == 10) scale += power;
        else unscaled <<= power;
        if (scale < -9 && !unscaled.IsZero)
        {
            // finer than nano: rounded away from zero, so that any amount asked for is some amount
            var places = -9 - scale;
            if (places > unscaled.ToString(CultureInfo.InvariantCulture).Length) unscaled = BigInteger.One;
            else unscaled = BigInteger.DivRem(unscaled, BigInteger.Pow(10, places), out var rest) + (rest.IsZero ? 0 : 1);
            scale = -9;
        }
        if (format == Format.BinarySI)
        {
            var value = scale >= 0 ? unscaled * BigInteger.Pow(10, scale) : unscaled;
            if (scale >= 0 && value > MaxBinary) (unscaled, scale) = (MaxBinary, 0);
            if (scale < 0 && unscaled < BigInteger.Pow(10, -scale)) format = Format.DecimalSI;
        }
        return (negative, unscaled, scale, format);
    }

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
        _ when suffix.Length > 1 && suffix[0] is 'e' or 'E' && IsExponent(suffix[1..]) =>
            (10, int.Parse(suffix[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), Format.DecimalExponent),
        _ => null,
    };

    private static bool IsExponent(string text) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
}
