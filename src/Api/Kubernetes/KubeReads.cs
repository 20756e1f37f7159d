using System.Globalization;
using System.Text.Json.Nodes;
using EventEngine.Api.Http;
using EventEngine.Kubernetes;
using EventEngine.Projections.Queries;

namespace EventEngine.Api.Kubernetes;

/// <summary>
/// Lists, gets and watches as a Kubernetes API server answers them: labelSelector and fieldSelector on every list and
/// watch (one the kind cannot be selected by is a 400, never ignored), the Table form kubectl asks for
/// (Accept: application/json;as=Table;g=meta.k8s.io;v=v1), and ?watch=true streaming from any resourceVersion.
/// </summary>
public static class KubeReads
{
    /// <summary>What a list or watch asks for, read from its query string and Accept header.</summary>
    public sealed record Query(
        LabelMatcher Labels, FieldMatcher Fields, bool Watch, long? From, bool Bookmarks, TimeSpan? Timeout, bool Table,
        Tables.IncludeObject Include = Tables.IncludeObject.Metadata)
    {
        public bool Selects => !Labels.IsEmpty || !Fields.IsEmpty;

        public bool Matches(JsonObject obj) =>
            (Labels.IsEmpty || Labels.Matches(LabelsOf(obj))) && (Fields.IsEmpty || Fields.Matches(obj));

        /// <summary>The filter a page query applies to each object's JSON; null when nothing is selected.</summary>
        public Func<string, bool>? Keep => Selects ? text => EventEngine.Model.Json.ParseStored(text) is JsonObject obj && Matches(obj) : null;
    }

    /// <summary>Reads a page of a list: the query (its filter, and selectors a reader may narrow by), the continue token and the limit.</summary>
    public delegate Task<Page?> PageReader(Query query, string? continueToken, int limit, CancellationToken ct);

