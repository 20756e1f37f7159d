using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventEngine.Storage;

/// <summary>
/// The jsonb form of <see cref="EventMetadata"/>: camelCase, every field present, absent values as
/// null, so <c>{"correlationId","causationId","actor","reason":{"code","message"}}</c> round-trips.
/// </summary>
internal static class MetadataJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // a row with a missing correlationId or actor is corrupt; say so instead of inventing nulls
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static string Serialize(EventMetadata metadata) => JsonSerializer.Serialize(metadata, Options);

    public static EventMetadata Deserialize(string json) =>
        JsonSerializer.Deserialize<EventMetadata>(json, Options)
        ?? throw new JsonException("Event metadata is null.");
}
