using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace EventEngine.Model;

/// <summary>The one set of JSON settings for Kubernetes objects, events and API bodies.</summary>
public static class Json
{
    /// <summary>camelCase, case-sensitive, nulls omitted, RFC 3339 UTC times.</summary>
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            AllowOutOfOrderMetadataProperties = true,
            // what the server writes and reads back nests a body a few levels deeper than the body itself (an event holds
            // its object, a revision its template); bodies are held to ParseLimits' depth as they are read
            MaxDepth = 2 * ParseLimits.Default.MaxDepth,
        };
        options.Converters.Add(new StringMapConverter());
        options.Converters.Add(new Rfc3339Converter());
        options.Converters.Add(new NullableRfc3339Converter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>
    /// For reading back what the server stored or rendered (rows, events): deeper than a body may be (ParseLimits), as
    /// an object is stored a few levels below the body that gave it (a revision's template under data.spec).
    /// </summary>
    public static readonly JsonDocumentOptions Stored = new() { MaxDepth = 2 * ParseLimits.Default.MaxDepth };

    /// <summary>JSON the server stored or rendered, read back (<see cref="Stored"/>).</summary>
    public static JsonNode? ParseStored(string json) => JsonNode.Parse(json, documentOptions: Stored);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("null is not a valid " + typeof(T).Name);

    public static T Deserialize<T>(JsonNode node) =>
        node.Deserialize<T>(Options) ?? throw new JsonException("null is not a valid " + typeof(T).Name);

    public static JsonNode ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options)!;

    /// <summary>A string map as the object <paramref name="name"/>, its keys in ordinal order (as the views sort labels).</summary>
    public static void WriteSorted(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, string> map)
    {
        var keys = map.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        writer.WriteStartObject(name);
        foreach (var key in keys) writer.WriteString(key, map[key]);
        writer.WriteEndObject();
    }

    /// <summary>Kubernetes writes times as RFC 3339 in UTC; sub-second digits are kept only when present.</summary>
    public static string FormatTime(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Kubernetes' map[string]string (labels, annotations, nodeSelector, matchLabels): every value a string. A null or a
    /// number is refused where it stands (the reader names the key), so no map ever holds a null.
    /// </summary>
    public class StringMapConverter : JsonConverter<IReadOnlyDictionary<string, string>>
    {
        /// <summary>What the map holds, for the error when it is not an object.</summary>
        protected virtual string Expected => "an object of strings";

        /// <summary>One value of the map, its key given to name it in an error.</summary>
        protected virtual string ReadValue(ref Utf8JsonReader reader, string key) =>
            reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException($"the value of \"{key}\" must be a string");

        public override IReadOnlyDictionary<string, string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return null;
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("expected " + Expected);
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString()!;
                reader.Read();
                map[key] = ReadValue(ref reader, key);
            }
            return map;
        }

        public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            foreach (var (key, item) in value) writer.WriteString(key, item);
            writer.WriteEndObject();
        }
    }

    /// <summary>A time as Kubernetes writes it; anything else is a JsonException, so the reader names the field.</summary>
    private static DateTimeOffset ReadTime(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String
        && DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUniversalTime()
            : throw new JsonException("expected an RFC 3339 time such as \"2026-01-01T00:00:00Z\"");

    private sealed class Rfc3339Converter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadTime(ref reader);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(FormatTime(value));
    }

    private sealed class NullableRfc3339Converter : JsonConverter<DateTimeOffset?>
    {
        public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? null : ReadTime(ref reader);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
        {
            if (value is { } v) writer.WriteStringValue(FormatTime(v));
            else writer.WriteNullValue();
        }
    }
}
