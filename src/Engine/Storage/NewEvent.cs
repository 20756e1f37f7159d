namespace EventEngine.Storage;

/// <summary>An event about to be appended; <paramref name="Data"/> is JSON text.</summary>
/// <param name="Id">Chosen by the caller, so a retried append is recognised and not stored twice.</param>
/// <param name="Type">The stable, versioned type name (for example <c>node_joined.v1</c>).</param>
/// <param name="Data">The event body as JSON text.</param>
/// <param name="Metadata">Correlation, causation, actor and reason.</param>
public sealed record NewEvent(Guid Id, string Type, string Data, EventMetadata Metadata);
