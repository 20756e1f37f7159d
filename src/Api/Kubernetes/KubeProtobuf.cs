using System.Text;
using System.Text.Json.Nodes;
using EventEngine.Model;

namespace EventEngine.Api.Kubernetes;

/// <summary>
/// The few kinds kubectl sends as protobuf (application/vnd.kubernetes.protobuf), which its typed clients write for
/// built-in kinds: the access reviews (kubectl auth) and the DeleteOptions of a typed delete (kubectl drain). A body is
/// the "k8s\0" prefix, then a runtime.Unknown holding the kind and the object's bytes. Only what the server uses is
/// read, by the field numbers of Kubernetes' generated.proto, and turned into the JSON the same object would have been
/// sent as; anything that does not read is a malformed body, never a guess.
/// </summary>
public static class KubeProtobuf
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    /// <summary>The most a protobuf body may hold: kubectl's are well under a kilobyte.</summary>
    public const long MaxBytes = 64 * 1024;

    /// <summary>Reads one kind's protobuf body as the JSON it stands for.</summary>
    public delegate JsonObject Reader(ReadOnlySpan<byte> body);

    /// <summary>Whether the request's body is protobuf.</summary>
    public static bool Sent(HttpRequest request) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && string.Equals(type.MediaType.Value, MediaType, StringComparison.OrdinalIgnoreCase);

    /// <summary>An access review as JSON: apiVersion and kind from the envelope, and the spec the authorization reviews carry.</summary>
    public static JsonObject Review(ReadOnlySpan<byte> body)
    {
        var (apiVersion, kind, raw) = Envelope(body);
        var review = new JsonObject { ["kind"] = kind };
        if (apiVersion is not null) review["apiVersion"] = apiVersion;
        // field 2 is the spec of the authorization reviews; a SelfSubjectReview has none (its 2 is the status it asks for)
        if (kind is "SelfSubjectAccessReview" or "SelfSubjectRulesReview")
            foreach (var field in Fields(raw))
                if (field is { Number: 2, Bytes: { } spec }) review["spec"] = Spec(kind, spec);
        return review;
    }

    /// <summary>
    /// A DeleteOptions as JSON: gracePeriodSeconds (1), preconditions (2: uid 1, resourceVersion 2), orphanDependents (3),
    /// propagationPolicy (4) and dryRun (5).
    /// </summary>
    public static JsonObject DeleteOptions(ReadOnlySpan<byte> body)
    {
        var (_, kind, raw) = Envelope(body);
        if (kind != "DeleteOptions") throw Malformed($"a delete's body holds DeleteOptions, not {kind}");
        return ReadDeleteOptions(raw);
    }

    /// <summary>A policy/v1 Eviction as JSON: its metadata's name (1) and namespace (3), and its deleteOptions (2).</summary>
    public static JsonObject Eviction(ReadOnlySpan<byte> body)
    {
        var (apiVersion, kind, raw) = Envelope(body);
        if (kind != "Eviction") throw Malformed($"an eviction's body holds an Eviction, not {kind}");
        var eviction = new JsonObject { ["kind"] = kind };
        if (apiVersion is not null) eviction["apiVersion"] = apiVersion;
        foreach (var field in Fields(raw))
            switch (field)
            {
                case { Number: 1, Bytes: { } metadata }:
                    eviction["metadata"] = Strings(metadata, [null, "name", null, "namespace"]);
                    break;
                case { Number: 2, Bytes: { } options }:
                    eviction["deleteOptions"] = ReadDeleteOptions(options);
                    break;
            }
        return eviction;
    }

    private static JsonObject ReadDeleteOptions(byte[] raw)
    {
        var options = new JsonObject { ["kind"] = "DeleteOptions" };
        var dryRun = new JsonArray();
        foreach (var field in Fields(raw))
            switch (field)
            {
                case { Number: 1, Varint: { } seconds }:
                    options["gracePeriodSeconds"] = (long)seconds;
                    break;
                case { Number: 2, Bytes: { } preconditions }:
                    options["preconditions"] = Strings(preconditions, [null, "uid", "resourceVersion"]);
                    break;
                case { Number: 3, Varint: { } orphan }:
                    options["orphanDependents"] = orphan != 0;
                    break;
                case { Number: 4, Bytes: { } policy }:
                    options["propagationPolicy"] = Text(policy);
                    break;
                case { Number: 5, Bytes: { } value }:
                    dryRun.Add(Text(value));
                    break;
            }
        if (dryRun.Count > 0) options["dryRun"] = dryRun;
        return options;
    }

    /// <summary>The envelope: its apiVersion and kind (which it must name), and the object's bytes.</summary>
    private static (string? ApiVersion, string Kind, byte[] Raw) Envelope(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic)) throw Malformed("a protobuf body begins with the bytes \"k8s\\0\"");
        string? apiVersion = null, kind = null;
        byte[] raw = [];
        foreach (var field in Fields(body[Magic.Length..].ToArray()))
            switch (field)
            {
                case { Number: 1, Bytes: { } typeMeta }:
                    foreach (var part in Fields(typeMeta))
                        if (part is { Number: 1, Bytes: { } version }) apiVersion = Text(version);
                        else if (part is { Number: 2, Bytes: { } named }) kind = Text(named);
                    break;
                case { Number: 2, Bytes: { } bytes }:
                    raw = bytes;
                    break;
            }
        // as the API server decodes protobuf: the envelope must say what it holds
        return (apiVersion, kind is { Length: > 0 } ? kind : throw Malformed("the envelope names no kind"), raw);
    }

    private static JsonObject Spec(string kind, byte[] spec)
    {
        var json = new JsonObject();
        foreach (var field in Fields(spec))
            switch (kind, field)
            {
                case ("SelfSubjectAccessReview", { Number: 1, Bytes: { } attributes }):
                    json["resourceAttributes"] = Strings(attributes, [null, "namespace", "verb", "group", "version", "resource", "subresource", "name"]);
                    break;
                case ("SelfSubjectAccessReview", { Number: 2, Bytes: { } attributes }):
                    json["nonResourceAttributes"] = Strings(attributes, [null, "path", "verb"]);
                    break;
                case ("SelfSubjectRulesReview", { Number: 1, Bytes: { } ns }):
                    json["namespace"] = Text(ns);
                    break;
            }
        return json;
    }

    /// <summary>A message of string fields, named by their numbers (the rest, such as selectors, are not read).</summary>
    private static JsonObject Strings(byte[] message, string?[] names)
    {
        var json = new JsonObject();
        foreach (var field in Fields(message))
            if (field.Number < names.Length && names[field.Number] is { } name && field.Bytes is { } value) json[name] = Text(value);
        return json;
    }

    /// <summary>One field of a message: its number, and its value as a varint or as bytes (fixed-width values are stepped over).</summary>
    private readonly record struct Field(int Number, ulong? Varint, byte[]? Bytes);

    private static List<Field> Fields(byte[] message)
    {
        var fields = new List<Field>();
        var at = 0;
        while (at < message.Length)
        {
            var key = Varint(message, ref at);
            // protobuf's field numbers run from 1 to 2^29 - 1
            if (key >> 3 is 0 or > 536_870_911) throw Malformed("a field number must be from 1 to 536870911");
            var number = (int)(key >> 3);
            switch (key & 7)
            {
                case 0:
                    fields.Add(new Field(number, Varint(message, ref at), null));
                    break;
                case 1:
                    at = Skip(message, at, 8);
                    break;
                case 2:
                    var length = Varint(message, ref at);
                    if (length > (ulong)(message.Length - at)) throw Malformed("a field is longer than the message");
                    fields.Add(new Field(number, null, message[at..(at + (int)length)]));
                    at += (int)length;
                    break;
                case 5:
                    at = Skip(message, at, 4);
                    break;
                default:
                    throw Malformed($"wire type {key & 7} is not one protobuf writes");
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
