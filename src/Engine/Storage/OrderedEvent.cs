namespace EventEngine.Storage;

/// <summary>An event and its stream, in the order the caller decided them (see <see cref="EventStore.AppendOrderedAsync"/>).</summary>
public sealed record OrderedEvent(string Stream, NewEvent Event);