    /// <summary>The query of a list or watch, or the 400 the API server gives for it.</summary>
    public static (Query? Query, IResult? Error) Parse(HttpRequest request, ApiResource resource)
    {
        var q = request.Query;
        LabelMatcher labels;
        FieldMatcher fields;
        try
        {
            labels = Selectors.ParseLabelSelector(q["labelSelector"].ToString());
            fields = Selectors.ParseFieldSelector(q["fieldSelector"].ToString(), resource.Kind);
        }
        catch (SelectorException e)
        {
            return (null, KubeStatus.Failure(400, "BadRequest", e.Message));
        }
        if (!Flag(q["watch"].ToString(), out var watch)) return (null, Invalid("watch", "must be true or false"));
        if (!Flag(q["allowWatchBookmarks"].ToString(), out var bookmarks)) return (null, Invalid("allowWatchBookmarks", "must be true or false"));
        long? from = null;
        if (q["resourceVersion"].ToString() is { Length: > 0 } rv)
        {
            if (!long.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                return (null, Invalid("resourceVersion", $"\"{rv}\" is not a resourceVersion this server gave (a log seq)"));
            from = seq;
        }
        TimeSpan? timeout = null;
        if (q["timeoutSeconds"].ToString() is { Length: > 0 } seconds)
        {
            if (!long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                return (null, Invalid("timeoutSeconds", "must be a non-negative integer"));
            timeout = TimeSpan.FromSeconds(Math.Min(s, 24 * 3600));
        }
        // as the API server reads TableOptions: only when a Table is asked for
        var table = WantsTable(request);
        var include = Tables.IncludeObject.Metadata;
        if (table && !Tables.TryInclude(q["includeObject"].ToString(), out include)) return (null, UnsupportedInclude(q["includeObject"].ToString()));
        return (new Query(labels, fields, watch, from, bookmarks, timeout, table, include), null);
    }

    /// <summary>GET on a collection: a list (or Table) page, or a watch stream.</summary>
    public static async Task<IResult> ListAsync(HttpContext http, ApiResource resource, string? inNamespace, int? limit, string? continueToken,
        PageReader read)
    {
        var (query, error) = Parse(http.Request, resource);
        if (query is null) return error!;
        var ct = http.RequestAborted;
        if (query.Watch)
        {
            var watch = http.RequestServices.GetRequiredService<KubeWatch>();
            var clock = http.RequestServices.GetRequiredService<TimeProvider>();
            await watch.StreamAsync(http, new KubeWatch.Request(
                resource, inNamespace, query.Matches, query.From, query.Bookmarks, query.Timeout,
                query.Table ? (obj, first) => WatchRow(resource, obj, first, clock.GetUtcNow(), query.Include) : null,
                async token => await AllAsync(read, query, token)));
            return Results.Empty;
        }
        var page = await read(query, continueToken, Responses.Limit(limit), ct);
        if (page is null || !query.Table) return Responses.List(resource.GroupVersion, resource.ListKind, page);
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var table = Tables.Table(resource, page.Items.Select(i => EventEngine.Model.Json.ParseStored(i)!.AsObject()), now,
            page.ResourceVersion.ToString(CultureInfo.InvariantCulture), page.Continue, query.Include);
        return Results.Text(table.ToJsonString(), "application/json");
    }

    /// <summary>GET on one object: the object (with its ETag), or its Table when asked for.</summary>
    public static IResult Get(HttpContext http, ApiResource resource, string? json)
    {
        if (json is null || !WantsTable(http.Request)) return Responses.Object(http.Response, json);
        if (!Tables.TryInclude(http.Request.Query["includeObject"].ToString(), out var include)) return UnsupportedInclude(http.Request.Query["includeObject"].ToString());
        var obj = EventEngine.Model.Json.ParseStored(json)!.AsObject();
        var version = (string?)obj["metadata"]?["resourceVersion"];
        if (version is not null) http.Response.Headers.ETag = $"\"{version}\"";
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        return Results.Text(Tables.Table(resource, [obj], now, version, include: include).ToJsonString(), "application/json");
    }

    private static IResult UnsupportedInclude(string given) =>
        Invalid("includeObject", $"Unsupported value: \"{given}\": supported values: \"None\", \"Metadata\", \"Object\"");

    /// <summary>kubectl's Accept for server-side printing: application/json;as=Table;v=v1;g=meta.k8s.io (first choice).</summary>
    public static bool WantsTable(HttpRequest request)
    {
        foreach (var accept in request.Headers.Accept)
            foreach (var choice in (accept ?? "").Split(','))
            {
                var parts = choice.Split(';', StringSplitOptions.TrimEntries);
                var parameters = parts.Skip(1).Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
                    .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
                if (parameters.GetValueOrDefault("as") == "Table" && parameters.GetValueOrDefault("g") == "meta.k8s.io"
                    && parameters.GetValueOrDefault("v") is "v1" or null)
                    return true;
            }
        return false;
    }

    /// <summary>A watch event's object as a Table of one row; the column definitions come with the first only, as the API server sends them.</summary>
    private static JsonObject WatchRow(ApiResource resource, JsonObject obj, bool first, DateTimeOffset now, Tables.IncludeObject include)
    {
        var table = Tables.Table(resource, [obj], now, (string?)obj["metadata"]?["resourceVersion"], include: include);
        if (!first) table["columnDefinitions"] = new JsonArray();
        return table;
    }

    private static async Task<(long Head, IReadOnlyList<JsonObject> Items)> AllAsync(PageReader read, Query query, CancellationToken ct)
    {
        var items = new List<JsonObject>();
        string? next = null;
        long head = 0;
        do
        {
            var page = await read(query, next, ContinueToken.MaxLimit, ct);
            if (page is null) break;
            if (head == 0) head = page.ResourceVersion;
            items.AddRange(page.Items.Select(i => EventEngine.Model.Json.ParseStored(i)!.AsObject()));
            next = page.Continue;
        }
        while (next is not null);
        return (head, items);
    }

    private static IReadOnlyDictionary<string, string> LabelsOf(JsonObject obj) =>
        obj["metadata"]?["labels"] is JsonObject labels
            ? labels.Where(l => l.Value is JsonValue).ToDictionary(l => l.Key, l => (string?)l.Value ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>();

    private static bool Flag(string text, out bool value)
    {
        value = text is "true" or "1" or "True";
        return text is "" or "true" or "1" or "True" or "false" or "0" or "False";
    }

    private static IResult Invalid(string parameter, string message) =>
        Problems.Problem(400, "Malformed request", $"{parameter}: {message}", [(parameter, message)]);
}
