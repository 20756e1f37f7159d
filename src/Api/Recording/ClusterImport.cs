using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventEngine.Decisions;
using EventEngine.Model;
using EventEngine.Runtime;
using EventEngine.Storage;

namespace EventEngine.Api.Recording;

/// <summary>
/// POST /engine/v1/import (Observe mode): a cluster's history from files it already has, read as a stream of JSON values
/// or YAML documents:
/// <list type="bullet">
/// <item>kube-apiserver audit events (audit.k8s.io/v1 Event, one JSON object a line): a create, update or patch of a
/// node, DaemonSet or pod records the object of its responseObject (RequestResponse level; at Request level a create
/// or update records its requestObject, a patch has no object to record), a delete records the object gone; the
/// event's stageTimestamp is when it happened; only ResponseComplete stages with a 2xx code count;</item>
/// <item>watch events as `kubectl get -w -o json --output-watch-events` prints them ({"type", "object"});</item>
/// <item>a List (`kubectl get -o yaml` or json, typed lists too) or single objects: a starting snapshot.</item>
/// </list>
/// Each usable value is one command, of the audit event's user or else the actor "cluster", its Idempotency-Key the SHA-256 of the value, so importing
/// the same file again appends nothing. A value that cannot be used is counted under its reason, never dropped
/// silently, and does not stop the import.
/// </summary>
public sealed class ClusterImport(EngineRuntime runtime, ILogger<ClusterImport> logger)
{
    /// <summary>How many commands are queued before the import waits for them (they commit in groups).</summary>
    private const int InFlight = 64;

    /// <summary>The largest file taken (512 MiB).</summary>
    public const long MaxBytes = 512L * 1024 * 1024;

    /// <summary>The file is larger than <see cref="MaxBytes"/>.</summary>
    public sealed class TooLargeException() : Exception($"an import holds at most {MaxBytes} bytes: split the file");

    /// <summary>What an import did: values read, commands that appended, ones already imported, ones that changed nothing, and what was skipped why.</summary>
    public sealed record Summary(
        long Read, long Recorded, long Events, long AlreadyImported, long Unchanged, long Skipped,
        IReadOnlyDictionary<string, long> SkippedBecause, IReadOnlyList<string> FirstSkipped);

    public async Task<Summary> ImportAsync(Stream body, Action<Summary>? progress, CancellationToken ct)
    {
        var tally = new Tally();
        var queued = new List<(Task<(CommandOutcome Outcome, IReadOnlyList<(string What, Failure Failure)> Refused)> Recorded, string Where)>();
        async Task DrainAsync()
        {
            foreach (var (recorded, where) in queued)
            {
                var (done, refused) = await recorded;
                // an object the engine refuses is reported as skipped, with the engine's reason
                foreach (var (what, why) in refused)
                {
                    tally.Skip(where, $"refused: {what}: {why.Detail}");
                    logger.LogWarning("Import {Where}: not recorded: {What}: {Detail}", where, what, why.Detail);
                }
                if (done.Replayed is not null) tally.AlreadyImported++;
                else if (done.Failure is { } failure) tally.Skip(where, "refused: " + failure.Detail);
                else if (done.Events.Count == 0)
                {
                    if (refused.Count == 0) tally.Unchanged++;
                }
                else
                {
                    tally.Recorded++;
                    tally.Events += done.Events.Count;
                }
            }
            queued.Clear();
            progress?.Invoke(tally.Summary());
        }
        await foreach (var (value, where, malformed) in ValuesAsync(body, ct))
        {
            tally.Read++;
            if (malformed is not null)
            {
                tally.Skip(where, malformed);
                continue;
            }
            foreach (var (observation, skipped) in Observe(value!))
            {
                if (skipped is not null)
                {
                    tally.Skip(where, skipped);
                    continue;
                }
                var (objects, removed, at, text) = observation!;
                var actor = observation.Actor;
                var key = "import:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
                var context = new CommandContext(key, actor, Idempotency: new IdempotentRequest(key, key, _ => "{}"))
                {
                    ObservedAt = at,
                    Source = observation.Source,
                };
                queued.Add((Observations.RecordAsync(runtime, context, objects, removed, ct), where));
            }
            if (queued.Count >= InFlight) await DrainAsync();
        }
        await DrainAsync();
        return tally.Summary();
    }

