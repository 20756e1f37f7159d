using EventEngine.Events;
using EventEngine.Validation;

namespace EventEngine.Decisions;

/// <summary>Why a command was refused. The API maps each kind to one HTTP status, in one place (its error mapping).</summary>
public enum FailureKind
{
    /// <summary>The body could not be read.</summary>
    Malformed,

    /// <summary>The object does not exist.</summary>
    NotFound,

    /// <summary>The object changed or exists already.</summary>
    Conflict,

    /// <summary>The object breaks a Kubernetes rule (with field paths).</summary>
    Invalid,
}

/// <summary>A refused command: kind, a one-line title, detail, and the offending fields.</summary>
public sealed record Failure(FailureKind Kind, string Title, string Detail, IReadOnlyList<FieldError> Errors)
{
    public static Failure NotFound(string what) => new(FailureKind.NotFound, "Not found", $"{what} not found", []);

    public static Failure Conflict(string detail) => new(FailureKind.Conflict, "Conflict", detail, []);

    /// <summary>A conflict the client's own field caused (a stale metadata.resourceVersion or If-Match).</summary>
    public static Failure Conflict(string detail, string field) => new(FailureKind.Conflict, "Conflict", detail, [new FieldError(field, detail)]);

    public static Failure Invalid(string what, IReadOnlyList<FieldError> errors) =>
        new(FailureKind.Invalid, "Invalid object", $"{what} is invalid: {string.Join("; ", errors)}", errors);

    public static Failure Invalid(string what, string field, string message) => Invalid(what, [new FieldError(field, message)]);

    public static Failure Malformed(string detail, string field) =>
        new(FailureKind.Malformed, "Malformed request", detail, field.Length == 0 ? [] : [new FieldError(field, detail)]);

    /// <summary>A part of an object that does not read (a reported status), its field named under <paramref name="at"/>.</summary>
    public static Failure MalformedAt(string at, Model.ManifestException e)
    {
        var field = at + (e.Path.Length == 0 ? "" : "." + e.Path);
        return Malformed($"{field}: {e.Message}", field);
    }

    /// <summary>The same failure for the n-th object of a list: every field path gets the item's index.</summary>
    public Failure AtItem(int index) => this with
    {
        Detail = $"item [{index}]: {Detail}",
        Errors = Errors.Select(e => e with { Field = $"[{index}]" + (e.Field.Length == 0 || e.Field.StartsWith('[') ? "" : ".") + e.Field }).ToList(),
    };
}

/// <summary>The result of deciding a command: the events to record, or why not. No events and no failure is a no-op.</summary>
public sealed record Decided(IReadOnlyList<IEvent> Events, Failure? Failure = null, string? Note = null)
{
    public bool Ok => Failure is null;

    public static Decided Of(params IEvent[] events) => new(events);

    public static Decided Nothing(string note) => new([], null, note);

    public static implicit operator Decided(Failure failure) => new([], failure);
}
