using System.Text;
using System.Text.Json;

namespace EventEngine.Model;

/// <summary>
/// Kubernetes' ResourceList (resource name to quantity): a quantity is written as a string ("16Gi", "500m"), and read
/// from a string or a bare number (YAML's <c>cpu: 4</c>), kept as the text it was given. Whether the text is a quantity
/// is validation's to say (<see cref="Validation.NameRules.Quantity"/>), naming the field.
/// </summary>
public sealed class ResourceListConverter : Json.StringMapConverter
{
    protected override string Expected => "an object of quantities such as {\"cpu\": \"4\", \"memory\": \"16Gi\"}";

    protected override string ReadValue(ref Utf8JsonReader reader, string key) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
        _ => throw new JsonException($"the value of \"{key}\" must be a quantity such as \"4\" or \"16Gi\""),
    };
}