    /// <summary>One value of the file: the objects it shows, the objects it says are gone, when, and its text (its identity).</summary>
    private sealed record Observation(IReadOnlyList<JsonObject> Objects, IReadOnlyList<(string Kind, string Key)> Removed, DateTimeOffset? At, string Text)
    {
        /// <summary>Who acted, when the source says (an audit event's user); else the cluster.</summary>
        public string Actor { get; init; } = ClusterRecorder.Actor;

        /// <summary>The audit event's id, when it is one.</summary>
        public string? AuditId { get; init; }

        /// <summary>The cluster's resourceVersion and uid of the object, as the source shows them.</summary>
        public EventSource Source =>
            Objects.FirstOrDefault() is { } obj
                ? new EventSource(JsonFields.Text(obj, "metadata", "resourceVersion"), JsonFields.Text(obj, "metadata", "uid"), AuditId)
                : new EventSource(null, null, AuditId);
    }

    /// <summary>What a value of the file records, or why it records nothing (a List records each item on its own).</summary>
    private static IEnumerable<(Observation? Observation, string? Skipped)> Observe(JsonNode value)
    {
        if (value is not JsonObject obj)
        {
            yield return (null, "not a JSON object");
            yield break;
        }
        var text = obj.ToJsonString();
        var kind = JsonFields.Text(obj, "kind");
        var apiVersion = JsonFields.Text(obj, "apiVersion") ?? "";
        if (kind == "Event" && apiVersion.StartsWith("audit.k8s.io/", StringComparison.Ordinal))
        {
            yield return Audit(obj, text);
            yield break;
        }
        if (obj["type"] is JsonValue && obj["object"] is JsonObject watched)
        {
            yield return Watched(JsonFields.Text(obj, "type"), watched, text);
            yield break;
        }
        if (kind is { } listKind && listKind.EndsWith("List", StringComparison.Ordinal) && obj["items"] is JsonArray items)
        {
            // a typed list's items carry no kind: the list's names it
            var itemKind = listKind == "List" ? null : listKind[..^4];
            foreach (var item in items)
            {
                if (item is not JsonObject one)
                {
                    yield return (null, "a list item that is not an object");
                    continue;
                }
                var copy = (JsonObject)one.DeepClone();
                if (itemKind is not null) copy["kind"] ??= itemKind;
                yield return Snapshot(copy, copy.ToJsonString());
            }
            yield break;
        }
        yield return Snapshot(obj, text);
    }

    private static (Observation?, string?) Snapshot(JsonObject obj, string text) =>
        Recordable(obj) is { } why ? (null, why) : (new Observation([obj], [], null, text), null);

    /// <summary>A watch event: ADDED and MODIFIED record the object, DELETED its going; BOOKMARK and ERROR carry none.</summary>
    private static (Observation?, string?) Watched(string? type, JsonObject obj, string text)
    {
        if (type is "BOOKMARK" or "ERROR") return (null, $"a {type} watch event carries no object");
        if (Recordable(obj) is { } why) return (null, why);
        return type switch
        {
            "ADDED" or "MODIFIED" => (new Observation([obj], [], null, text), null),
            "DELETED" => (new Observation([], [(JsonFields.Text(obj, "kind")!, Observations.KeyOf(obj))], Time(JsonFields.At(obj, "metadata", "deletionTimestamp")), text), null),
            _ => (null, $"watch event type \"{type}\" is not ADDED, MODIFIED, DELETED, BOOKMARK or ERROR"),
        };
    }

