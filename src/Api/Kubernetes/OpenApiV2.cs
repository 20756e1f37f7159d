using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace EventEngine.Api.Kubernetes;

/// <summary>
/// GET /openapi/v2: the served kinds' schemas as one OpenAPI v2 (Swagger 2.0) document, made from the OpenAPI v3
/// documents the server serves, as the API server makes both from the same definitions. kubectl reads it to validate a
/// List's items on the client (<c>kubectl apply -f</c> of what <c>kubectl get -o yaml</c> prints), and asks for it
/// as protobuf (gnostic's openapi_v2.Document); any other client gets JSON. It holds the definitions; the paths are
/// described by the v3 documents.
/// <list type="bullet">
/// <item>a v3 <c>allOf</c> of one <c>$ref</c> (how v3 gives a reference a description) is the <c>$ref</c> beside its
/// description, and its <c>default</c> is dropped (v2 reads nothing beside a reference);</item>
/// <item><c>#/components/schemas/</c> is <c>#/definitions/</c>;</item>
/// <item>a v3 <c>oneOf</c> of primitive types (int-or-string, quantity) is the v2 <c>string</c> with its format, as the
/// API server publishes them in v2.</item>
/// </list>
/// Any other keyword is refused when the document is made: what the conversion does not know it does not guess.
/// </summary>
public sealed class OpenApiV2
{
    /// <summary>
    /// The media type of the protobuf form as the API server answers it (kubectl asks for ...spec.v2@v1.0+protobuf; Go's
    /// media-type parser, which client-go runs on the answer, refuses an "@").
    /// </summary>
    public const string ProtobufType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    private const string V3Prefix = "#/components/schemas/";
    private const string V2Prefix = "#/definitions/";

    private OpenApiV2(byte[] json, byte[] protobuf)
    {
        Json = json;
        Protobuf = protobuf;
        ETag = $"\"{Convert.ToHexString(SHA512.HashData(json))}\"";
    }

    public byte[] Json { get; }
    public byte[] Protobuf { get; }

    /// <summary>The document's identity (the SHA-512 of its JSON), the same in both forms.</summary>
    public string ETag { get; }

