using System.Globalization;
using System.Text.Json.Nodes;

namespace EventEngine.Api.Kubernetes;

/// <summary>
/// Server-side printing (Accept: application/json;as=Table;g=meta.k8s.io;v=v1): objects as the API returns them
/// become a meta.k8s.io/v1 Table with the columns and cells Kubernetes 1.32 prints. As the API server does, the wide
/// cell set is always built (kubectl hides priority 1 columns unless -o wide) and each row carries the object's
/// metadata as a PartialObjectMetadata, or the whole object, or nothing, as ?includeObject= asks. Time is passed in:
/// ages are relative to the engine's clock.
/// </summary>
public static class Tables
{
    public const string ApiVersion = "meta.k8s.io/v1";

    /// <summary>?includeObject=: what each row carries of its object (kubectl --sort-by asks for the whole object to sort by).</summary>
    public enum IncludeObject
    {
        None,
        Metadata,
        Object,
    }

    /// <summary>?includeObject= read as the API server reads it: absent is Metadata; anything but None, Metadata or Object is refused.</summary>
    public static bool TryInclude(string? given, out IncludeObject include)
    {
        (var known, include) = given switch
        {
            null or "" or "Metadata" => (true, IncludeObject.Metadata),
            "None" => (true, IncludeObject.None),
            "Object" => (true, IncludeObject.Object),
            _ => (false, IncludeObject.Metadata),
        };
        return known;
    }

    /// <summary>The column definitions for a kind; ArgumentException for a kind that has none.</summary>
    public static IReadOnlyList<TableColumn> Columns(ApiResource resource) => TableColumns.Of(resource.Kind);

    /// <summary>
    /// The Table for a list (resourceVersion and continue of the list) or a single object (its resourceVersion);
    /// rows in the order given.
    /// </summary>
    public static JsonObject Table(ApiResource resource, IEnumerable<JsonObject> objects, DateTimeOffset now,
        string? resourceVersion = null, string? continueToken = null, IncludeObject include = IncludeObject.Metadata)
    {
        var metadata = new JsonObject();
        if (!string.IsNullOrEmpty(resourceVersion)) metadata["resourceVersion"] = resourceVersion;
        if (!string.IsNullOrEmpty(continueToken)) metadata["continue"] = continueToken;
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = ApiVersion,
            ["metadata"] = metadata,
            ["columnDefinitions"] = new JsonArray(Columns(resource).Select(ColumnJson).ToArray<JsonNode?>()),
            ["rows"] = new JsonArray(objects.Select(o => Row(resource, o, now, include)).ToArray<JsonNode?>()),
        };
    }

    /// <summary>One row: the cells, the Completed condition of a finished pod, and the object's metadata (or all of it, or none).</summary>
    public static JsonObject Row(ApiResource resource, JsonObject obj, DateTimeOffset now, IncludeObject include = IncludeObject.Metadata)
    {
        var row = new JsonObject { ["cells"] = Cells(resource, obj, now) };
        if (resource.Kind == "Pod" && TableRows.PodConditions(obj) is { } conditions) row["conditions"] = conditions;
        switch (include)
        {
            case IncludeObject.Metadata:
                row["object"] = PartialObjectMetadata(obj);
                break;
            case IncludeObject.Object:
                var whole = (JsonObject)obj.DeepClone();
                whole["apiVersion"] ??= resource.GroupVersion;
                whole["kind"] ??= resource.Kind;
                row["object"] = whole;
                break;
        }
        return row;
    }

    /// <summary>The wide cells of one object, in column order: integers as numbers, everything else as text.</summary>
    public static JsonArray Cells(ApiResource resource, JsonObject obj, DateTimeOffset now) =>
        new((resource.Kind switch
        {
            "Pod" => TableRows.Pod(obj, now),
            "Node" => TableRows.Node(obj, now),
            "DaemonSet" => TableRows.DaemonSet(obj, now),
            "ControllerRevision" => TableRows.ControllerRevision(obj, now),
            "Event" => TableRows.Event(obj, now),
            "Namespace" => TableRows.Namespace(obj, now),
            _ => throw new ArgumentException($"no table cells for kind {resource.Kind}", nameof(resource)),
        }).Select(Cell).ToArray());

    /// <summary>The row object when includeObject is Metadata (the default): the whole metadata of the object.</summary>
    public static JsonObject PartialObjectMetadata(JsonObject obj) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = ApiVersion,
        ["metadata"] = obj["metadata"] is JsonObject metadata ? metadata.DeepClone() : new JsonObject(),
    };

    /// <summary>translateTimestampSince: the age of a timestamp, "&lt;unknown&gt;" when it is absent.</summary>
    public static string Age(JsonNode? timestamp, DateTimeOffset now) =>
        TableRows.Time(timestamp) is { } t ? HumanDuration(now - t) : "<unknown>";

    /// <summary>
    /// apimachinery's duration.HumanDuration: about two significant figures ("45s", "4m30s", "95m", "5h3m", "30h",
    /// "3d4h", "200d", "2y30d", "9y"); up to a second in the future counts as "0s", further is "&lt;invalid&gt;".
    /// </summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = d.Ticks / TimeSpan.TicksPerSecond;
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return Text($"{seconds}s");
        var minutes = d.Ticks / TimeSpan.TicksPerMinute;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? Text($"{minutes}m") : Text($"{minutes}m{s}s");
        }
        if (minutes < 60 * 3) return Text($"{minutes}m");
        var hours = d.Ticks / TimeSpan.TicksPerHour;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? Text($"{hours}h") : Text($"{hours}h{m}m");
        }
        if (hours < 48) return Text($"{hours}h");
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? Text($"{hours / 24}d") : Text($"{hours / 24}d{h}h");
        }
        if (hours < 24 * 365 * 2) return Text($"{hours / 24}d");
        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? Text($"{hours / 24 / 365}y") : Text($"{hours / 24 / 365}y{dy}d");
        }
        return Text($"{hours / 24 / 365}y");
    }

    private static string Text(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static JsonNode ColumnJson(TableColumn c) => new JsonObject
    {
        ["name"] = c.Name, ["type"] = c.Type, ["format"] = c.Format, ["description"] = c.Description, ["priority"] = c.Priority,
    };

    private static JsonNode? Cell(object value) => value switch
    {
        long n => JsonValue.Create(n),
        string s => JsonValue.Create(s),
        _ => throw new InvalidOperationException($"a cell of type {value.GetType().Name}"),
    };
}
