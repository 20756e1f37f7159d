using System.Globalization;
using EventEngine.Events;
using EventEngine.State;
using EventEngine.Storage;

namespace EventEngine.Projections.History;

/// <summary>One event of a walk through the log, with the state just before and just after it.</summary>
public sealed record LogStep(StoredEvent Stored, Recorded Recorded, ClusterState Before, ClusterState After);

/// <summary>
/// The cluster at any point of the log: the nearest snapshot, then the same fold the live engine runs over the
/// events after it. "at" is a seq or an RFC 3339 time (the last event recorded at or before it).
/// </summary>
public sealed class TimeTravel(EventStore store, Snapshots snapshots, ILiveHead live)
{
    private const int FoldPage = 5_000;
    private readonly object _cacheLock = new();
    private (long Seq, ClusterState State)? _cached;

    /// <summary>The seq the live state stands at: the newest point a read can name.</summary>
    public long Head => live.Current.Head;

    /// <summary>
    /// The seq an "at" names (null or empty: now). Throws <see cref="InvalidAtException"/> naming
    /// <paramref name="parameter"/> for anything else.
    /// </summary>
    public async Task<long> ResolveAsync(string? at, CancellationToken ct, string parameter = "at")
    {
        var head = Head;
        if (string.IsNullOrWhiteSpace(at)) return head;
        if (long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return Math.Min(seq, head);
        if (!TryParseTime(at, out var time))
            throw new InvalidAtException($"{parameter}: \"{at}\" is neither a seq number nor an RFC 3339 time", parameter);
        return await store.LastSeqAtAsync(time, head, ct);
    }

    /// <summary>RFC 3339 only (2026-01-01T00:05:00Z, with an offset or fractions), not every form .NET would read.</summary>
    public static bool TryParseTime(string text, out DateTimeOffset time)
    {
        time = default;
        // RFC 3339 always names its offset: a bare local time is refused, not guessed
        var zoned = text.EndsWith('Z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        return zoned && DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"],
            CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    /// <summary>The state after the event at seq (0: before the first event).</summary>
    public async Task<ClusterState> StateAtAsync(long seq, CancellationToken ct, bool useSnapshots = true)
    {
        if (useSnapshots && live.Current is var (head, current) && head == seq) return current;
        lock (_cacheLock)
            if (useSnapshots && _cached is { } c && c.Seq == seq) return c.State;
        var (from, state) = useSnapshots && await snapshots.AtOrBeforeAsync(seq, ct) is { } snapshot
            ? snapshot
            : (0L, ClusterState.Empty);
        var pending = new List<Recorded>(FoldPage);
        await foreach (var (_, recorded) in ReadAsync(from, seq, ct))
        {
            pending.Add(recorded);
            if (pending.Count < FoldPage) continue;
            state = Fold.EvolveAll(state, pending);
            pending.Clear();
        }
        state = Fold.EvolveAll(state, pending);
        if (useSnapshots) lock (_cacheLock) _cached = (seq, state);
        return state;
    }

    /// <summary>Every event in (fromSeq, toSeq], with the states around it, starting from the state at fromSeq.</summary>
    public async IAsyncEnumerable<LogStep> WalkAsync(long fromSeq, long toSeq, ClusterState? start,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var state = start ?? await StateAtAsync(fromSeq, ct);
        await foreach (var (stored, recorded) in ReadAsync(fromSeq, toSeq, ct))
        {
            var next = Fold.Evolve(state, recorded);
            yield return new LogStep(stored, recorded, state, next);
            state = next;
        }
    }

    /// <summary>Every event in (fromSeq, toSeq], decoded, not folded.</summary>
    public async IAsyncEnumerable<(StoredEvent Stored, Recorded Recorded)> ReadAsync(long fromSeq, long toSeq,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var e in store.ReadRangeAsync(fromSeq, toSeq, ct))
            yield return (e, EventTypes.Decode(e));
    }

    /// <summary>When the event at seq was recorded (null for seq 0).</summary>
    public Task<DateTimeOffset?> TimeOfAsync(long seq, CancellationToken ct) => store.TimeAtAsync(seq, ct);
}

/// <summary>A time parameter ("at", "from", "to") that is neither a seq nor an RFC 3339 time: a 400 naming it.</summary>
public sealed class InvalidAtException(string message, string field = "at") : FormatException(message)
{
    public string Field { get; } = field;
}
