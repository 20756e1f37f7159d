using System.Globalization;
using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Runtime;
using EventEngine.Model;
using EventEngine.Validation;
using FluentValidation;

namespace EventEngine.Commands;

/// <summary>
/// metadata.resourceVersion and If-Match turned into preconditions on the object's resourceVersion (the seq of its
/// last event): a stale write is a 409 naming the field that carried the stale version. Each one given must be the
/// latest; If-Match: * asks for none.
/// </summary>
public static class Preconditions
{
    public const string ResourceVersionField = "metadata.resourceVersion";
    public const string IfMatchField = "If-Match";

    /// <summary>The preconditions of a write to one object's stream (null: unconditional).</summary>
    public static IReadOnlyList<VersionPrecondition>? Versions(string stream, string what, string? ifMatch, string? resourceVersion,
        string resourceVersionField = ResourceVersionField) =>
        Versions([stream], what, ifMatch, resourceVersion, resourceVersionField);

    /// <summary>The preconditions of a write to an object kept in several streams (null: unconditional).</summary>
    public static IReadOnlyList<VersionPrecondition>? Versions(IReadOnlyList<string> streams, string what, string? ifMatch, string? resourceVersion,
        string resourceVersionField = ResourceVersionField)
    {
        var list = new List<VersionPrecondition>();
        if (!string.IsNullOrEmpty(ifMatch) && ifMatch != "*") list.Add(new VersionPrecondition(streams, Parse(ifMatch), what, IfMatchField));
        if (!string.IsNullOrEmpty(resourceVersion)) list.Add(new VersionPrecondition(streams, Parse(resourceVersion), what, resourceVersionField));
        return list.Count == 0 ? null : list;
    }

    public static IReadOnlyList<VersionPrecondition>? NodeVersion(string name, string? ifMatch, string? resourceVersion = null) =>
        Versions(Events.Subjects.NodeStream(name), $"node {name}", ifMatch, resourceVersion);

    public static IReadOnlyList<VersionPrecondition>? DaemonSetVersion(string ns, string name, string? ifMatch, string? resourceVersion = null) =>
        Versions(Events.Subjects.DaemonSetStreams(ns + "/" + name), $"daemonset {ns}/{name}", ifMatch, resourceVersion);

    public static IReadOnlyList<VersionPrecondition>? PodVersion(string ns, string name, string? ifMatch, string? resourceVersion = null) =>
        Versions(Events.Subjects.PodStream(ns + "/" + name), $"pod {ns}/{name}", ifMatch, resourceVersion);

    /// <summary>
    /// A delete's DeleteOptions.preconditions (an eviction's under deleteOptions, <paramref name="At"/>): the uid and the
    /// resourceVersion the object must still have, as a controller guards a delete against a newer object of the same
    /// name. Checked as the API server checks them (storage.Preconditions.Check): only on an object that exists (a
    /// missing one is a 404 whatever they say), the uid first, then the resourceVersion, each compared as given (an
    /// empty one is a conflict too); a mismatch is a 409 that deletes nothing.
    /// </summary>
    public sealed record OnDelete(string? Uid, string? ResourceVersion, string At = "")
    {
        public static readonly OnDelete None = new(null, null);

        public string UidField => At + "preconditions.uid";
        public string ResourceVersionField => At + "preconditions.resourceVersion";

        /// <summary>The preconditions against the object's uid and resourceVersion (null: met, or nothing to check against).</summary>
        public Failure? Unmet(string? uid, long resourceVersion)
        {
            if (uid is null) return null;
            if (Uid is not null && Uid != uid)
                return Failure.Conflict($"Precondition failed: UID in precondition: {Uid}, UID in object meta: {uid}", UidField);
            var actual = resourceVersion.ToString(CultureInfo.InvariantCulture);
            return ResourceVersion is not null && ResourceVersion != actual
                ? Failure.Conflict($"Precondition failed: ResourceVersion in precondition: {ResourceVersion}, ResourceVersion in object meta: {actual}", ResourceVersionField)
                : null;
        }
    }

    /// <summary>metadata.resourceVersion of a raw object or merge patch; a resourceVersion is a string, anything else is a 400.</summary>
    public static string? ResourceVersionOf(JsonNode? obj, string path = ResourceVersionField) =>
        JsonFields.At(obj, "metadata", "resourceVersion") switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var text) => text,
            _ => throw new Model.ManifestException($"{path} must be a string", path),
        };

    /// <summary>A resourceVersion this server gave is a seq; anything else can never be the latest (-1).</summary>
    private static long Parse(string version) =>
        long.TryParse(version.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1;

    /// <summary>FluentValidation rule: Kubernetes DNS-subdomain names, with the message Kubernetes gives.</summary>
    public static IRuleBuilderOptions<T, string> MustBeDnsSubdomain<T>(this IRuleBuilder<T, string> rule, string field) =>
        rule.Must(n => !string.IsNullOrEmpty(n) && NameRules.DnsSubdomain(n) is null).OverridePropertyName(field)
            .WithMessage((_, n) => $"Invalid value: \"{n}\": {NameRules.DnsSubdomain(n ?? "") ?? "must not be empty"}");

    /// <summary>FluentValidation rule: namespaces are DNS labels.</summary>
    public static IRuleBuilderOptions<T, string> MustBeNamespace<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(n => !string.IsNullOrEmpty(n) && NameRules.DnsLabel(n) is null).OverridePropertyName("namespace")
            .WithMessage((_, n) => $"Invalid value: \"{n}\": {NameRules.DnsLabel(n ?? "") ?? "must not be empty"}");

    /// <summary>FluentValidation rule: a JSON merge patch is an object.</summary>
    public static IRuleBuilderOptions<T, JsonNode> MustBeMergePatch<T>(this IRuleBuilder<T, JsonNode> rule) =>
        rule.Must(p => p is JsonObject).OverridePropertyName("body").WithMessage("a merge patch must be a JSON object");

    /// <summary>An object sent to a namespaced path without a namespace takes the path's.</summary>
    public static Model.ObjectMeta InNamespace(Model.ObjectMeta? meta, string pathNamespace)
    {
        meta ??= new Model.ObjectMeta();
        return meta with { Namespace = meta.Namespace ?? pathNamespace };
    }

    /// <summary>The namespace of an object sent to a namespaced path must be the path's (or absent).</summary>
    public static Failure? NamespaceMismatch(string pathNamespace, string? bodyNamespace) =>
        bodyNamespace is { Length: > 0 } ns && ns != pathNamespace
            ? Failure.Malformed($"the namespace of the provided object ({ns}) does not match the namespace sent on the request ({pathNamespace})", "metadata.namespace")
            : null;
}
