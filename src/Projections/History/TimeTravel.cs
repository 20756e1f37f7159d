using System.Globalization;
using EventEngine.Events;
using EventEngine.Runtime;
using EventEngine.State;
using EventEngine.Storage;

namespace EventEngine.Projections.History;

/// <summary>One event of a walk through the log, with the state just before and just after it.</summary>
public sealed record LogStep(StoredEvent Stored, Recorded Recorded, ClusterState Before, ClusterState After);

/// <summary>
/// The cluster at any point of the log, read from the object history (see <see cref="HistoryReader"/>): the whole of
/// it, or only the objects a question needs (one DaemonSet with the nodes, one node), at the cost of those objects.
/// At the live head it is the live state. "at" is a seq or an RFC 3339 time (the last event recorded at or before it).
/// </summary>
public sealed class TimeTravel
{
    private readonly EventStore store;
    private readonly HistoryReader? history;
    private readonly ILiveHead live;
    private readonly object _cacheLock = new();
    private (long Seq, ClusterState State)? _cached;

    public TimeTravel(EventStore store, HistoryReader history, ILiveHead live) : this(store, live, history)
    {
    }

    private TimeTravel(EventStore store, ILiveHead live, HistoryReader? history) => (this.store, this.history, this.live) = (store, history, live);

    /// <summary>
    /// Time travel without the history: every state is the plain fold of the log up to it (folding on from the last
    /// one asked when the next is later). Slow, and exact by construction: the reference the history is checked against.
    /// </summary>
    public static TimeTravel FoldingTheLog(EventStore store, ILiveHead live) => new(store, live, null);

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

    /// <summary>The whole state after the event at seq (0: before the first event).</summary>
    public async Task<ClusterState> StateAtAsync(long seq, CancellationToken ct)
    {
        if (history is not null && live.Current is var (head, current) && head == seq) return current;
        (long Seq, ClusterState State)? cached;
        lock (_cacheLock) cached = _cached;
        if (cached is { } c && c.Seq == seq) return c.State;
        var state = history is not null
            ? await BackFromLiveAsync(seq, ct)
            : await FoldAsync(cached is { } earlier && earlier.Seq < seq ? earlier : (0, ClusterState.Empty), seq, ct);
        // the fold of the log goes on from the last state asked; read from the history, a state is not kept (memory stays flat)
        if (history is null) lock (_cacheLock) _cached = (seq, state);
        return state;
    }

