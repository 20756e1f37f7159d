using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EventEngine.Model;

/// <summary>YAML to JSON, as kubectl reads manifests: every document of a stream, YAML 1.2 core scalars.</summary>
public static partial class Yaml
{
    /// <summary>Each non-empty document of the stream, as JSON.</summary>
    public static IReadOnlyList<JsonNode?> ToJson(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ManifestException($"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}", "");
        }
        return stream.Documents
            .Select(d => Convert(d.RootNode))
            .Where(n => n is not null)
            .ToList();
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => ConvertMap(map),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new ManifestException("unsupported YAML node", ""),
    };

    private static JsonObject ConvertMap(YamlMappingNode map)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
                throw new ManifestException($"mapping keys must be strings (line {key.Start.Line})", "");
            if (obj.ContainsKey(name))
                throw new ManifestException($"duplicate key \"{name}\" at line {key.Start.Line}", "");
            obj[name] = Convert(value);
        }
        return obj;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? "" : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted
            or ScalarStyle.Literal or ScalarStyle.Folded)
            return JsonValue.Create(value);
        if (value is "" or "~" or "null" or "Null" or "NULL") return null;
        if (value is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (value is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (IntPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return JsonValue.Create(l);
        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            return JsonValue.Create(d);
        return JsonValue.Create(value);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}

/// <summary>
/// A body that is not a readable manifest; the path names the field. Malformed (JSON, YAML, a field of the wrong
/// type) is a 400; a readable object of a kind the engine does not take is not.
/// </summary>
public sealed class ManifestException(string message, string path, bool malformed = true) : Exception(message)
{
    public string Path { get; } = path;
    public bool Malformed { get; } = malformed;
}
