using System.Text.Json.Nodes;
using EventEngine.Model;
using EventEngine.Storage;

// What the /engine/v1 endpoints take and answer where they build the JSON by hand, as records for the OpenAPI document
// (/openapi/v1.json) only: nothing serializes them. EngineDocumentTests holds a real answer of each endpoint against
// its schema, so a field added to an answer and not here (or the reverse) fails a test.
namespace EventEngine.Api.Endpoints;

/// <summary>POST /engine/v1/apply: what happened to each object, the events appended and the last one's seq (null: nothing changed).</summary>
public sealed record ApplyAnswer(IReadOnlyList<AppliedObject> Items, int Events, long? Head);

/// <summary>One object of an apply (namespace null for a node) and its action: created, configured or unchanged.</summary>
public sealed record AppliedObject(string ApiVersion, string Kind, string? Namespace, string Name, string Action, string ResourceVersion);

/// <summary>POST /engine/v1/demo/incident: the phases written, with the seqs and times each spans.</summary>
public sealed record IncidentAnswer(IReadOnlyList<IncidentPhase> Phases);

/// <summary>One phase of the demo incident.</summary>
public sealed record IncidentPhase(string Name, string Story, long FromSeq, long ToSeq, string From, string To);

/// <summary>POST /engine/v1/clock: how far to move the manual clock.</summary>
public sealed record ClockRequest(double AdvanceSeconds);

/// <summary>The manual clock's time after the move, and the events the timers that came due appended.</summary>
public sealed record ClockAnswer(string Now, int Events);

/// <summary>GET /engine/v1/events: a page of the audit log; continue is the seq to read after for the next page.</summary>
public sealed record EventPage(IReadOnlyList<LoggedEvent> Items, string? Continue);

/// <summary>One event of the log as stored: its place, its type's stable name, its data and who caused it.</summary>
public sealed record LoggedEvent(long Seq, Guid Id, string Stream, long Version, string Type, JsonObject Data, LoggedEventMetadata Metadata, string RecordedAt);

/// <summary>The request that started the chain, the event that caused this one, who acted (and who acted for them), and why.</summary>
public sealed record LoggedEventMetadata(string CorrelationId, string? CausationId, string Actor, string? ImpersonatedBy, EventReason? Reason, EventSource? Source);

/// <summary>A seq of the log and the time its event was recorded (null at seq 0).</summary>
public sealed record SeqTime(long Seq, string? Time);

/// <summary>GET /engine/v1/state: a page of the cluster at a seq: nodes, then DaemonSets, then pods, and the whole state's fingerprint.</summary>
public sealed record StatePage(SeqTime At, string Fingerprint, IReadOnlyList<Node> Nodes, IReadOnlyList<StateDaemonSet> DaemonSets, IReadOnlyList<Pod> Pods, string? Continue);

/// <summary>A DaemonSet as GET returns it, with its current revision.</summary>
public sealed record StateDaemonSet(string ApiVersion, string Kind, ObjectMeta Metadata, DaemonSetSpec Spec, DaemonSetStatus? Status, CurrentRevision CurrentRevision);

/// <summary>A DaemonSet's current revision: its number (null before the controller numbered it) and template hash.</summary>
public sealed record CurrentRevision(long? Revision, string? Hash);

/// <summary>GET /engine/v1/timeline: entries in log order up to seq <c>to</c>; continue resumes after the last entry.</summary>
public sealed record TimelinePage(IReadOnlyList<TimelineEntry> Items, long To, string? Continue, IReadOnlyList<EventEngine.Projections.History.Divergence>? Divergences);

/// <summary>
/// One event of the timeline: when, who, the request that started it (its correlation id), a sentence, why, what caused
/// it, and the pods created and removed because of it.
/// </summary>
public sealed record TimelineEntry(long Seq, string Id, string Time, string Type, string Actor, string? Request, string Description, EventReason? Reason,
    TimelineCause? Cause, IReadOnlyList<PlacementChange> Placement, TimelineDivergences? Divergences);

/// <summary>With ?divergences=true: the divergences from Kubernetes' rules an entry began and ended (see GET /engine/v1/divergences).</summary>
public sealed record TimelineDivergences(IReadOnlyList<TimelineDivergence> Began, IReadOnlyList<TimelineDivergence> Ended);

public sealed record TimelineDivergence(string DaemonSet, string Node, string Kind, string Reason);

/// <summary>The event that caused an entry (its description when it is in the window read, its actor when it is older).</summary>
public sealed record TimelineCause(long Seq, string Id, string Type, string? Description, string? Actor);

