using System.Text.Json.Nodes;
using EventEngine.Api.Http;
using EventEngine.Api.Kubernetes;
using EventEngine.Model;

namespace EventEngine.Api.Endpoints;

/// <summary>
/// The caller's questions about itself, as a Kubernetes API server answers them: SelfSubjectAccessReview (kubectl auth
/// can-i), SelfSubjectRulesReview (kubectl auth can-i --list) and SelfSubjectReview (kubectl auth whoami). Anyone who
/// may call the server may ask; nothing is written.
/// </summary>
public static class AccessReviewEndpoints
{
    public static void MapAccessReviewEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(AccessReviews.AccessReviewPath, async (HttpRequest request, AccessReviews reviews, CancellationToken ct) =>
        {
            var review = await ReviewAsync(request, "authorization.k8s.io/v1", "SelfSubjectAccessReview", ct);
            var spec = review["spec"] as JsonObject ?? throw new ManifestException("Required value", "spec", malformed: false);
            var caller = Caller.Of(request.HttpContext);
            (bool Allowed, string Reason) answer;
            switch (spec["resourceAttributes"], spec["nonResourceAttributes"])
            {
                case (JsonObject resource, null):
                    answer = reviews.Resource(caller, Required(resource, "verb", "spec.resourceAttributes"), Text(resource, "group", "spec.resourceAttributes") ?? "",
                        Required(resource, "resource", "spec.resourceAttributes"), Text(resource, "subresource", "spec.resourceAttributes"),
                        Text(resource, "namespace", "spec.resourceAttributes"), Text(resource, "name", "spec.resourceAttributes"), Text(resource, "version", "spec.resourceAttributes"));
                    break;
                case (null, JsonObject other):
                    answer = reviews.NonResource(caller, Required(other, "verb", "spec.nonResourceAttributes"), Required(other, "path", "spec.nonResourceAttributes"));
                    break;
                case (not null and not JsonObject, _):
                    throw new ManifestException("expected an object", "spec.resourceAttributes");
                case (_, not null and not JsonObject):
                    throw new ManifestException("expected an object", "spec.nonResourceAttributes");
                case (not null, not null):
                    throw new ManifestException("Invalid value: cannot be specified in combination with resourceAttributes", "spec.nonResourceAttributes", malformed: false);
                default:
                    throw new ManifestException("Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified", "spec.resourceAttributes", malformed: false);
            }
            review["status"] = answer.Allowed
                ? new JsonObject { ["allowed"] = true, ["reason"] = answer.Reason }
                : new JsonObject { ["allowed"] = false, ["denied"] = true, ["reason"] = answer.Reason };
            return Created(review);
        }).WithTags("Access").WithMetadata(new RequiresRole(Role.Viewer), RecordOnly.WritesNothing.Instance);

        app.MapPost(AccessReviews.RulesReviewPath, async (HttpRequest request, AccessReviews reviews, CancellationToken ct) =>
        {
            var review = await ReviewAsync(request, "authorization.k8s.io/v1", "SelfSubjectRulesReview", ct);
            var spec = review["spec"] switch
            {
                null => [],
                JsonObject given => given,
                _ => throw new ManifestException("expected an object", "spec"),
            };
            review["spec"] = spec;
            var (resourceRules, nonResourceRules) = reviews.Rules(Caller.Of(request.HttpContext), Text(spec, "namespace", "spec") ?? "");
            review["status"] = new JsonObject { ["resourceRules"] = resourceRules, ["nonResourceRules"] = nonResourceRules, ["incomplete"] = false };
            return Created(review);
        }).WithTags("Access").WithMetadata(new RequiresRole(Role.Viewer), RecordOnly.WritesNothing.Instance);

        app.MapPost(AccessReviews.SelfReviewPath, async (HttpRequest request, CancellationToken ct) =>
        {
            var review = await ReviewAsync(request, "authentication.k8s.io/v1", "SelfSubjectReview", ct);
            var caller = Caller.Of(request.HttpContext);
            var named = request.Headers[RequestContext.ImpersonateHeader].ToString() is { Length: > 0 } impersonated ? impersonated : request.Headers[RequestContext.ActorHeader].ToString();
            // an admin acting in another user's name is that user to the log (its events' actor), and the review says who acts
            var acting = named.Length > 0 && named != caller.User && caller.Role >= Role.Admin;
            var user = new JsonObject
            {
                ["username"] = acting ? named : caller.User,
                ["groups"] = new JsonArray($"eventengine:{caller.Role.ToString().ToLowerInvariant()}", caller.Anonymous ? "system:unauthenticated" : "system:authenticated"),
            };
            if (acting) user["extra"] = new JsonObject { ["eventengine.io/acting-as-by"] = new JsonArray(caller.User) };
            review["status"] = new JsonObject { ["userInfo"] = user };
            return Created(review);
        }).WithTags("Access").WithMetadata(new RequiresRole(Role.Viewer), RecordOnly.WritesNothing.Instance);
    }

    /// <summary>The review sent: an object of the endpoint's apiVersion and kind (absent, they are taken as the endpoint's).</summary>
    private static async Task<JsonObject> ReviewAsync(HttpRequest request, string apiVersion, string kind, CancellationToken ct)
    {
        // kubectl's typed clients send these kinds as protobuf; the answer is JSON, which they read as well
        var review = await Bodies.JsonOrProtobufAsync(request, KubeProtobuf.Review, ct);
        if (review.TryGetPropertyValue("apiVersion", out var given) && JsonFields.Text(review, "apiVersion") != apiVersion)
            throw new ManifestException($"Invalid value: {given?.ToJsonString() ?? "null"}: this endpoint takes {apiVersion} {kind}", "apiVersion");
        if (review.TryGetPropertyValue("kind", out var givenKind) && JsonFields.Text(review, "kind") != kind)
            throw new ManifestException($"Invalid value: {givenKind?.ToJsonString() ?? "null"}: this endpoint takes {apiVersion} {kind}", "kind");
        review["apiVersion"] = apiVersion;
        review["kind"] = kind;
        review["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        return review;
    }

    private static string? Text(JsonObject obj, string field, string at) => obj[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var text) => text,
        _ => throw new ManifestException("expected a string", $"{at}.{field}"),
    };

    private static string Required(JsonObject obj, string field, string at) =>
        Text(obj, field, at) is { Length: > 0 } text ? text : throw new ManifestException("Required value", $"{at}.{field}", malformed: false);

    private static IResult Created(JsonObject review) => Results.Text(review.ToJsonString(), "application/json", statusCode: 201);
}
