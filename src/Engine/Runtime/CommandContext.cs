namespace EventEngine.Runtime;

/// <summary>
/// Who asks and under which request: every event a command leads to carries both, and the authenticated caller who
/// acted in Actor's name when one did.
/// </summary>
public sealed record CommandContext(string CorrelationId, string Actor, string? ImpersonatedBy = null, IdempotentRequest? Idempotency = null)
{
    public const string ClockActor = "system:clock";
    public const string KubeletActor = "system:simulated-kubelet";

    public static CommandContext System(string actor) => new(Guid.NewGuid().ToString(), actor);

    /// <summary>
    /// When the source says this happened (an imported audit event's time): the command's events are recorded at it,
    /// but never before the log's last event (the log's times only move forward) nor after now.
    /// </summary>
    public DateTimeOffset? ObservedAt { get; init; }

    /// <summary>Where a recorded cluster showed what the command records: its events carry it in their metadata.</summary>
    public Storage.EventSource? Source { get; init; }

    /// <summary>
    /// ?dryRun=All: the command is decided and checked, and answered with the objects as it would leave them, but nothing
    /// is appended and the controller does not act on it (as the API server validates a dry run without persisting it).
    /// </summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// The recorded kind whose watch the command continues (a recorder's commands): when it appends, the kind's last
    /// source resourceVersion (<see cref="Source"/>) is kept with its events, where the recorder resumes from
    /// (<see cref="Storage.EventStore.LastSourceVersionAsync"/>).
    /// </summary>
    public string? Recording { get; init; }

    /// <summary>The leader lease the command's append must still hold (a recorder's commands); null: appended whoever leads.</summary>
    public LeaseFence? Fence { get; init; }
}

/// <summary>
/// A command sent with an Idempotency-Key: the key, a hash of the request, and how to write down the answer (an opaque
/// text the caller renders from the command's outcome, stored with the events and given back to a retry).
/// </summary>
public sealed record IdempotentRequest(string Key, string RequestHash, Func<CommandOutcome, string> Answer);
