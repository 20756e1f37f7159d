using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace EventEngine.Model;

/// <summary>
/// Canonical JSON: what makes two templates "the same template" (nil and empty are equal, as in Go). Keys are sorted
/// by ordinal, nulls, empty lists and empty objects are dropped, and an empty item of a list is written as null. Its
/// bytes are hashed into revision names and into the fingerprint the log keeps for every seq, so they never change.
/// </summary>
public static class CanonicalJson
{
    /// <summary>Written with the default encoder, as canonical JSON always was.</summary>
    private static readonly JsonScratch Scratch = new(default);

    public static string Write(JsonElement element) => Scratch.Write(element, static (writer, e) =>
    {
        if (IsEmpty(e))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else WriteNonEmpty(writer, e);
    }, static bytes => System.Text.Encoding.UTF8.GetString(bytes.Span));

    /// <summary>The canonical JSON of a value as the engine serializes it.</summary>
    public static string Of<T>(T value)
    {
        using var document = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(value, Json.Options));
        return Write(document.RootElement);
    }

    /// <summary>The same JSON with every object's keys in ordinal order (nothing dropped).</summary>
    public static JsonElement SortKeys(JsonElement element)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) WriteSorted(writer, element);
        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    private static void WriteSorted(Utf8JsonWriter writer, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var p in e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(p.Name);
                    WriteSorted(writer, p.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in e.EnumerateArray()) WriteSorted(writer, item);
                writer.WriteEndArray();
                break;
            default:
                e.WriteTo(writer);
                break;
        }
    }

    private static bool IsEmpty(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => true,
        JsonValueKind.Array => e.GetArrayLength() == 0,
        JsonValueKind.Object => AllEmpty(e),
        _ => false,
    };

    private static bool AllEmpty(JsonElement o)
    {
        foreach (var p in o.EnumerateObject())
            if (!IsEmpty(p.Value)) return false;
        return true;
    }

    private static void WriteNonEmpty(Utf8JsonWriter writer, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(writer, e);
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in e.EnumerateArray())
                {
                    if (IsEmpty(item)) writer.WriteNullValue();
                    else WriteNonEmpty(writer, item);
                }
                writer.WriteEndArray();
                break;
            default:
                e.WriteTo(writer);
                break;
        }
    }

    /// <summary>
    /// A non-empty object, keys in ordinal order (a repeated key keeps its place among its kind, as a stable sort
    /// does). Where every key is plain ASCII (no escape in the document), the raw bytes are the key: they are sorted and
    /// written as they stand, which is the same order and the same output as the keys' strings, without making them.
    /// </summary>
    private static void WriteObject(Utf8JsonWriter writer, JsonElement e)
    {
        var count = 0;
        var plain = true;
        foreach (var p in e.EnumerateObject())
        {
            count++;
            plain = plain && IsPlain(JsonMarshal.GetRawUtf8PropertyName(p));
        }
        var rented = ArrayPool<Key>.Shared.Rent(count);
        try
        {
            var keys = rented.AsSpan(0, count);
            var n = 0;
            foreach (var p in e.EnumerateObject())
            {
                keys[n] = new Key(p, plain ? null : p.Name, n);
                n++;
            }
            keys.Sort(plain ? Key.ByRawName : Key.ByName);
            writer.WriteStartObject();
            foreach (var key in keys)
            {
                if (IsEmpty(key.Property.Value)) continue;
                if (key.Name is null) writer.WritePropertyName(JsonMarshal.GetRawUtf8PropertyName(key.Property));
                else writer.WritePropertyName(key.Name);
                WriteNonEmpty(writer, key.Property.Value);
            }
            writer.WriteEndObject();
        }
        finally
        {
            ArrayPool<Key>.Shared.Return(rented, clearArray: true);
        }
    }

    /// <summary>A property with its name as a string (null when its raw bytes serve) and its place in the object.</summary>
    private readonly record struct Key(JsonProperty Property, string? Name, int Index)
    {
        public static readonly Comparison<Key> ByRawName = static (a, b) =>
        {
            var c = JsonMarshal.GetRawUtf8PropertyName(a.Property).SequenceCompareTo(JsonMarshal.GetRawUtf8PropertyName(b.Property));
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        };

        public static readonly Comparison<Key> ByName = static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Name, b.Name);
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        };
    }

    /// <summary>ASCII and no backslash: the raw bytes are the key itself, and their order is the strings' ordinal order.</summary>
    private static bool IsPlain(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
            if (b >= 0x80 || b == (byte)'\\') return false;
        return true;
    }
}