/// <summary>The pods of one DaemonSet an event created and removed.</summary>
public sealed record PlacementChange(string DaemonSet, IReadOnlyList<PlacedPod> Created, IReadOnlyList<PlacedPod> Removed);

/// <summary>A pod created or removed, where, and (when removed) the controller's reason.</summary>
public sealed record PlacedPod(string Pod, string? Node, string? Reason);

/// <summary>
/// GET /engine/v1/daemonsets/{ns}/{name}/revisions/{rev}/placements: every pod that ran a revision; deletedAt is when the
/// DaemonSet answered for was deleted (null while it exists), current whether the revision is its current one.
/// </summary>
public sealed record RevisionPlacements(string DaemonSet, string Uid, string? DeletedAt, long Revision, string Hash, bool Current, RevisionReach Summary,
    IReadOnlyList<PlacementInterval> Items, string? Continue);

/// <summary>How far a revision reached: nodes it ran on, when it first and last ran, and pods running it now.</summary>
public sealed record RevisionReach(long NodesReached, string? First, string? Last, long Current);

/// <summary>One pod of the revision, from when to when (null: still running), and why it ended.</summary>
public sealed record PlacementInterval(string? Node, string Pod, string From, long FromSeq, string? To, long? ToSeq, string? Ended, string? Detail);

/// <summary>
/// POST /engine/v1/replay: a window of the log replayed with altered history. from and to are seqs or RFC 3339 times
/// (to defaults to the end of the log).
/// </summary>
public sealed record ReplayRequest(JsonNode? From, JsonNode? To, IReadOnlyList<ReplayChange>? Changes);

/// <summary>
/// One change, taking effect after the seq in at (default: from): one of replaceDaemonSet (as if it had always been so),
/// apply (objects, as if applied then), patchNode, patchDaemonSet, removeEvents (seqs left out).
/// </summary>
public sealed record ReplayChange(JsonNode? At, JsonObject? ReplaceDaemonSet, IReadOnlyList<JsonObject>? Apply, NodePatchChange? PatchNode,
    DaemonSetPatchChange? PatchDaemonSet, IReadOnlyList<long>? RemoveEvents);

/// <summary>A merge patch of a node.</summary>
public sealed record NodePatchChange(string Name, JsonObject Patch);

/// <summary>A merge patch of a DaemonSet named namespace/name.</summary>
public sealed record DaemonSetPatchChange(string Daemonset, JsonObject Patch);

/// <summary>What the replay did against what happened for real: a summary, and each step.</summary>
public sealed record ReplayAnswer(long From, long To, ReplaySummary Summary, IReadOnlyList<ReplayStepAnswer> Steps);

/// <summary>Commands replayed, steps that came out differently, and per DaemonSet the pods created, removed and evicted on each side.</summary>
public sealed record ReplaySummary(int Commands, int StepsWithDifferences, IReadOnlyList<ReplayDaemonSet> DaemonSets);

/// <summary>One DaemonSet's counts, and the nodes it runs on at the end on one side only.</summary>
public sealed record ReplayDaemonSet(string DaemonSet, PodCounts Real, PodCounts Replay, IReadOnlyList<string> EndOnlyReal, IReadOnlyList<string> EndOnlyReplay);

/// <summary>Pods created, removed, and of those removed the ones evicted by a taint.</summary>
public sealed record PodCounts(int Created, int Removed, int Evicted);

/// <summary>One command of the window: what it did for real and in the replay, and where they differ.</summary>
public sealed record ReplayStepAnswer(long Seq, string Time, string? Request, string Actor, string Description, PodChanges Real, PodChanges Replay,
    IReadOnlyList<ReplayDifference> Differences, IReadOnlyList<string> Notes);

/// <summary>The pods a step created and removed.</summary>
public sealed record PodChanges(IReadOnlyList<ChangedPod> Created, IReadOnlyList<ChangedPod> Removed);

/// <summary>A pod of a DaemonSet created or removed on a node (removed: with the reason).</summary>
public sealed record ChangedPod(string DaemonSet, string? Node, string Pod, string? Reason);

/// <summary>A DaemonSet on a node where the step came out differently: "created", "removed (reason)" or "unchanged" on each side.</summary>
public sealed record ReplayDifference(string DaemonSet, string? Node, string Real, string Replay);

/// <summary>POST /engine/v1/projections/rebuild: the seq the read models were rebuilt to, and how long it took.</summary>
public sealed record RebuildAnswer(long Seq, long TookMilliseconds);
