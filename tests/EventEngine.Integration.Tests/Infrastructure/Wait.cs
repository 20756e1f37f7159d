using System.Runtime.CompilerServices;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>Waits for a condition (a position reached, a row written) by asking again, never by sleeping for a guessed time.</summary>
public static class Wait
{
    /// <summary>How often a condition is asked: short, so a wait ends moments after the condition holds, without spinning a core.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    /// <summary>Asks <paramref name="condition"/> until it holds; fails when <paramref name="timeout"/> passes first.</summary>
    public static async Task UntilAsync(
        Func<Task<bool>> condition,
        TimeSpan timeout,
        [CallerArgumentExpression(nameof(condition))] string? description = null)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        using var timer = new PeriodicTimer(Poll);
        while (!await condition())
        {
            if (cancellation.IsCancellationRequested) throw new TimeoutException($"Not true after {timeout}: {description}");
            await timer.WaitForNextTickAsync(CancellationToken.None);
        }
    }

    /// <summary>Waits until <paramref name="position"/> (a seq some background work has reached) is at least <paramref name="target"/>.</summary>
    public static Task UntilPositionAsync(
        Func<long> position,
        long target,
        TimeSpan timeout,
        [CallerArgumentExpression(nameof(position))] string? description = null) =>
        UntilAsync(() => Task.FromResult(position() >= target), timeout, $"{description} reaches {target}");
}
