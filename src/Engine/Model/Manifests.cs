using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventEngine.Model;

/// <summary>Reads Kubernetes objects from request bodies: JSON, a JSON array, a List, or multi-document YAML.</summary>
public static class Manifests
{
    /// <summary>The objects of a body, in order; a List's items are flattened.</summary>
    public static IReadOnlyList<JsonObject> ReadObjects(string text, bool yaml)
    {
        IEnumerable<JsonNode?> docs;
        if (yaml)
        {
            docs = Yaml.ToJson(text);
        }
        else
        {
            JsonNode? root;
            try
            {
                root = JsonNode.Parse(text);
            }
            catch (JsonException e)
            {
                throw new ManifestException("malformed JSON: " + e.Message, e.Path ?? "");
            }
            docs = root is JsonArray array ? array : [root];
        }

        var objects = new List<JsonObject>();
        var index = 0;
        foreach (var doc in docs)
        {
            var path = $"[{index++}]";
            if (doc is not JsonObject obj) throw new ManifestException("expected a Kubernetes object", path);
            if ((string?)obj["kind"] is "List" && obj["items"] is JsonArray items)
            {
                var i = 0;
                foreach (var item in items)
                {
                    if (item is not JsonObject itemObject) throw new ManifestException("expected a Kubernetes object", $"{path}.items[{i}]");
                    objects.Add(itemObject);
                    i++;
                }
            }
            else
            {
                objects.Add(obj);
            }
        }
        return objects;
    }

    /// <summary>A single object of the expected type, as sent to a typed endpoint.</summary>
    public static T Read<T>(string text, bool yaml)
    {
        var objects = ReadObjects(text, yaml);
        if (objects.Count != 1) throw new ManifestException($"expected exactly one object, found {objects.Count}", "");
        return Deserialize<T>(objects[0]);
    }

    /// <summary>Typed view of one object; a type error names the offending field.</summary>
    public static T Deserialize<T>(JsonNode node)
    {
        try
        {
            return Json.Deserialize<T>(node);
        }
        catch (JsonException e)
        {
            throw new ManifestException(Describe(e), Path(e.Path));
        }
        catch (FormatException e)
        {
            throw new ManifestException(e.Message, "");
        }
    }

    /// <summary>Node, DaemonSet or Pod, by apiVersion and kind.</summary>
    public static object ToObject(JsonObject obj, string path = "")
    {
        var kind = (string?)obj["kind"];
        var apiVersion = (string?)obj["apiVersion"];
        return (apiVersion, kind) switch
        {
            ("v1", "Node") => Deserialize<Node>(obj),
            ("v1", "Pod") => Deserialize<Pod>(obj),
            ("apps/v1", "DaemonSet") => Deserialize<DaemonSet>(obj),
            _ => throw new ManifestException(
                $"unsupported object apiVersion={apiVersion ?? "<none>"} kind={kind ?? "<none>"}; supported: v1 Node, v1 Pod, apps/v1 DaemonSet",
                Join(path, "kind"), malformed: false),
        };
    }

    private static string Describe(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static string Path(string? jsonPath) => jsonPath is null ? "" : jsonPath.TrimStart('$').TrimStart('.');

    private static string Join(string prefix, string field) => prefix.Length == 0 ? field : prefix + "." + field;
}
