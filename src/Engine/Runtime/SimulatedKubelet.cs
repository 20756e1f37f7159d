using EventEngine.Decisions;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.State;
using EventEngine.Storage;

namespace EventEngine.Runtime;

/// <summary>Engine__SimulatedKubelet: on by default for a standalone server; pods report ready after a delay.</summary>
public sealed record KubeletOptions(bool Enabled, TimeSpan ReadyAfter);

/// <summary>
/// A node agent for clusters that have none (like KWOK's fake nodes): pods the engine created report Running and
/// Ready ReadyAfter seconds after creation, through the same command path a real node agent uses. The pods still
/// waiting are kept in an index by due time, moved by the events the runtime appends (rebuilt from the state when
/// other processes appended), so asking when the next report is due never scans the cluster.
/// </summary>
public sealed class SimulatedKubelet
{
    private readonly EngineRuntime runtime;
    private readonly KubeletOptions options;
    private readonly object _lock = new();
    private SortedSet<(DateTimeOffset Due, string Key)>? _waiting;
    private readonly Dictionary<string, DateTimeOffset> _due = new(StringComparer.Ordinal);

    public SimulatedKubelet(EngineRuntime runtime, KubeletOptions options)
    {
        (this.runtime, this.options) = (runtime, options);
        if (!options.Enabled) return;
        runtime.Appended += (events, _) =>
        {
            lock (_lock)
                if (_waiting is not null)
                    foreach (var (stored, e) in events) Follow(stored, e);
        };
        runtime.Refreshed += () =>
        {
            lock (_lock) _waiting = null;
        };
    }

    public bool Enabled => options.Enabled;

    /// <summary>When the next pod becomes ready, if any is waiting.</summary>
    public DateTimeOffset? NextDue()
    {
        if (!options.Enabled) return null;
        lock (_lock)
        {
            // read under the lock: a commit publishes its state before it adds its pods to the index, so this state
            // holds every pod the index does, and one missing from it is gone, not yet to come
            var s = runtime.State;
            var waiting = Waiting(s);
            while (waiting.Count > 0)
            {
                var first = waiting.Min;
                if (s.Pods.TryGetValue(first.Key, out var pod) && IsWaiting(pod)) return first.Due;
                Remove(first.Key);
            }
            return null;
        }
    }

    /// <summary>
    /// Reports every pod whose time has come, as one command: for each, the report a node agent would send (Running,
    /// Ready since its time came), decided by the same rules as PUT .../pods/{name}/status.
    /// </summary>
    public async Task<CommandOutcome> ReportDueAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled) return runtime.Unchanged();
        return await runtime.ExecuteAsync(CommandContext.System(CommandContext.KubeletActor), (s, now) =>
        {
            // decided on the state the writer gives, which may be one an append in flight leaves: the index (kept from
            // what committed) is read, never rebuilt from it; a pod not in it yet is reported by a later pass
            List<string> due;
            lock (_lock) due = (_waiting ?? Index(s)).TakeWhile(w => w.Due <= now).Select(w => w.Key).ToList();
            var events = new List<IEvent>();
            // each report reads only its own pod, so reports decided on one state cannot disagree; a pending pod's report is never refused
            foreach (var key in due.Order(StringComparer.Ordinal))
                if (s.Pods.TryGetValue(key, out var pod) && IsWaiting(pod) && pod.CreatedAt + options.ReadyAfter <= now)
                    events.AddRange(PodDecisions.ReportStatus(s, pod.Namespace, pod.Name, ReadySince(pod.CreatedAt + options.ReadyAfter), now).Events);
            return new Decided(events);
        }, null, cancellationToken);
    }

    /// <summary>The index, built from the live state (<see cref="NextDue"/>) the first time and after other processes appended.</summary>
    private SortedSet<(DateTimeOffset Due, string Key)> Waiting(ClusterState s)
    {
        if (_waiting is not null) return _waiting;
        _waiting = Index(s);
        _due.Clear();
        foreach (var (due, key) in _waiting) _due[key] = due;
        return _waiting;
    }

    /// <summary>The pods of a state still waiting, by due time, without keeping them as the index.</summary>
    private SortedSet<(DateTimeOffset Due, string Key)> Index(ClusterState s) =>
        new(s.Pods.Values.Where(IsWaiting).Select(p => (p.CreatedAt + options.ReadyAfter, p.Key)));

    private void Follow(StoredEvent stored, IEvent e)
    {
        switch (e)
        {
            case PodCreated x:
                Add(x.Namespace + "/" + x.Pod, stored.RecordedAt + options.ReadyAfter);
                break;
            case PodStatusObserved or PodDeleted or PodTerminating or PodRegistered:
                Remove(Subjects.PodOf(e)!);
                break;
        }
    }

    private void Add(string key, DateTimeOffset due)
    {
        Remove(key);
        _due[key] = due;
        _waiting!.Add((due, key));
    }

    private void Remove(string key)
    {
        if (_due.Remove(key, out var due)) _waiting?.Remove((due, key));
    }

    private static PodStatus ReadySince(DateTimeOffset since) => new()
    {
        Phase = PodPhases.Running,
        Conditions = [new PodCondition { Type = "Ready", Status = "True", LastTransitionTime = since }],
    };

    private static bool IsWaiting(PodState p) => !p.Observed && p.Phase == PodPhases.Pending && !p.Ready && !p.IsTerminating;
}
