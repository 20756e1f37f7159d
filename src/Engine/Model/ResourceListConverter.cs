using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventEngine.Model;

/// <summary>
/// Kubernetes' ResourceList (resource name to quantity): a quantity is written as a string ("16Gi", "500m"), and read
/// from a string or a bare number (YAML's <c>cpu: 4</c>), kept as the text it was given. Whether the text is a quantity
/// is validation's to say (<see cref="Validation.NameRules.Quantity"/>), naming the field.
/// </summary>
public sealed class ResourceListConverter : JsonConverter<IReadOnlyDictionary<string, string>>
{
    public override IReadOnlyDictionary<string, string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("expected an object of quantities such as {\"cpu\": \"4\", \"memory\": \"16Gi\"}");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            map[key] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Number => Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
                _ => throw new JsonException($"the value of \"{key}\" must be a quantity such as \"4\" or \"16Gi\""),
            };
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
