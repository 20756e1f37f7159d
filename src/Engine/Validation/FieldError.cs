namespace EventEngine.Validation;

/// <summary>One invalid field, named by its path as Kubernetes names it (spec.template.metadata.labels).</summary>
public sealed record FieldError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Collects field errors while walking an object.</summary>
public sealed class FieldErrors
{
    private readonly List<FieldError> _errors = [];

    public IReadOnlyList<FieldError> Errors => _errors;
    public bool Any => _errors.Count > 0;

    public void Add(string field, string message) => _errors.Add(new FieldError(field, message));

    public void Required(string field, string? detail = null) => Add(field, "Required value" + (detail is null ? "" : ": " + detail));

    public void Invalid(string field, object? value, string detail) => Add(field, $"Invalid value: {Show(value)}: {detail}");

    public void NotSupported(string field, object? value, params string[] supported) =>
        Add(field, $"Unsupported value: {Show(value)}: supported values: {string.Join(", ", supported.Select(s => "\"" + s + "\""))}");

    public void Forbidden(string field, string detail) => Add(field, "Forbidden: " + detail);

    public void Immutable(string field) => Add(field, "Invalid value: field is immutable");

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        _ => value.ToString() ?? "",
    };
}
