using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace EventEngine.Api.Http;

/// <summary>What a caller may do: viewers read and watch, operators write nodes, pods and DaemonSets, admins run the engine.</summary>
public enum Role
{
    Viewer = 1,
    Operator = 2,
    Admin = 3,
}

/// <summary>Endpoint metadata: the role an endpoint needs when its method alone does not say (reads need viewer, writes operator).</summary>
public sealed record RequiresRole(Role Role);

/// <summary>The caller of a request, once authenticated: a token's user and role, or anonymous on loopback.</summary>
public sealed record Caller(string User, Role Role, bool Anonymous)
{
    public static Caller Of(HttpContext context) =>
        context.Items[typeof(Caller)] as Caller ?? throw new InvalidOperationException("the request was not authenticated");
}

/// <summary>
/// Engine:Auth: bearer tokens, each stored as the SHA-256 of the token with a user name and a role
/// (Engine:Auth:Tokens:N:User, :Role, :Sha256). Without tokens only loopback clients are served, unless
/// Engine:Auth:AllowUnauthenticated says the network in front is trusted (docker-compose publishes on the host's
/// loopback only).
/// </summary>
public sealed class AccessOptions
{
    private readonly Dictionary<string, (string User, Role Role)> _tokens;

    public AccessOptions(IConfiguration configuration)
    {
        _tokens = new Dictionary<string, (string, Role)>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in configuration.GetSection("Engine:Auth:Tokens").GetChildren())
        {
            var where = $"Engine:Auth:Tokens:{entry.Key}";
            var user = entry["User"] is { Length: > 0 } u ? u : throw new InvalidOperationException($"{where}:User is required");
            var hash = entry["Sha256"] ?? "";
            if (hash.Length != 64 || !hash.All(Uri.IsHexDigit))
                throw new InvalidOperationException($"{where}:Sha256 must be the SHA-256 of the token as 64 hex digits (printf %s \"$TOKEN\" | sha256sum)");
            if (!Enum.TryParse<Role>(entry["Role"], ignoreCase: true, out var role) || !Enum.IsDefined(role))
                throw new InvalidOperationException($"{where}:Role is \"{entry["Role"]}\": it must be viewer, operator or admin");
            _tokens[hash] = (user, role);
        }
        AllowUnauthenticated = configuration.GetValue("Engine:Auth:AllowUnauthenticated", false);
    }

    public bool HasTokens => _tokens.Count > 0;
    public bool AllowUnauthenticated { get; }

    /// <summary>The user and role of a bearer token, or null.</summary>
    public (string User, Role Role)? Find(string token) =>
        _tokens.TryGetValue(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token))), out var found) ? found : null;
}

/// <summary>
/// Authentication and authorisation, before any endpoint runs: a bearer token names the caller (kubectl sends the
/// kubeconfig's token: 401 without one), the endpoint's role is checked against the caller's (403), and a write that
/// a browser could send on another site's behalf (a form post, another origin) is refused. Errors on Kubernetes paths
/// are Kubernetes Status objects, so kubectl prints its usual "Error from server (Forbidden)".
/// </summary>
public sealed class Access(RequestDelegate next, AccessOptions options)
{
    /// <summary>Paths anyone may read: liveness, readiness and the version, as a Kubernetes API server allows.</summary>
    private static readonly string[] Public = ["/healthz", "/readyz", "/livez", "/version"];

    /// <summary>The web view's page, script and style: they hold no data (the page asks for a token to read any).</summary>
    private static bool WebPage(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && (request.Path.Value == "/" || request.Path.StartsWithSegments("/ui"));

    /// <summary>The media types a cross-site HTML form can send without asking (CORS "simple" requests).</summary>
    private static readonly string[] FormTypes = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var safe = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method);
        if (!safe && Forged(request) is { } forged) return Errors.Write(context, 403, "Forbidden", forged);
        if (!safe && request.ContentType is { } type && FormTypes.Any(f => type.StartsWith(f, StringComparison.OrdinalIgnoreCase)))
            return Errors.Write(context, 415, "UnsupportedMediaType", $"{type.Split(';')[0]} is not accepted: it is what a form on another site can send");

        if (request.Headers[RequestContext.ImpersonateHeader].ToString().Length > 253 || request.Headers[RequestContext.ActorHeader].ToString().Length > 253)
            return Errors.Write(context, 400, "BadRequest", "a user name is at most 253 characters");

        Caller? caller;
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            if (options.Find(header["Bearer ".Length..].Trim()) is not { } found) return Unauthorized(context);
            caller = new Caller(found.User, found.Role, Anonymous: false);
        }
        else if (options.HasTokens)
        {
            if (Public.Contains(request.Path.Value) || WebPage(request)) return next(context);
            return Unauthorized(context);
        }
        else if (options.AllowUnauthenticated || IsLoopback(context.Connection.RemoteIpAddress))
        {
            caller = new Caller("anonymous", Role.Admin, Anonymous: true);
        }
        else
        {
            return Errors.Write(context, 403, "Forbidden",
                "this server has no tokens configured (Engine:Auth:Tokens) and serves loopback clients only");
        }

        var needed = Needed(context.GetEndpoint(), request.Method);
        if (caller.Role < needed)
            return Errors.Write(context, 403, "Forbidden",
                $"User \"{caller.User}\" ({caller.Role.ToString().ToLowerInvariant()}) cannot {Verb(request.Method)} {request.Path}: it needs the {needed.ToString().ToLowerInvariant()} role");
        if (request.Headers[RequestContext.ImpersonateHeader].Count > 0 && caller.Role < Role.Admin)
            return Errors.Write(context, 403, "Forbidden", $"User \"{caller.User}\" cannot impersonate: only admins may act in another user's name");
        context.Items[typeof(Caller)] = caller;
        return next(context);
    }

    /// <summary>The role a request needs: the endpoint's own, else a viewer's to read and an operator's to write.</summary>
    public static Role Needed(Endpoint? endpoint, string method) =>
        endpoint?.Metadata.GetMetadata<RequiresRole>()?.Role
        ?? (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) ? Role.Viewer : Role.Operator);

    private static Task Unauthorized(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Errors.Write(context, 401, "Unauthorized", "Unauthorized: a valid bearer token is required (Authorization: Bearer <token>)");
    }

    /// <summary>A browser sending a write for a page of another origin says so (Sec-Fetch-Site, Origin); no API client does.</summary>
    private static string? Forged(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site is "cross-site" or "same-site") return $"a {site} request from a browser may not change anything";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)))
            return $"a request from origin {origin} may not change anything here";
        return null;
    }

    private static bool IsLoopback(IPAddress? address) => address is null || IPAddress.IsLoopback(address);

    private static string Verb(string method) => method.ToUpperInvariant() switch
    {
        "GET" or "HEAD" => "read",
        "POST" => "create or run",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" => "delete",
        _ => method.ToLowerInvariant(),
    };
}
