namespace EventEngine.Events;

/// <summary>A fact recorded in the log. Events are immutable positional records named in the past tense.</summary>
public interface IEvent;

/// <summary>An event as the fold sees it: its id, when it happened, and the event that caused it.</summary>
public sealed record Recorded(Guid Id, DateTimeOffset At, IEvent Event, Guid? CausationId = null);
