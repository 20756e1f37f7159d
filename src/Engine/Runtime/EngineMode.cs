namespace EventEngine.Runtime;

/// <summary>
/// Engine:Mode. Control (the default): the engine is the DaemonSet controller of the cluster it models, and may simulate
/// its kubelets. Observe: it records a real cluster (the recorder appends what the cluster's API server shows) and
/// decides nothing itself: the controller's answer is computed for every point of the log (placement, explain), never
/// acted on, and writes through the API are refused.
/// </summary>
public sealed record EngineMode(bool Observes)
{
    public static EngineMode Control { get; } = new(false);

    public static EngineMode Observe { get; } = new(true);

    public override string ToString() => Observes ? "Observe" : "Control";
}
