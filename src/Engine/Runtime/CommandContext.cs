namespace EventEngine.Runtime;

/// <summary>
/// Who asks and under which request: every event a command leads to carries both, and the authenticated caller who
/// acted in Actor's name when one did.
/// </summary>
public sealed record CommandContext(string CorrelationId, string Actor, string? ImpersonatedBy = null)
{
    public const string ClockActor = "system:clock";
    public const string KubeletActor = "system:simulated-kubelet";

    public static CommandContext System(string actor) => new(Guid.NewGuid().ToString(), actor);
}
