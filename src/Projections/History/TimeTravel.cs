using System.Globalization;
using EventEngine.Events;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;
using Npgsql;

namespace EventEngine.Projections.History;

/// <summary>One event of a walk through the log, with the state just before and just after it.</summary>
public sealed record LogStep(StoredEvent Stored, Events.Recorded Recorded, ClusterState Before, ClusterState After);

/// <summary>
/// The cluster at any point of the log: the nearest snapshot, then the same fold the live engine runs over the
/// events after it. "at" is a seq or an RFC 3339 time (the last event recorded at or before it).
/// </summary>
public sealed class TimeTravel(EventStore store, Snapshots snapshots, EngineRuntime runtime, NpgsqlDataSource db)
{
    private const int PageSize = 5_000;
    private readonly object _cacheLock = new();
    private (long Seq, ClusterState State)? _cached;

    /// <summary>
    /// The seq an "at" names (null or empty: now). Throws <see cref="InvalidAtException"/> naming
    /// <paramref name="parameter"/> for anything else.
    /// </summary>
    public async Task<long> ResolveAsync(string? at, CancellationToken ct, string parameter = "at")
    {
        var head = runtime.Head;
        if (string.IsNullOrWhiteSpace(at)) return head;
        if (long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return Math.Min(seq, head);
        if (!TimeTravel.TryParseTime(at, out var time))
            throw new InvalidAtException($"{parameter}: \"{at}\" is neither a seq number nor an RFC 3339 time", parameter);
        await using var command = db.CreateCommand("select coalesce(max(seq), 0) from events where recorded_at <= @t and seq <= @head");
        command.Parameters.AddWithValue("t", time.ToUniversalTime());
        command.Parameters.AddWithValue("head", head);
        return (long)(await command.ExecuteScalarAsync(ct))!;
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
        if (useSnapshots && runtime.Current is var (head, current) && head == seq) return current;
        lock (_cacheLock)
            if (useSnapshots && _cached is { } c && c.Seq == seq) return c.State;
        var (from, state) = useSnapshots && await snapshots.AtOrBeforeAsync(seq, ct) is { } snapshot
            ? snapshot
            : (0L, ClusterState.Empty);
        var pending = new List<Recorded>(PageSize);
        await foreach (var (_, recorded) in ReadAsync(from, seq, ct))
        {
            pending.Add(recorded);
            if (pending.Count < PageSize) continue;
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

    /// <summary>Every event in (fromSeq, toSeq], read a page at a time, not folded.</summary>
    public async IAsyncEnumerable<(StoredEvent Stored, Recorded Recorded)> ReadAsync(long fromSeq, long toSeq,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var after = fromSeq;
        while (after < toSeq)
        {
            var page = await store.ReadAllAsync(after, PageSize, ct);
            if (page.Count == 0) yield break;
            foreach (var e in page)
            {
                if (e.Seq > toSeq) yield break;
                yield return (e, EngineRuntime.ToRecorded(e));
                after = e.Seq;
            }
        }
    }

    /// <summary>When the event at seq was recorded (null for seq 0).</summary>
    public async Task<DateTimeOffset?> TimeOfAsync(long seq, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select recorded_at from events where seq <= @seq order by seq desc limit 1");
        command.Parameters.AddWithValue("seq", seq);
        return await command.ExecuteScalarAsync(ct) is DateTime t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
    }
}

/// <summary>A time parameter ("at", "from", "to") that is neither a seq nor an RFC 3339 time: a 400 naming it.</summary>
public sealed class InvalidAtException(string message, string field = "at") : FormatException(message)
{
    public string Field { get; } = field;
}