    /// <summary>The v2 document of these v3 documents' schemas (each name once: the group-versions share the meta types).</summary>
    public static OpenApiV2 From(IEnumerable<GroupVersionDocument> documents, string version)
    {
        var definitions = new JsonObject();
        foreach (var document in documents)
            foreach (var (name, schema) in JsonNode.Parse(document.Bytes)!["components"]!["schemas"]!.AsObject())
                if (!definitions.ContainsKey(name)) definitions[name] = Schema(schema!.AsObject(), name);
        var root = new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = version },
            ["paths"] = new JsonObject(),
            ["definitions"] = definitions,
        };
        var protobuf = new ProtoWriter();
        protobuf.Text(1, "2.0");
        protobuf.Message(2, info => info.Text(1, "Kubernetes").Text(2, version));
        protobuf.Message(8, _ => { });
        protobuf.Message(9, named =>
        {
            foreach (var (name, schema) in definitions)
                named.Message(1, entry => entry.Text(1, name).Message(2, s => Write(s, schema!.AsObject(), name)));
        });
        return new OpenApiV2(Encoding.UTF8.GetBytes(root.ToJsonString(Model.Json.Options)), protobuf.ToArray());
    }

    /// <summary>A v3 schema as v2.</summary>
    private static JsonObject Schema(JsonObject v3, string at)
    {
        var v2 = new JsonObject();
        if (v3["allOf"] is JsonArray all)
        {
            if (all is not [JsonObject { Count: 1 } only] || only["$ref"] is null)
                throw Unknown(at, "an allOf that is not one reference");
            v2["$ref"] = Reference(only["$ref"]!, at);
        }
        if (v3["oneOf"] is JsonArray one)
        {
            if (!one.All(o => o is JsonObject { Count: 1 } t && (string?)t["type"] is "integer" or "number" or "string"))
                throw Unknown(at, "a oneOf that is not of primitive types");
            v2["type"] = "string";
        }
        foreach (var (key, value) in v3)
            switch (key)
            {
                case "allOf" or "oneOf":
                    break;
                case "default" when v3.ContainsKey("allOf"):
                    break;
                case "$ref":
                    v2[key] = Reference(value!, at);
                    break;
                case "properties":
                    v2[key] = new JsonObject(value!.AsObject().Select(p =>
                        KeyValuePair.Create(p.Key, (JsonNode?)Schema(p.Value!.AsObject(), $"{at}.{p.Key}"))));
                    break;
                case "items":
                    v2[key] = Schema(value!.AsObject(), at + "[]");
                    break;
                case "additionalProperties":
                    v2[key] = value is JsonObject map ? Schema(map, at + "{}") : value!.DeepClone();
                    break;
                case "description" or "type" or "format" or "required" or "default" or "enum" or "title":
                    v2[key] = value?.DeepClone();
                    break;
                case string extension when extension.StartsWith("x-", StringComparison.Ordinal):
                    v2[key] = value?.DeepClone();
                    break;
                default:
                    throw Unknown(at, key);
            }
        return v2;
    }

    private static string Reference(JsonNode reference, string at) =>
        (string?)reference is { } target && target.StartsWith(V3Prefix, StringComparison.Ordinal)
            ? V2Prefix + target[V3Prefix.Length..]
            : throw Unknown(at, $"the reference {reference.ToJsonString()}");

    private static InvalidOperationException Unknown(string at, string what) =>
        new($"the OpenAPI v3 schema {at} has {what}, which the v2 document cannot say");

    /// <summary>A v2 schema as gnostic's openapi_v2.Schema (OpenAPIv2.proto's field numbers).</summary>
    private static void Write(ProtoWriter schema, JsonObject v2, string at)
    {
        foreach (var (key, value) in v2)
            switch (key)
            {
                case "$ref": schema.Text(1, (string)value!); break;
                case "format": schema.Text(2, (string)value!); break;
                case "title": schema.Text(3, (string)value!); break;
                case "description": schema.Text(4, (string)value!); break;
                case "default": schema.Message(5, any => Any(any, value)); break;
                case "required":
                    foreach (var name in value!.AsArray()) schema.Text(19, (string)name!);
                    break;
                case "enum":
                    foreach (var item in value!.AsArray()) schema.Message(20, any => Any(any, item));
                    break;
                case "additionalProperties":
                    schema.Message(21, additional =>
                    {
                        if (value is JsonObject map) additional.Message(1, s => Write(s, map, at + "{}"));
                        else additional.Flag(2, (bool)value!);
                    });
                    break;
                case "type":
                    schema.Message(22, type =>
                    {
                        foreach (var name in value is JsonArray names ? names.Select(n => (string)n!) : [(string)value!]) type.Text(1, name);
                    });
                    break;
                case "items": schema.Message(23, items => items.Message(1, s => Write(s, value!.AsObject(), at + "[]"))); break;
                case "properties":
                    schema.Message(25, properties =>
                    {
                        foreach (var (name, property) in value!.AsObject())
                            properties.Message(1, entry => entry.Text(1, name).Message(2, s => Write(s, property!.AsObject(), $"{at}.{name}")));
                    });
                    break;
                default:
                    // the vendor extensions (x-kubernetes-group-version-kind, the patch strategies...), each value as YAML, of which JSON is a form
                    schema.Message(31, entry => entry.Text(1, key).Message(2, any => Any(any, value)));
                    break;
            }
    }

    /// <summary>openapi_v2.Any: the value as YAML (field 2), here as JSON.</summary>
    private static void Any(ProtoWriter any, JsonNode? value) => any.Text(2, value?.ToJsonString(Model.Json.Options) ?? "null");

    /// <summary>A protobuf message being written: length-delimited and varint fields, in the order written.</summary>
    private sealed class ProtoWriter
    {
        private readonly ArrayBufferWriter<byte> _bytes = new();

        public ProtoWriter Text(int field, string value)
        {
            Key(field, 2);
            var length = Encoding.UTF8.GetByteCount(value);
            Varint((ulong)length);
            Encoding.UTF8.GetBytes(value, _bytes.GetSpan(length));
            _bytes.Advance(length);
            return this;
        }

        public ProtoWriter Flag(int field, bool value)
        {
            Key(field, 0);
            Varint(value ? 1UL : 0UL);
            return this;
        }

        public ProtoWriter Message(int field, Action<ProtoWriter> write)
        {
            var inner = new ProtoWriter();
            write(inner);
            Key(field, 2);
            Varint((ulong)inner._bytes.WrittenCount);
            _bytes.Write(inner._bytes.WrittenSpan);
            return this;
        }

        public byte[] ToArray() => _bytes.WrittenSpan.ToArray();

        private void Key(int field, int wireType) => Varint((ulong)(field << 3 | wireType));

        private void Varint(ulong value)
        {
            var span = _bytes.GetSpan(10);
            var n = 0;
            while (value >= 0x80)
            {
                span[n++] = (byte)(value | 0x80);
                value >>= 7;
            }
            span[n++] = (byte)value;
            _bytes.Advance(n);
        }
    }
}
