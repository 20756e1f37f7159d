using System.Globalization;
using System.Text;

namespace EventEngine.Model.Patches;

/// <summary>
/// A JSON Pointer (RFC 6901): "" is the whole document, "/a/b" steps through a then b; "~1" stands for "/" and "~0"
/// for "~" inside a step. An array step is an index without leading zeros, or "-" for the place after the last item.
/// </summary>
internal sealed class JsonPointer
{
    private JsonPointer(string text, IReadOnlyList<string> tokens)
    {
        Text = text;
        Tokens = tokens;
    }

    public string Text { get; }
    public IReadOnlyList<string> Tokens { get; }
    public bool IsRoot => Tokens.Count == 0;

    /// <summary>The pointer, or null when the text is not one (no leading "/", or a "~" not followed by 0 or 1).</summary>
    public static JsonPointer? Parse(string text)
    {
        if (text.Length == 0) return new JsonPointer(text, []);
        if (text[0] != '/') return null;
        var tokens = new List<string>();
        foreach (var raw in text[1..].Split('/'))
        {
            var token = new StringBuilder(raw.Length);
            for (var i = 0; i < raw.Length; i++)
            {
                if (raw[i] != '~')
                {
                    token.Append(raw[i]);
                    continue;
                }
                // "~01" is "~1" (unescape ~1 first would turn it into "/"), so read escapes left to right
                if (i + 1 >= raw.Length || raw[i + 1] is not ('0' or '1')) return null;
                token.Append(raw[++i] == '0' ? '~' : '/');
            }
            tokens.Add(token.ToString());
        }
        return new JsonPointer(text, tokens);
    }

    /// <summary>The field path in the form the API's errors use: /spec/taints/0/key is spec.taints[0].key.</summary>
    public string FieldPath
    {
        get
        {
            var path = new StringBuilder();
            foreach (var token in Tokens)
            {
                if (token.Length > 0 && token.All(char.IsAsciiDigit)) path.Append('[').Append(token).Append(']');
                else path.Append(path.Length == 0 ? "" : ".").Append(token);
            }
            return path.ToString();
        }
    }

    /// <summary>True when other lies strictly inside the value this pointer names (a move there would be into itself).</summary>
    public bool IsProperPrefixOf(JsonPointer other) =>
        Tokens.Count < other.Tokens.Count && Tokens.Select((t, i) => t == other.Tokens[i]).All(same => same);

    /// <summary>An array index: digits without a leading zero, read only when it fits an int.</summary>
    public static int? Index(string token)
    {
        if (token.Length == 0 || (token.Length > 1 && token[0] == '0') || !token.All(char.IsAsciiDigit)) return null;
        return int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }
}
