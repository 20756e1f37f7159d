namespace EventEngine.Storage;

/// <summary>Why an event happened: a machine-readable code and a sentence for people.</summary>
public sealed record EventReason(string Code, string Message);

/// <summary>Who caused an event and through what: stored beside every event as jsonb.</summary>
/// <param name="CorrelationId">The request that started the chain of events.</param>
/// <param name="CausationId">The event that caused this one, if any.</param>
/// <param name="Actor">Who acted: a user, a node agent, the controller.</param>
/// <param name="Reason">Why, when there is more to say than the event type.</param>
/// <param name="ImpersonatedBy">The authenticated caller who acted in Actor's name (kubectl --as), if one did.</param>
/// <param name="Source">Where a recorded cluster showed it (Observe mode), if it did.</param>
public sealed record EventMetadata(
    string CorrelationId,
    string? CausationId,
    string Actor,
    EventReason? Reason,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? ImpersonatedBy = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    EventSource? Source = null);

/// <summary>
/// Where a recorded event came from: the cluster's resourceVersion of what was seen (an object's, or a list's for a
/// resync), the object's uid there, and the audit event's id for an imported audit log.
/// </summary>
public sealed record EventSource(string? ResourceVersion, string? Uid, string? AuditId);
