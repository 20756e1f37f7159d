using System.Text;

namespace EventEngine.Projections.Queries;

/// <summary>A page of a list: object JSON texts and the token for the next page (null on the last page).</summary>
public sealed record Page(IReadOnlyList<string> Items, string? Continue)
{
    /// <summary>The list's resourceVersion: the log's head when the page was read (in the same snapshot).</summary>
    public long ResourceVersion { get; init; }
}

/// <summary>Continue tokens: the last key of a page, opaque to clients.</summary>
public static class ContinueToken
{
    public const int DefaultLimit = 1_000;
    public const int MaxLimit = 10_000;

    public static string Encode(params string[] key) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Join('\n', key))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A numeric key part (empty: from the start, 0).</summary>
    public static bool TryNumber(string part, out long number)
    {
        number = 0;
        return part.Length == 0 || long.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number);
    }

    /// <summary>The key parts, or null when the token is not one of ours.</summary>
    public static string[]? Decode(string? token, int parts)
    {
        if (string.IsNullOrEmpty(token)) return Enumerable.Repeat("", parts).ToArray();
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var key = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split('\n');
            return key.Length == parts ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