    /// <summary>
    /// The objects of these scopes after the event at seq, as a state of their own (slots and counters derived from
    /// them): enough for a question about those objects, at the cost of reading them. At the live head, the live state.
    /// </summary>
    public async Task<ClusterState> PartAtAsync(long seq, IReadOnlyList<HistoryReader.Scope> scopes, CancellationToken ct)
    {
        if (history is null) return await StateAtAsync(seq, ct);
        if (live.Current is var (head, current) && head == seq) return current;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var state = ObjectHistory.StateOf(await history.ReadObjectsAsync(seq, scopes, ct));
        EngineMetrics.StateBuilt(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        return state;
    }

    /// <summary>
    /// The whole state after the event at seq, from the live state: the objects that changed since are put back as they
    /// were then (or taken away, made since), the rest are the live objects as they are. Reads what changed after seq, not
    /// the cluster: a state near the head costs little, one far back at most what reading all of it would. What was
    /// written after the live state was taken is taken out too (see <see cref="HistoryReader.ChangedAfterAsync"/>).
    /// </summary>
    private async Task<ClusterState> BackFromLiveAsync(long seq, CancellationToken ct)
    {
        var (head, current) = live.Current;
        // ahead of the live state (a reader that has not caught up): nothing to go back from
        if (seq > head) return await PartAtAsync(seq, [HistoryReader.Scope.Everything], ct);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (then, since) = await history!.ChangedAfterAsync(seq, head, ct);
        var changed = new HashSet<(char, string)>(since);
        foreach (var (kind, key, _) in then) changed.Add((kind, key));
        var state = Fold.Back(current, changed, then);
        EngineMetrics.StateBuilt(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        return state;
    }

    private async Task<ClusterState> FoldAsync((long Seq, ClusterState State) from, long seq, CancellationToken ct)
    {
        var state = from.State;
        var pending = new List<Recorded>();
        await foreach (var e in store.ReadRangeAsync(from.Seq, seq, ct)) pending.Add(EventTypes.Decode(e));
        return Fold.EvolveAll(state, pending);
    }

    /// <summary>Stored versions read back, in parallel when there are many (a whole cluster is a hundred thousand).</summary>
    public static IEnumerable<(char Kind, string Key, object Value)> Deserialize(List<HistoryReader.Stored> rows) =>
        rows.Count < 2_000 ? rows.Select(r => r.Read()) : rows.AsParallel().AsOrdered().Select(r => r.Read()).ToList();

    /// <summary>The fingerprint of the whole state after the event at seq.</summary>
    public async Task<string> FingerprintAsync(long seq, CancellationToken ct) =>
        history is not null ? await history.FingerprintAsync(seq, ct) : Fingerprint.Of(await StateAtAsync(seq, ct));

    /// <summary>The stored versions of these scopes holding at seq (see <see cref="HistoryReader.ReadAsync"/>).</summary>
    public async Task<List<HistoryReader.Stored>> VersionsAsync(long seq, IReadOnlyList<HistoryReader.Scope> scopes, CancellationToken ct) =>
        history is not null ? await history.ReadAsync(seq, scopes, ct) : Within(await StateAtAsync(seq, ct), scopes);

    /// <summary>A page of one kind's objects at seq, in key order (see <see cref="HistoryReader.PageAsync"/>).</summary>
    public async Task<List<HistoryReader.Stored>> PageAsync(long seq, char kind, string after, int limit, string? inNamespace, CancellationToken ct)
    {
        if (history is not null) return await history.PageAsync(seq, kind, after, limit, inNamespace, ct);
        return Within(await StateAtAsync(seq, ct), [new([kind])])
            .Where(r => string.CompareOrdinal(r.Key, after) > 0 && (inNamespace is null || r.Key.StartsWith(inNamespace + "/", StringComparison.Ordinal)))
            .OrderBy(r => r.Key, StringComparer.Ordinal).Take(limit).ToList();
    }

    /// <summary>A page of one scope's objects at seq, in key order (see <see cref="HistoryReader.ScopePageAsync"/>).</summary>
    public async Task<List<HistoryReader.Stored>> ScopePageAsync(long seq, HistoryReader.Scope scope, string after, int limit, string? inNamespace,
        CancellationToken ct)
    {
        if (history is not null) return await history.ScopePageAsync(seq, scope, after, limit, inNamespace, ct);
        return Within(await StateAtAsync(seq, ct), [scope])
            .Where(r => string.CompareOrdinal(r.Key, after) > 0 && (inNamespace is null || r.Key.StartsWith(inNamespace + "/", StringComparison.Ordinal)))
            .OrderBy(r => r.Key, StringComparer.Ordinal).Take(limit).ToList();
    }

    /// <summary>The objects of a folded state within the scopes, stored as the history stores them.</summary>
    private static List<HistoryReader.Stored> Within(ClusterState state, IReadOnlyList<HistoryReader.Scope> scopes)
    {
        var seen = new HashSet<(char, string)>();
        var rows = new List<HistoryReader.Stored>();
        foreach (var change in ObjectHistory.All(state))
        {
            var version = ObjectHistory.VersionOf(change, state, state);
            if (scopes.Any(s => s.Kinds.Contains(change.Kind) && (s.Owner is null || s.Owner == version.Owner) && (s.Node is null || s.Node == version.Node))
                && seen.Add((change.Kind, change.Key)))
                rows.Add(new HistoryReader.Stored(change.Kind, change.Key, version.Body()));
        }
        return rows;
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

    /// <summary>
    /// Every event in (fromSeq, toSeq] with the states around it reduced to what describing the event needs (the node,
    /// pod or DaemonSet it changes, the DaemonSet's revisions): read from the history a page of events at a time, the
    /// versions of those few objects over the page, so a walk costs the events it reads, not the cluster.
    /// </summary>
    public async IAsyncEnumerable<LogStep> DescribedStepsAsync(long fromSeq, long toSeq,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        if (history is null)
        {
            await foreach (var step in WalkAsync(fromSeq, toSeq, null, ct)) yield return step;
            yield break;
        }
        // pages grow: a reader that wants a few steps (a timeline page) does not pay for describing thousands
        var pageSize = 250;
        var page = new List<(StoredEvent Stored, Recorded Recorded)>(pageSize);
        await foreach (var e in ReadAsync(fromSeq, toSeq, ct))
        {
            page.Add(e);
            if (page.Count < pageSize) continue;
            foreach (var step in await DescribePageAsync(page, ct)) yield return step;
            page.Clear();
            pageSize = Math.Min(pageSize * 2, 2_000);
        }
        foreach (var step in await DescribePageAsync(page, ct)) yield return step;
    }

    /// <summary>
    /// These events (in seq order, from anywhere in the log) with the states around each reduced to what describing it
    /// needs, as <see cref="DescribedStepsAsync"/> gives them: from the history, the versions of their few objects, 2,000
    /// events at a time; without it, from the fold.
    /// </summary>
    public async Task<List<LogStep>> DescribeAsync(IReadOnlyList<(StoredEvent Stored, Recorded Recorded)> events, CancellationToken ct)
    {
        var steps = new List<LogStep>(events.Count);
        if (history is null)
        {
            foreach (var (stored, recorded) in events)
            {
                var before = await StateAtAsync(stored.Seq - 1, ct);
                steps.Add(new LogStep(stored, recorded, before, Fold.Evolve(before, recorded)));
            }
            return steps;
        }
        for (var first = 0; first < events.Count; first += 2_000)
            steps.AddRange(await DescribePageAsync(events.Skip(first).Take(2_000).ToList(), ct));
        return steps;
    }

    private async Task<List<LogStep>> DescribePageAsync(List<(StoredEvent Stored, Recorded Recorded)> page, CancellationToken ct)
    {
        if (page.Count == 0) return [];
        var wanted = page.SelectMany(e => Described(e.Recorded.Event)).Distinct().ToList();
        var owners = page.Select(e => e.Recorded.Event is PodCreated c ? c.DaemonSet : null).OfType<string>().Distinct().ToList();
        var versions = await history!.VersionsAsync(wanted, owners, page[0].Stored.Seq - 1, page[^1].Stored.Seq, ct);
        // each version is read once, and an event's states are made of its own objects' versions: for each object the one
        // that holds at the seq, found by where the versions begin (an object's versions do not overlap), and the
        // DaemonSet's revisions that hold there; not by looking through all the page read, twice per event
        var values = new object?[versions.Count];
        var byObject = new Dictionary<(char, string), List<int>>();
        var revisionsOf = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < versions.Count; i++)
        {
            var v = versions[i];
            Add(byObject, (v.Kind, v.Key), i);
            if (v.Kind == ObjectHistory.Kinds.Revision && v.Owner is not null) Add(revisionsOf, v.Owner, i);
        }
        foreach (var list in byObject.Values) list.Sort((a, b) => versions[a].Lower.CompareTo(versions[b].Lower));
        int? Holding(List<int> list, long seq)
        {
            var (low, high, found) = (0, list.Count - 1, -1);
            while (low <= high)
            {
                var middle = (low + high) / 2;
                if (versions[list[middle]].Lower <= seq) (found, low) = (middle, middle + 1);
                else high = middle - 1;
            }
            return found >= 0 && versions[list[found]].Upper >= seq ? list[found] : null;
        }

        var nothing = ObjectHistory.StateOf([]);
        // the last state made, by the versions it was made of: the state after one event is often the state before the next
        var (lastMade, lastState) = (new List<int>(), nothing);
        var mine = new List<int>();
        var steps = new List<LogStep>(page.Count);
        foreach (var (stored, recorded) in page)
        {
            var objects = Described(recorded.Event).Distinct().Select(byObject.GetValueOrDefault).OfType<List<int>>().ToList();
            var revisions = recorded.Event is PodCreated created ? revisionsOf.GetValueOrDefault(created.DaemonSet) : null;
            ClusterState At(long seq)
            {
                mine.Clear();
                foreach (var list in objects)
                    if (Holding(list, seq) is { } i) mine.Add(i);
                foreach (var i in revisions ?? [])
                    if (versions[i].Lower <= seq && versions[i].Upper >= seq && !mine.Contains(i)) mine.Add(i);
                if (mine.Count == 0) return nothing;
                // in the order they were read
                mine.Sort();
                if (mine.SequenceEqual(lastMade)) return lastState;
                lastState = ObjectHistory.StateOf(mine.Select(i => (versions[i].Kind, versions[i].Key, values[i] ??= ObjectHistory.Read(versions[i].Kind, versions[i].Body))));
                lastMade.Clear();
                lastMade.AddRange(mine);
                return lastState;
            }
            steps.Add(new LogStep(stored, recorded, At(stored.Seq - 1), At(stored.Seq)));
        }
        return steps;
    }

    private static void Add<TKey>(Dictionary<TKey, List<int>> index, TKey key, int i) where TKey : notnull
    {
        if (!index.TryGetValue(key, out var list)) index[key] = list = [];
        list.Add(i);
    }

    /// <summary>The objects an event's description reads (see <see cref="Descriptions"/>).</summary>
    private static IEnumerable<(char Kind, string Key)> Described(IEvent e) => e switch
    {
        NodeLabelsChanged x => [(ObjectHistory.Kinds.Node, x.Node)],
        NodeAnnotationsChanged x => [(ObjectHistory.Kinds.Node, x.Node)],
        NodeResourcesChanged x => [(ObjectHistory.Kinds.Node, x.Node)],
        NodeTaintsChanged x => [(ObjectHistory.Kinds.Node, x.Node)],
        DaemonSetUpdated x => [(ObjectHistory.Kinds.DaemonSet, x.DaemonSet), (ObjectHistory.Kinds.DaemonSetStatus, x.DaemonSet)],
        PodCreated x => [(ObjectHistory.Kinds.DaemonSet, x.DaemonSet), (ObjectHistory.Kinds.DaemonSetStatus, x.DaemonSet)],
        PodLabelsChanged x => [(ObjectHistory.Kinds.Pod, x.Namespace + "/" + x.Pod)],
        _ => [],
    };

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
