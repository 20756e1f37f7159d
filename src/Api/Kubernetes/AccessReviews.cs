using System.Text.Json.Nodes;
using EventEngine.Api.Http;
using EventEngine.Runtime;
using Microsoft.AspNetCore.Routing.Template;

namespace EventEngine.Api.Kubernetes;

/// <summary>
/// What the caller may do, asked as Kubernetes clients ask it (kubectl auth can-i, auth can-i --list, auth whoami). Each
/// answer is found the way a real request would be judged: the request the question stands for (create pods: POST
/// /api/v1/namespaces/default/pods) is routed among the server's own endpoints, and the role that endpoint needs
/// (<see cref="Access.Needed"/>) is compared with the caller's; in Observe mode a write is refused as
/// <see cref="RecordOnly"/> refuses it. A question about something the server does not serve is answered no, saying so.
/// </summary>
public sealed class AccessReviews(EndpointDataSource endpoints, EngineMode mode)
{
    public const string AccessReviewPath = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    public const string RulesReviewPath = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
    public const string SelfReviewPath = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

    /// <summary>The resource verbs Kubernetes defines, and the request each stands for (on the collection or on one object).</summary>
    private static readonly (string Verb, string Method, bool OnObject)[] Verbs =
    [
        ("get", "GET", true), ("list", "GET", false), ("watch", "GET", false), ("create", "POST", false),
        ("update", "PUT", true), ("patch", "PATCH", true), ("delete", "DELETE", true), ("deletecollection", "DELETE", false),
    ];

    /// <summary>The reviews themselves: anyone who may call the server may ask them.</summary>
    private static readonly (string Group, string Resource)[] Reviews =
    [
        ("authorization.k8s.io", "selfsubjectaccessreviews"), ("authorization.k8s.io", "selfsubjectrulesreviews"), ("authentication.k8s.io", "selfsubjectreviews"),
    ];

    private readonly Lazy<IReadOnlyList<(RouteEndpoint Endpoint, TemplateMatcher Matcher, string[] Methods, int Parameters)>> _routes = new(() =>
        endpoints.Endpoints.OfType<RouteEndpoint>()
            .Select(e => (e, new TemplateMatcher(new RouteTemplate(e.RoutePattern), []),
                e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.ToArray() ?? [], e.RoutePattern.Parameters.Count))
            .ToList());

    /// <summary>The answer to one resource question: whether it is allowed, and why.</summary>
    public (bool Allowed, string Reason) Resource(Caller caller, string verb, string group, string resource, string? subresource, string? ns, string? name, string? version)
    {
        if (verb == "impersonate" && group.Length == 0 && resource == "users")
            return caller.Role >= Role.Admin
                ? (true, "an admin may act in another user's name (Impersonate-User)")
                : (false, $"only admins may act in another user's name; User \"{caller.User}\" is {Name(caller.Role)}");
        if (Reviews.Contains((group, resource)) && verb == "create") return (true, "anyone may ask what they may do");
        var served = resource == "*" ? ApiResources.All.ToList() : ApiResources.Find(group, resource) is { } one ? [one] : [];
        if (served.Count == 0 || (version is { Length: > 0 } && served.Any(r => r.Version != version)))
            return (false, $"this server does not serve {Qualified(group, resource)}{(version is { Length: > 0 } ? " " + version : "")}");
        var asked = verb == "*" ? Verbs.Select(v => v.Verb).ToList() : [verb];
        var answers = new List<(bool Served, bool Allowed, string Reason)>();
        foreach (var r in served)
            foreach (var v in asked)
            {
                var (method, path) = RequestOf(r, v, subresource, ns, name);
                answers.Add(method is null ? (false, false, "") : Judge(caller, method, path!, $"{v} {Qualified(r.Group, r.Plural)}{(subresource is { Length: > 0 } ? "/" + subresource : "")}"));
            }
        // "*" asks for all that is served (deletecollection, say, is served for nothing)
        answers = answers.Where(a => a.Served).ToList();
        if (answers.Count == 0)
            return (false, $"this server does not serve {verb} on {Qualified(group, resource)}{(subresource is { Length: > 0 } ? "/" + subresource : "")}");
        if (answers.FirstOrDefault(a => !a.Allowed) is { Reason.Length: > 0 } refused) return (false, refused.Reason);
        return (true, answers.Count == 1 ? answers[0].Reason : $"the {Name(caller.Role)} role may {verb} {Qualified(group, resource)}");
    }

    /// <summary>The answer to a question about a path that is not a resource (GET /engine/v1/state, POST /engine/v1/clock).</summary>
    public (bool Allowed, string Reason) NonResource(Caller caller, string verb, string path)
    {
        if (!path.StartsWith('/')) return (false, $"\"{path}\" is not a path");
        var (served, allowed, reason) = Judge(caller, verb.ToUpperInvariant(), path.Split('?')[0], $"{verb} {path}");
        return served ? (allowed, reason) : (false, $"this server does not serve {verb.ToUpperInvariant()} {path}");
    }

