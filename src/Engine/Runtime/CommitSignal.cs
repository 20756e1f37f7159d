namespace EventEngine.Runtime;

/// <summary>
/// Wakes a reader that follows the log (a watch) when this process commits: it listens to
/// <see cref="EngineRuntime.Changed"/> while it lives. A commit that was already telling its listeners when the reader
/// ended finds the signal disposed, and is ignored.
/// </summary>
public sealed class CommitSignal : IDisposable
{
    private readonly EngineRuntime _runtime;
    private readonly SemaphoreSlim _changed = new(0);

    public CommitSignal(EngineRuntime runtime)
    {
        _runtime = runtime;
        runtime.Changed += Signal;
    }

    /// <summary>Until a commit since the last wait, or the timeout.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _changed.WaitAsync(timeout, cancellationToken);

    private void Signal()
    {
        try
        {
            _changed.Release();
        }
        catch (ObjectDisposedException)
        {
            // the reader ended while a commit was telling its listeners
        }
    }

    public void Dispose()
    {
        _runtime.Changed -= Signal;
        _changed.Dispose();
    }
}
