using System.Globalization;
using EventEngine.Decisions;
using EventEngine.Runtime;
using EventEngine.Validation;
using FluentValidation;

namespace EventEngine.Commands;

/// <summary>metadata.resourceVersion (or If-Match) turned into a stream-version precondition: a stale write is a 409.</summary>
public static class Preconditions
{
    public static IReadOnlyList<VersionPrecondition>? ResourceVersion(string stream, string? resourceVersion, string what)
    {
        if (string.IsNullOrEmpty(resourceVersion)) return null;
        var version = long.TryParse(resourceVersion.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1;
        return [new VersionPrecondition(stream, version, what)];
    }

    public static IReadOnlyList<VersionPrecondition>? DaemonSetVersion(string ns, string name, string? resourceVersion) =>
        ResourceVersion(Events.Subjects.DaemonSetStream(ns + "/" + name), resourceVersion, $"daemonset {ns}/{name}");

    /// <summary>FluentValidation rule: Kubernetes DNS-subdomain names, with the message Kubernetes gives.</summary>
    public static IRuleBuilderOptions<T, string> MustBeDnsSubdomain<T>(this IRuleBuilder<T, string> rule, string field) =>
        rule.Must(n => !string.IsNullOrEmpty(n) && NameRules.DnsSubdomain(n) is null).OverridePropertyName(field)
            .WithMessage((_, n) => $"Invalid value: \"{n}\": {NameRules.DnsSubdomain(n ?? "") ?? "must not be empty"}");

    /// <summary>FluentValidation rule: namespaces are DNS labels.</summary>
    public static IRuleBuilderOptions<T, string> MustBeNamespace<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(n => !string.IsNullOrEmpty(n) && NameRules.DnsLabel(n) is null).OverridePropertyName("namespace")
            .WithMessage((_, n) => $"Invalid value: \"{n}\": {NameRules.DnsLabel(n ?? "") ?? "must not be empty"}");

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