    /// <summary>An audit event (audit.k8s.io/v1): the object a successful write left, or the one it deleted.</summary>
    private static (Observation?, string?) Audit(JsonObject e, string text)
    {
        var stage = JsonFields.Text(e, "stage");
        if (stage != "ResponseComplete") return (null, $"audit stage {stage ?? "(none)"}: only ResponseComplete says what happened");
        var code = JsonFields.At(e, "responseStatus", "code") is JsonValue c && c.TryGetValue<int>(out var n) ? n : 0;
        if (code is < 200 or > 299) return (null, $"audit event of a request that failed ({code})");
        var verb = JsonFields.Text(e, "verb");
        var resource = JsonFields.Text(e, "objectRef", "resource");
        var kind = resource switch { "nodes" => "Node", "pods" => "Pod", "daemonsets" => "DaemonSet", "controllerrevisions" => "ControllerRevision", _ => null };
        if (kind is null) return (null, $"audit event about {resource ?? "no resource"}: only nodes, pods, daemonsets and controllerrevisions are recorded");
        var at = Time(e["stageTimestamp"]) ?? Time(e["requestReceivedTimestamp"]);
        var actor = JsonFields.Text(e, "user", "username") is { Length: > 0 } user ? user : ClusterRecorder.Actor;
        var auditId = JsonFields.Text(e, "auditID");
        if (verb == "delete")
        {
            var name = JsonFields.Text(e, "objectRef", "name");
            if (name is null) return (null, "audit delete without objectRef.name");
            return (new Observation([], [(kind, Observations.KeyOf(kind, JsonFields.Text(e, "objectRef", "namespace"), name))], at, text) { Actor = actor, AuditId = auditId }, null);
        }
        if (verb is not ("create" or "update" or "patch")) return (null, $"audit verb {verb ?? "(none)"}: only create, update, patch and delete change objects");
        var obj = e["responseObject"] as JsonObject ?? (verb is "create" or "update" ? e["requestObject"] as JsonObject : null);
        if (obj is null) return (null, $"audit {verb} without the object (a patch at Request level holds only the patch: log at RequestResponse)");
        if (JsonFields.Text(obj, "kind") is not { } objectKind || objectKind != kind) return (null, $"audit {verb}: the object is a {JsonFields.Text(obj, "kind") ?? "(no kind)"}, not a {kind}");
        if (Recordable(obj) is { } why) return (null, why);
        return (new Observation([obj], [], at, text) { Actor = actor, AuditId = auditId }, null);
    }

    /// <summary>Why an object is not recorded, or null: a kind recorded, with a name, and a pod a DaemonSet controls.</summary>
    private static string? Recordable(JsonObject obj)
    {
        var kind = JsonFields.Text(obj, "kind");
        if (kind is null || !Observations.Kinds.ContainsKey(kind)) return $"kind {kind ?? "(none)"}: only Node, DaemonSet, ControllerRevision and Pod are recorded";
        if (JsonFields.Text(obj, "metadata", "name") is null) return $"a {kind} without metadata.name";
        if (!Observations.Wanted(obj)) return $"a {kind} no DaemonSet controls";
        return null;
    }

