namespace EventEngine.Model;

/// <summary>
/// Text the log can hold: PostgreSQL's jsonb refuses U+0000 and a UTF-16 surrogate without its pair, so such a string
/// in a body is refused where it is read (a 400 naming the field), not met later as a failed insert.
/// </summary>
public static class Strings
{
    public static void Check(string value, string path)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0') throw new ManifestException("text may not contain U+0000", path);
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c)) throw new ManifestException($"text has an unpaired UTF-16 surrogate (U+{(int)c:X4})", path);
        }
    }
}
