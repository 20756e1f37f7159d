namespace EventEngine.Model.Patches;

/// <summary>Why a patch was refused: the status an API server answers with.</summary>
public enum PatchError
{
    /// <summary>The patch itself is malformed (a bad directive, a missing merge key): 400.</summary>
    BadRequest,

    /// <summary>The patch is well formed but cannot apply to this object (a list of lists, a path that is not there): 422.</summary>
    Invalid,
}

/// <summary>A patch that could not be applied; <see cref="Path"/> names the field (spec.template.spec.containers[0]).</summary>
public sealed class PatchException(string message, string path, PatchError kind) : Exception(message)
{
    public string Path { get; } = path;
    public PatchError Kind { get; } = kind;
}
