using EventEngine.Decisions;
using EventEngine.State;
using EventEngine.Validation;
using FluentValidation;

namespace EventEngine.Projections.History;

/// <summary>The point of the log an inspection answers for: a seq and when that event was recorded (absent at seq 0).</summary>
public sealed record LogPoint(long Seq, DateTimeOffset? Time);

/// <summary>An inspection's answer, or why there is none (a malformed "at", an object unknown at that point).</summary>
public sealed record Inspected<T>(T? Value, Failure? Failure) where T : class
{
    public static implicit operator Inspected<T>(T value) => new(value, null);
    public static implicit operator Inspected<T>(Failure failure) => new(null, failure);
}

/// <summary>A pod of a DaemonSet on a node, with the revision it runs and whether that is the current one.</summary>
public sealed record PodView(string Name, string Phase, bool Ready, bool Terminating, long? Revision, string? Hash, bool Current);

/// <summary>What the explain and placement views share: resolving "at", naming pods, validating the DaemonSet key.</summary>
public static class Inspection
{
    /// <summary>The seq "at" names and its time; a malformed "at" is a 400 naming the parameter.</summary>
    public static async Task<Inspected<LogPoint>> ResolveAsync(TimeTravel timeTravel, string? at, CancellationToken ct)
    {
        long seq;
        try
        {
            seq = await timeTravel.ResolveAsync(at, ct);
        }
        catch (FormatException e)
        {
            return Failure.Malformed(e.Message, "at");
        }
        return new LogPoint(seq, await timeTravel.TimeOfAsync(seq, ct));
    }

    /// <summary>
    /// What a question about one DaemonSet reads of the past: the DaemonSet with everything it owns (revisions, pods,
    /// slots, backoffs), the pods without an owner (it may adopt them), and every node (its placement is over all).
    /// </summary>
    public static IReadOnlyList<HistoryReader.Scope> DaemonSetScopes(string daemonSet) =>
    [
        new(ObjectHistory.Kinds.All, Owner: daemonSet),
        new([ObjectHistory.Kinds.Pod], Owner: ""),
        new([ObjectHistory.Kinds.Node]),
    ];

    /// <summary>
    /// What a question about one DaemonSet on one node reads: the DaemonSet itself and its revisions, and the node with
    /// everything on it (pods, slots, backoffs).
    /// </summary>
    public static IReadOnlyList<HistoryReader.Scope> DaemonSetOnNodeScopes(string daemonSet, string node) =>
    [
        new([ObjectHistory.Kinds.DaemonSet, ObjectHistory.Kinds.DaemonSetStatus, ObjectHistory.Kinds.Revision, ObjectHistory.Kinds.DeletedOwner], Owner: daemonSet),
        new(ObjectHistory.Kinds.All, Node: node),
    ];

    public static Failure NotFound(string parameter, string what, LogPoint at) =>
        new(FailureKind.NotFound, "Not found", $"{what} does not exist at seq {at.Seq}", [new FieldError(parameter, "Not found")]);

    /// <summary>Revision numbers by template hash, for the revisions the DaemonSet still owns.</summary>
    public static IReadOnlyDictionary<string, long> RevisionNumbers(ClusterState state, DaemonSetState ds) =>
        state.RevisionsOf(ds).ToDictionary(r => r.Hash, r => r.Number, StringComparer.Ordinal);

    public static PodView Pod(PodState pod, DaemonSetState ds, IReadOnlyDictionary<string, long> revisions) =>
        new(pod.Name, pod.Phase, pod.Ready, pod.IsTerminating,
            pod.Hash is { } hash && revisions.TryGetValue(hash, out var number) ? number : null,
            pod.Hash, ds.IsUpdated(pod));

    /// <summary>
    /// The daemonset query parameter: namespace/name, a namespace and a name as Kubernetes allows them. A key that no
    /// DaemonSet can have is a 422 naming the parameter, not an empty answer: a timeline filtered by a mistyped key would
    /// say that nothing happened.
    /// </summary>
    public static IRuleBuilderOptions<T, string?> MustBeDaemonSetKey<T>(this IRuleBuilderInitial<T, string?> rule) =>
        rule.MustBeName("daemonset", "Required value: namespace/name", DaemonSetKeyError);

    /// <summary>The node query parameter: a node's name (a DNS subdomain), or a 422 naming the parameter.</summary>
    public static IRuleBuilderOptions<T, string?> MustBeNodeName<T>(this IRuleBuilderInitial<T, string?> rule) =>
        rule.MustBeName("node", "Required value", NameRules.DnsSubdomain);

    /// <summary>The namespace query parameter: a DNS label, or a 422 naming the parameter.</summary>
    public static IRuleBuilderOptions<T, string?> MustBeNamespaceName<T>(this IRuleBuilderInitial<T, string?> rule) =>
        rule.MustBeName("namespace", "Required value", NameRules.DnsLabel);

    /// <summary>A query parameter that names an object: present, and a name <paramref name="why"/> finds nothing wrong with.</summary>
    private static IRuleBuilderOptions<T, string?> MustBeName<T>(this IRuleBuilderInitial<T, string?> rule, string parameter, string required,
        Func<string, string?> why) =>
        rule.Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage(required)
            .Must(name => why(name!) is null)
            .WithMessage((_, name) => $"Invalid value: \"{name}\": {why(name!)}")
            .OverridePropertyName(parameter);

    /// <summary>Why a DaemonSet key is not one, or null when it is.</summary>
    private static string? DaemonSetKeyError(string key) =>
        key.Split('/') is not [{ Length: > 0 } ns, { Length: > 0 } name] ? "must be namespace/name"
        : NameRules.DnsLabel(ns) is { } nsError ? $"namespace \"{ns}\": {nsError}"
        : NameRules.DnsSubdomain(name) is { } nameError ? $"name \"{name}\": {nameError}"
        : null;
}
