using System.Reflection;

namespace EventEngine.Api.Endpoints;

/// <summary>
/// The web view: GET / is its page, GET /ui/{file} its script and style, all built into the server's assembly (so it
/// works offline and needs no files beside the server). It reads the engine's HTTP API like any client.
/// </summary>
public static class WebView
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    // read once: a handful of small files
    private static readonly Dictionary<string, byte[]> Files = Load();

    public static void MapWebView(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http) => Serve(http, "index.html")).ExcludeFromDescription();
        app.MapGet("/ui/{file}", (string file, HttpContext http) => Serve(http, file)).ExcludeFromDescription();
    }

    private static IResult Serve(HttpContext http, string file)
    {
        if (!Files.TryGetValue(file, out var content)) return Results.NotFound();
        var headers = http.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
        return Results.Bytes(content, Types[Path.GetExtension(file)]);
    }

    private static Dictionary<string, byte[]> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("web/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[name["web/".Length..]] = copy.ToArray();
        }
        return files;
    }
}
