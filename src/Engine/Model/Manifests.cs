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
            var root = JsonText.Parse(text);
            docs = root is JsonArray array ? array : [root];
        }

        var objects = new List<JsonObject>();
        var index = 0;
        foreach (var doc in docs)
        {
            var path = $"[{index++}]";
            if (doc is not JsonObject obj) throw new ManifestException("expected a Kubernetes object", path);
            if (JsonFields.Text(obj, "kind") is "List" && obj["items"] is JsonArray items)
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

    /// <summary>The apiVersion and kind of each object a typed endpoint takes.</summary>
    private static readonly Dictionary<Type, (string ApiVersion, string Kind)> Kinds = new()
    {
        [typeof(Node)] = ("v1", "Node"),
        [typeof(Pod)] = ("v1", "Pod"),
        [typeof(DaemonSet)] = ("apps/v1", "DaemonSet"),
    };

    /// <summary>
    /// A single object of the expected type, as sent to a typed endpoint: an apiVersion or kind it gives must be the
    /// endpoint's (absent, they are taken as the endpoint's).
    /// </summary>
    public static T Read<T>(string text, bool yaml) => Read<T>(ReadObjects(text, yaml));

    /// <summary>The one object of a body already read (see <see cref="Read{T}(string, bool)"/>).</summary>
    public static T Read<T>(IReadOnlyList<JsonObject> objects)
    {
        if (objects.Count != 1) throw new ManifestException($"expected exactly one object, found {objects.Count}", "");
        if (Kinds.TryGetValue(typeof(T), out var expected))
        {
            var obj = objects[0];
            if (obj.TryGetPropertyValue("apiVersion", out var apiVersion) && JsonFields.Text(obj, "apiVersion") != expected.ApiVersion)
                throw new ManifestException($"Invalid value: {apiVersion?.ToJsonString() ?? "null"}: this endpoint takes {expected.ApiVersion} {expected.Kind}", "apiVersion");
            if (obj.TryGetPropertyValue("kind", out var kind) && JsonFields.Text(obj, "kind") != expected.Kind)
                throw new ManifestException($"Invalid value: {kind?.ToJsonString() ?? "null"}: this endpoint takes {expected.ApiVersion} {expected.Kind}", "kind");
        }
        return Deserialize<T>(objects[0]);
    }

    /// <summary>
    /// Typed view of one object; a type error names the offending field, and so does a null item of a list (Kubernetes
    /// has no use for one, and code reading the typed object need not guard every list).
    /// </summary>
    public static T Deserialize<T>(JsonNode node)
    {
        RefuseNullItems(node, "");
        try
        {
            return Json.Deserialize<T>(node);
        }
        catch (JsonException e)
        {
            throw new ManifestException(Describe(e), Path(e.Path));
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidOperationException or ArgumentException)
        {
            // a converter's refusal without a path: still the body's fault
            throw new ManifestException(e.Message, "");
        }
    }

    /// <summary>A typed view of a part of an object kept as JSON (a pod's spec, a template's): errors name the field from <paramref name="path"/>.</summary>
    public static T DeserializeAt<T>(JsonElement element, string path)
    {
        try
        {
            return element.Deserialize<T>(Json.Options) ?? throw new JsonException($"null is not a valid {typeof(T).Name}");
        }
        catch (JsonException e)
        {
            throw new ManifestException(Describe(e), Join(path, Path(e.Path)));
        }
    }

    private static void RefuseNullItems(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj) RefuseNullItems(value, path.Length == 0 ? key : path + "." + key);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var item = $"{path}[{i}]";
                    if (array[i] is null) throw new ManifestException("Required value: a list item may not be null", item, malformed: false);
                    RefuseNullItems(array[i], item);
                }
                break;
        }
    }

    /// <summary>Node, DaemonSet or Pod, by apiVersion and kind.</summary>
    public static object ToObject(JsonObject obj, string path = "")
    {
        var kind = JsonFields.Text(obj, "kind");
        var apiVersion = JsonFields.Text(obj, "apiVersion");
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
