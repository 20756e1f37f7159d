using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace EventEngine.Cli;

/// <summary>-o yaml: an answer as YAML, keys in the server's order, strings quoted where YAML would read them as another type.</summary>
public static class YamlOutput
{
    private static readonly ISerializer Serializer = new SerializerBuilder().WithQuotingNecessaryStrings().Build();

    public static string Write(JsonNode answer) => Serializer.Serialize(Plain(answer));

    private static object? Plain(JsonNode? node) => node switch
    {
        JsonObject obj => obj.ToDictionary(p => p.Key, p => Plain(p.Value)),
        JsonArray array => array.Select(Plain).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => value.TryGetValue<long>(out var whole) ? whole : value.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };
}
