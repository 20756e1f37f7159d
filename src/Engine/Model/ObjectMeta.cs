namespace EventEngine.Model;

/// <summary>Kubernetes object metadata (the subset the engine reads and writes).</summary>
public sealed record ObjectMeta
{
    public string? Name { get; init; }
    public string? Namespace { get; init; }
    public string? Uid { get; init; }
    public string? ResourceVersion { get; init; }
    public long? Generation { get; init; }
    public DateTimeOffset? CreationTimestamp { get; init; }
    public DateTimeOffset? DeletionTimestamp { get; init; }
    public long? DeletionGracePeriodSeconds { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
    public IReadOnlyList<OwnerReference>? OwnerReferences { get; init; }
}

/// <summary>A reference from a dependent (a pod, a revision) to its owner.</summary>
public sealed record OwnerReference
{
    public string? ApiVersion { get; init; }
    public string? Kind { get; init; }
    public string? Name { get; init; }
    public string? Uid { get; init; }
    public bool? Controller { get; init; }
    public bool? BlockOwnerDeletion { get; init; }

    public static OwnerReference ForDaemonSet(string name, string uid) => new()
    {
        ApiVersion = "apps/v1", Kind = "DaemonSet", Name = name, Uid = uid, Controller = true, BlockOwnerDeletion = true,
    };
}