    /// <summary>Every rule the caller is given: the resources and verbs, then the other paths, as RBAC lists them.</summary>
    public (JsonArray ResourceRules, JsonArray NonResourceRules) Rules(Caller caller, string ns)
    {
        var resourceRules = new JsonArray();
        void Rule(string group, string resource, IEnumerable<string> verbs)
        {
            var list = verbs.ToList();
            if (list.Count > 0)
                resourceRules.Add(new JsonObject { ["verbs"] = Strings(list), ["apiGroups"] = Strings([group]), ["resources"] = Strings([resource]) });
        }
        foreach (var (group, resource) in Reviews) Rule(group, resource, ["create"]);
        foreach (var r in ApiResources.All)
        {
            Rule(r.Group, r.Plural, Verbs.Where(v => Resource(caller, v.Verb, r.Group, r.Plural, null, ns, null, null).Allowed).Select(v => v.Verb));
            foreach (var sub in SubresourcesOf(r))
                Rule(r.Group, r.Plural + "/" + sub, Verbs.Where(v => Resource(caller, v.Verb, r.Group, r.Plural, sub, ns, null, null).Allowed).Select(v => v.Verb));
        }
        var nonResource = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var (endpoint, _, methods, _) in _routes.Value)
        {
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/');
            if (IsResourcePath(pattern)) continue;
            // RBAC's URLs end in * or not at all: a path with a parameter is every path under its literal start
            var url = pattern.IndexOf('{') is var brace and >= 0 ? pattern[..brace] + "*" : pattern;
            foreach (var method in methods.Where(m => Allowed(caller, endpoint, m, pattern)))
                (nonResource.TryGetValue(url, out var verbs) ? verbs : nonResource[url] = new SortedSet<string>(StringComparer.Ordinal)).Add(method.ToLowerInvariant());
        }
        var nonResourceRules = new JsonArray(nonResource.Select(p => (JsonNode)new JsonObject
        {
            ["verbs"] = Strings(p.Value), ["nonResourceURLs"] = Strings([p.Key]),
        }).ToArray());
        return (resourceRules, nonResourceRules);
    }

    /// <summary>A resource's subresources: the ones discovery lists (status), and any other route under one object (a DaemonSet's rollback and revisions).</summary>
    private IEnumerable<string> SubresourcesOf(ApiResource r)
    {
        var item = r.Prefix + (r.Namespaced ? "/namespaces/{}/" : "/") + r.Plural + "/{}/";
        var routed = _routes.Value
            .Select(route => "/" + (route.Endpoint.RoutePattern.RawText ?? "").TrimStart('/'))
            .Select(pattern => System.Text.RegularExpressions.Regex.Replace(pattern, "{[^}]*}", "{}"))
            .Where(pattern => pattern.StartsWith(item, StringComparison.Ordinal) && !pattern[item.Length..].Contains('/'))
            .Select(pattern => pattern[item.Length..]);
        return r.Subresources.Select(s => s.Name).Concat(routed).Distinct().Order(StringComparer.Ordinal);
    }

    /// <summary>The request a resource verb stands for, or no method when the verb is none Kubernetes defines.</summary>
    private static (string? Method, string? Path) RequestOf(ApiResource r, string verb, string? subresource, string? ns, string? name)
    {
        if (Verbs.FirstOrDefault(v => v.Verb == verb) is not { Method: not null } v) return (null, null);
        // a subresource is one object's part: read, written, or posted to (a DaemonSet's rollback), never listed or watched
        if (subresource is { Length: > 0 } && v.Verb is "list" or "watch" or "deletecollection") return (null, null);
        // a namespaced question without a namespace is about every namespace: a list reads them all at once, any other
        // verb is judged as it would be in one (the role needed is the same in each)
        var collection = r.Namespaced && (ns is { Length: > 0 } || v.OnObject || v.Method != "GET")
            ? $"{r.Prefix}/namespaces/{(ns is { Length: > 0 } ? ns : "default")}/{r.Plural}"
            : $"{r.Prefix}/{r.Plural}";
        var onObject = v.OnObject || subresource is { Length: > 0 };
        var path = onObject ? $"{collection}/{(name is { Length: > 0 } ? name : "name")}" : collection;
        if (subresource is { Length: > 0 }) path += "/" + subresource;
        return (v.Method, path);
    }

    /// <summary>How the server would judge the request: whether it routes anywhere, and if so whether the caller may make it.</summary>
    private (bool Served, bool Allowed, string Reason) Judge(Caller caller, string method, string path, string what)
    {
        var endpoint = Route(method, path);
        if (endpoint is null) return (false, false, "");
        // in the order the server judges: the caller's role (Access), then what Observe mode refuses (RecordOnly)
        var needed = Access.Needed(endpoint, method);
        if (caller.Role < needed) return (true, false, $"{what} needs the {Name(needed)} role; User \"{caller.User}\" is {Name(caller.Role)}");
        if (RecordOnly.Refuses(mode, method, path, endpoint)) return (true, false, $"{RecordOnly.Why} it takes no writes but the cluster's");
        return (true, true, $"the {Name(caller.Role)} role may {what}");
    }

    private bool Allowed(Caller caller, RouteEndpoint endpoint, string method, string path) =>
        caller.Role >= Access.Needed(endpoint, method) && !RecordOnly.Refuses(mode, method, path, endpoint);

    /// <summary>The endpoint a request would reach: of the routes that match, the one with the fewest parameters.</summary>
    private RouteEndpoint? Route(string method, string path)
    {
        RouteEndpoint? best = null;
        var fewest = int.MaxValue;
        foreach (var (endpoint, matcher, methods, parameters) in _routes.Value)
        {
            if (!methods.Contains(method, StringComparer.OrdinalIgnoreCase) || parameters >= fewest) continue;
            if (!matcher.TryMatch(path, [])) continue;
            (best, fewest) = (endpoint, parameters);
        }
        return best;
    }

    /// <summary>Whether a route is a resource's (/api/v1/nodes...), not discovery's (/api, /api/v1, /apis/apps/v1) or the engine's.</summary>
    private static bool IsResourcePath(string pattern)
    {
        var segments = pattern.Trim('/').Split('/');
        return segments[0] == "api" ? segments.Length > 2 : segments[0] == "apis" && segments.Length > 3;
    }

    private static string Qualified(string group, string resource) => group.Length == 0 ? resource : resource + "." + group;

    private static string Name(Role role) => role.ToString().ToLowerInvariant();

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
