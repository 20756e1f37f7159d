using System.Runtime.CompilerServices;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>Waits for a condition by asking again, never by sleeping for a guessed time.</summary>
public static class Wait
{
    /// <summary>Asks <paramref name="condition"/> until it holds; fails when <paramref name="timeout"/> passes first.</summary>
    public static async Task UntilAsync(
        Func<Task<bool>> condition,
        TimeSpan timeout,
        [CallerArgumentExpression(nameof(condition))] string? description = null)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            if (cancellation.IsCancellationRequested)
            {
                throw new TimeoutException($"Not true after {timeout}: {description}");
            }

            await Task.Yield();
        }
    }
}
