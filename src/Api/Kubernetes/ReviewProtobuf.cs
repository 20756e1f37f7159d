using System.Text;
using System.Text.Json.Nodes;
using EventEngine.Model;

namespace EventEngine.Api.Kubernetes;

/// <summary>
/// The review kinds as kubectl sends them: its typed clients write built-in kinds as protobuf
/// (application/vnd.kubernetes.protobuf), the "k8s\0" prefix then a runtime.Unknown holding the object's bytes. Only
/// what the reviews ask is read (SelfSubjectAccessReview's spec, SelfSubjectRulesReview's namespace) and turned into the
/// JSON the same kind would have been sent as; anything that does not read is a malformed body, never a guess.
/// </summary>
public static class ReviewProtobuf
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    /// <summary>The review as JSON: apiVersion and kind from the envelope, and the spec's fields by their numbers in generated.proto.</summary>
    public static JsonObject Read(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic)) throw Malformed("a protobuf body begins with the bytes \"k8s\\0\"");
        string? apiVersion = null, kind = null;
        ReadOnlySpan<byte> raw = default;
        foreach (var (number, value) in Fields(body[Magic.Length..].ToArray()))
            switch (number)
            {
                case 1:
                    foreach (var (typeField, typeValue) in Fields(value))
                        if (typeField == 1) apiVersion = Text(typeValue);
                        else if (typeField == 2) kind = Text(typeValue);
                    break;
                case 2:
                    raw = value;
                    break;
            }
        // as the API server decodes protobuf: the envelope must say what it holds
        if (kind is null) throw Malformed("the envelope names no kind");
        var review = new JsonObject { ["kind"] = kind };
        if (apiVersion is not null) review["apiVersion"] = apiVersion;
        // field 2 is the spec of the authorization reviews; a SelfSubjectReview has none (its 2 is the status it asks for)
        if (kind is "SelfSubjectAccessReview" or "SelfSubjectRulesReview")
            foreach (var (number, value) in Fields(raw.ToArray()))
                if (number == 2) review["spec"] = Spec(kind, value);
        return review;
    }

    private static JsonObject Spec(string? kind, byte[] spec)
    {
        var json = new JsonObject();
        foreach (var (number, value) in Fields(spec))
            switch (kind, number)
            {
                case ("SelfSubjectAccessReview", 1):
                    json["resourceAttributes"] = Strings(value, [null, "namespace", "verb", "group", "version", "resource", "subresource", "name"]);
                    break;
                case ("SelfSubjectAccessReview", 2):
                    json["nonResourceAttributes"] = Strings(value, [null, "path", "verb"]);
                    break;
                case ("SelfSubjectRulesReview", 1):
                    json["namespace"] = Text(value);
                    break;
            }
        return json;
    }

    /// <summary>A message of string fields, named by their numbers (the rest, such as selectors, are not read).</summary>
    private static JsonObject Strings(byte[] message, string?[] names)
    {
        var json = new JsonObject();
        foreach (var (number, value) in Fields(message))
            if (number < names.Length && names[number] is { } name) json[name] = Text(value);
        return json;
    }

    /// <summary>The length-delimited fields of a message; varints and fixed-width fields are stepped over.</summary>
    private static List<(int Number, byte[] Value)> Fields(byte[] message)
    {
        var fields = new List<(int, byte[])>();
        var at = 0;
        while (at < message.Length)
        {
            var key = Varint(message, ref at);
            // protobuf's field numbers run from 1 to 2^29 - 1
            if (key >> 3 is 0 or > 536_870_911) throw Malformed("a field number must be from 1 to 536870911");
            var (number, wire) = ((int)(key >> 3), (int)(key & 7));
            switch (wire)
            {
                case 0:
                    Varint(message, ref at);
                    break;
                case 1:
                    at = Skip(message, at, 8);
                    break;
                case 2:
                    var length = Varint(message, ref at);
                    if (length > (ulong)(message.Length - at)) throw Malformed("a field is longer than the message");
                    fields.Add((number, message[at..(at + (int)length)]));
                    at += (int)length;
                    break;
                case 5:
                    at = Skip(message, at, 4);
                    break;
                default:
                    throw Malformed($"wire type {wire} is not one protobuf writes");
            }
        }
        return fields;
    }

    private static ulong Varint(byte[] message, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= message.Length) throw Malformed("a number runs past the end of the message");
            var b = message[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw Malformed("a number is longer than ten bytes");
    }

    private static int Skip(byte[] message, int at, int width) =>
        at + width <= message.Length ? at + width : throw Malformed("a field runs past the end of the message");

    private static string Text(byte[] value)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(value);
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("a string is not valid UTF-8");
        }
    }

    private static ManifestException Malformed(string why) => new($"malformed protobuf body: {why}", "");
}