    private static DateTimeOffset? Time(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var text) && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>
    /// The file's values: JSON values one after another (lines, or pretty-printed objects as kubectl prints them), or YAML
    /// documents; where each one is (its number), for the report. JSON is read as it arrives, a line or a value at a time,
    /// so an import holds one value in memory, not the file (an audit log of hundreds of megabytes included); a YAML file
    /// is read whole. A line that does not parse is skipped; a value that does not parse ends the stream of concatenated
    /// values (its position is reported).
    /// </summary>
    private static async IAsyncEnumerable<(JsonNode? Value, string Where, string? Malformed)> ValuesAsync(Stream body,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var pipe = PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 1 << 16, leaveOpen: true));
        try
        {
            // the file's form, from its first line that is not blank. A piece that ends within a line or a value is
            // looked at again once what has arrived has doubled, not at every read: a line or value of many megabytes
            // is scanned a few times over, not once per read
            Form form;
            long lookAgainAt = 0, skipped = 0;
            while (true)
            {
                var read = await pipe.ReadAsync(ct);
                if (read.Buffer.Length > MaxBytes) throw new TooLargeException();
                form = read.IsCompleted || read.Buffer.Length >= lookAgainAt ? FormOf(read.Buffer, read.IsCompleted) : Form.Unknown;
                if (form != Form.Unknown)
                {
                    // nothing taken yet: the reading below starts from the first byte, after a byte order mark
                    skipped = new SequenceReader<byte>(read.Buffer).IsNext(ByteOrderMark) ? ByteOrderMark.Length : 0;
                    pipe.AdvanceTo(read.Buffer.GetPosition(skipped));
                    break;
                }
                lookAgainAt = read.Buffer.Length * 2;
                pipe.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
            if (form == Form.Empty) yield break;
            if (form == Form.Yaml)
            {
                foreach (var document in await YamlDocumentsAsync(pipe, ct)) yield return document;
                yield break;
            }

            var values = new List<(JsonNode?, string, string?)>();
            var reading = new JsonRead(form == Form.Lines, skipped);
            lookAgainAt = 0;
            while (true)
            {
                var read = await pipe.ReadAsync(ct);
                if (!read.IsCompleted && read.Buffer.Length < lookAgainAt)
                {
                    if (read.Buffer.Length > MaxBytes) throw new TooLargeException();
                    pipe.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                    continue;
                }
                var consumed = reading.Take(read.Buffer, read.IsCompleted, values);
                // what is left is the start of one line or value: it may not outgrow the file's bound
                var left = read.Buffer.Slice(consumed).Length;
                if (left > MaxBytes || reading.Offset > MaxBytes) throw new TooLargeException();
                lookAgainAt = left * 2;
                pipe.AdvanceTo(consumed, read.Buffer.End);
                foreach (var value in values) yield return value;
                values.Clear();
                if (read.IsCompleted || reading.Ended) yield break;
            }
        }
        finally
        {
            await pipe.CompleteAsync();
        }
    }

    private enum Form { Unknown, Empty, Yaml, Lines, Concatenated }

    /// <summary>UTF-8's byte order mark, which some tools write at the start of a file: not part of its first value.</summary>
    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// The form of a file from its start: YAML unless its first byte that is not blank opens JSON; JSON lines when the
    /// line it begins parses by itself, else concatenated values. Unknown until that line has arrived whole.
    /// </summary>
    private static Form FormOf(ReadOnlySequence<byte> start, bool whole)
    {
        var reader = new SequenceReader<byte>(start);
        if (!reader.IsNext(ByteOrderMark, advancePast: true) && start.Length < ByteOrderMark.Length && !whole) return Form.Unknown;
        reader.AdvancePastAny(" \t\r\n"u8);
        if (reader.End) return whole ? Form.Empty : Form.Unknown;
        reader.TryPeek(out var first);
        if (first is not ((byte)'{' or (byte)'[')) return Form.Yaml;
        var rest = start.Slice(reader.Position);
        ReadOnlySequence<byte> line;
        if (new SequenceReader<byte>(rest).TryReadTo(out ReadOnlySequence<byte> upToNewline, (byte)'\n')) line = upToNewline;
        else if (whole) line = rest;
        else return Form.Unknown;
        return ParsesAlone(line) ? Form.Lines : Form.Concatenated;
    }

    private static bool ParsesAlone(ReadOnlySequence<byte> line)
    {
        try
        {
            JsonNode.Parse(line.IsSingleSegment ? line.FirstSpan : line.ToArray());
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task<IReadOnlyList<(JsonNode?, string, string?)>> YamlDocumentsAsync(PipeReader pipe, CancellationToken ct)
    {
        ReadResult read;
        while (true)
        {
            read = await pipe.ReadAsync(ct);
            if (read.Buffer.Length > MaxBytes) throw new TooLargeException();
            if (read.IsCompleted) break;
            pipe.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
        var text = Encoding.UTF8.GetString(read.Buffer);
        pipe.AdvanceTo(read.Buffer.End);
        try
        {
            var documents = Yaml.ToJson(text);
            return documents.Select((d, i) => (d, $"document {i + 1}", (string?)null)).Where(d => d.d is not null).ToList();
        }
        catch (Exception e) when (e is ManifestException or FormatException)
        {
            return [(null, "the file", "not JSON values and not YAML: " + e.Message)];
        }
    }

    /// <summary>
    /// JSON read from a stream a piece at a time: whole lines (each a value, or an array of values), or concatenated
    /// values, taken from each piece as far as they are complete; the rest waits for the next piece.
    /// </summary>
    private sealed class JsonRead(bool lines, long offset)
    {
        private static readonly JsonDocumentOptions Document = new() { MaxDepth = 64 };
        private JsonReaderState _state = new(new JsonReaderOptions { AllowMultipleValues = true, MaxDepth = 64 });
        private int _number;

        /// <summary>Bytes of the file taken so far.</summary>
        public long Offset { get; private set; } = offset;

        /// <summary>A value of concatenated JSON did not parse: nothing after it is read.</summary>
        public bool Ended { get; private set; }

        /// <summary>Adds the values complete in a piece of the file; returns where the first incomplete one begins.</summary>
        public SequencePosition Take(ReadOnlySequence<byte> piece, bool last, List<(JsonNode?, string, string?)> values)
        {
            var consumed = lines ? TakeLines(piece, last, values) : TakeValues(piece, last, values);
            Offset += piece.Slice(0, consumed).Length;
            return consumed;
        }

        private SequencePosition TakeLines(ReadOnlySequence<byte> piece, bool last, List<(JsonNode?, string, string?)> values)
        {
            var reader = new SequenceReader<byte>(piece);
            while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n')) Line(line, values);
            if (!last) return reader.Position;
            if (!reader.End) Line(piece.Slice(reader.Position), values);
            return piece.End;
        }

        private void Line(ReadOnlySequence<byte> line, List<(JsonNode?, string, string?)> values)
        {
            var where = $"line {++_number}";
            var bytes = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
            if (bytes.IndexOfAnyExcept(" \t\r"u8) < 0) return;
            try
            {
                Add(JsonNode.Parse(bytes, documentOptions: Document), where, values);
            }
            catch (JsonException e)
            {
                values.Add((null, where, "malformed JSON: " + e.Message));
            }
        }

        /// <summary>A value read, as the values it gives: a JSON array (at the top, or on a line) is a list of values.</summary>
        private static void Add(JsonNode? value, string where, List<(JsonNode?, string, string?)> values)
        {
            if (value is JsonArray array)
                foreach (var item in array) values.Add((item?.DeepClone(), where, item is null ? "null" : null));
            else if (value is not null) values.Add((value, where, null));
        }

        private SequencePosition TakeValues(ReadOnlySequence<byte> piece, bool last, List<(JsonNode?, string, string?)> values)
        {
            var reader = new Utf8JsonReader(piece, last, _state);
            var consumed = piece.Start;
            try
            {
                while (reader.Read())
                {
                    var start = reader;
                    // a value is taken once the piece holds all of it
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip()) break;
                    var where = $"value {++_number}";
                    var value = JsonNode.Parse(ref start);
                    consumed = reader.Position;
                    _state = reader.CurrentState;
                    Add(value, where, values);
                }
            }
            catch (JsonException e)
            {
                values.Add((null, $"value {_number + 1}", $"malformed JSON at byte {Offset + reader.BytesConsumed}: {e.Message}; the rest of the file is not read"));
                Ended = true;
                return piece.End;
            }
            return consumed;
        }
    }

    private sealed class Tally
    {
        public long Read, Recorded, Events, AlreadyImported, Unchanged, Skipped;
        private readonly Dictionary<string, long> _because = new(StringComparer.Ordinal);
        private readonly List<string> _first = [];

        public void Skip(string where, string why)
        {
            Skipped++;
            _because[why] = _because.GetValueOrDefault(why) + 1;
            if (_first.Count < 20) _first.Add($"{where}: {why}");
        }

        public Summary Summary() => new(Read, Recorded, Events, AlreadyImported, Unchanged, Skipped,
            new SortedDictionary<string, long>(_because, StringComparer.Ordinal), _first.ToList());
    }
}
