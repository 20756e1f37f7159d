namespace EventEngine.Model;

/// <summary>
/// What one request body may make the parser build: nesting depth, and values in all (a YAML alias counts the values
/// it repeats). Checked while reading, before anything is converted, so a small hostile body (an alias bomb, a
/// self-referencing alias, a deep bracket run) is refused at the cost of reading it, never expanded.
/// </summary>
public sealed record ParseLimits(int MaxDepth, int MaxNodes)
{
    /// <summary>64 levels (DaemonSet manifests use under 20); 250,000 values (a 5,000-node cluster's manifests use about 100,000).</summary>
    public static readonly ParseLimits Default = new(64, 250_000);
}
