using System.Globalization;
using System.Text.Json.Nodes;
using EventEngine.Kubernetes;

namespace EventEngine.Api.Kubernetes;

/// <summary>
/// The cells of each kind's row as printers.go computes them (printPod, printNode, printDaemonSet,
/// printControllerRevision, printEvent, printNamespace; wide), read from v1 JSON: an absent field reads as Go's zero
/// value, as the decoded object would hold it.
/// </summary>
internal static class TableRows
{
    private const string None = "<none>";
    private const string Unknown = "<unknown>";

    public static object[] Namespace(JsonObject ns, DateTimeOffset now) =>
        [Text(ns, "metadata", "name"), Text(ns, "status", "phase"), Tables.Age(ns["metadata"]?["creationTimestamp"], now)];

    public static object[] DaemonSet(JsonObject ds, DateTimeOffset now)
    {
        var podSpec = ds["spec"]?["template"]?["spec"];
        var containers = Items(podSpec, "containers");
        return
        [
            Text(ds, "metadata", "name"),
            Int(ds, "status", "desiredNumberScheduled"), Int(ds, "status", "currentNumberScheduled"), Int(ds, "status", "numberReady"),
            Int(ds, "status", "updatedNumberScheduled"), Int(ds, "status", "numberAvailable"),
            Selectors.FormatLabels(Map(podSpec?["nodeSelector"])),
            Tables.Age(ds["metadata"]?["creationTimestamp"], now),
            string.Join(",", containers.Select(c => Text(c, "name"))),
            string.Join(",", containers.Select(c => Text(c, "image"))),
            Selectors.FormatLabelSelector(ds["spec"]?["selector"]),
        ];
    }

    /// <summary>Controller: "&lt;kind&gt;.&lt;group&gt;/&lt;name&gt;" of the controller owner reference, lower-cased (daemonset.apps/agent).</summary>
    public static object[] ControllerRevision(JsonObject revision, DateTimeOffset now)
    {
        var controller = Items(revision["metadata"], "ownerReferences").FirstOrDefault(r => r["controller"] is JsonValue v && v.TryGetValue<bool>(out var b) && b);
        var name = None;
        if (controller is not null)
        {
            var apiVersion = Text(controller, "apiVersion");
            var slash = apiVersion.IndexOf('/');
            var group = slash < 0 ? "" : apiVersion[..slash];
            var kind = Text(controller, "kind");
            var groupKind = group.Length == 0 ? kind : kind + "." + group;
            name = groupKind.Length == 0 ? Text(controller, "name") : groupKind.ToLowerInvariant() + "/" + Text(controller, "name");
        }
        return [Text(revision, "metadata", "name"), name, Int(revision, "revision"), Tables.Age(revision["metadata"]?["creationTimestamp"], now)];
    }

    /// <summary>Status: Ready or NotReady from the Ready condition (Unknown without one), then SchedulingDisabled when cordoned.</summary>
    public static object[] Node(JsonObject node, DateTimeOffset now)
    {
        var ready = Items(node["status"], "conditions").LastOrDefault(c => Text(c, "type") == "Ready");
        var status = new List<string> { ready is null ? "Unknown" : Text(ready, "status") == "True" ? "Ready" : "NotReady" };
        if (Bool(node, "spec", "unschedulable")) status.Add("SchedulingDisabled");
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in Map(node["metadata"]?["labels"]))
        {
            if (key.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal) && key.Length > "node-role.kubernetes.io/".Length)
                roles.Add(key["node-role.kubernetes.io/".Length..]);
            else if (key == "kubernetes.io/role" && value.Length > 0) roles.Add(value);
        }
        var info = node["status"]?["nodeInfo"];
        return
        [
            Text(node, "metadata", "name"), string.Join(",", status), roles.Count == 0 ? None : string.Join(",", roles),
            Tables.Age(node["metadata"]?["creationTimestamp"], now), Text(info, "kubeletVersion"),
            Address(node, "InternalIP"), Address(node, "ExternalIP"),
            OrUnknown(Text(info, "osImage")), OrUnknown(Text(info, "kernelVersion")), OrUnknown(Text(info, "containerRuntimeVersion")),
        ];
    }

    /// <summary>
    /// Last seen, type, reason, object, subobject, source, message, first seen, count, name. First seen falls back to
    /// eventTime, last seen to first seen; a series gives both last seen and count; a count of 0 is 1.
    /// </summary>
    public static object[] Event(JsonObject e, DateTimeOffset now)
    {
        var firstSeen = Time(e["firstTimestamp"]) is null ? Tables.Age(e["eventTime"], now) : Tables.Age(e["firstTimestamp"], now);
        var lastSeen = Time(e["lastTimestamp"]) is null ? firstSeen : Tables.Age(e["lastTimestamp"], now);
        var count = Int(e, "count");
        if (e["series"] is JsonObject series)
        {
            lastSeen = Tables.Age(series["lastObservedTime"], now);
            count = Int(series, "count");
        }
        else if (count == 0) count = 1;
        var kind = Text(e, "involvedObject", "kind").ToLowerInvariant();
        var name = Text(e, "involvedObject", "name");
        var component = FirstNonEmpty(Text(e, "source", "component"), Text(e, "reportingComponent"));
        var instance = FirstNonEmpty(Text(e, "source", "host"), Text(e, "reportingInstance"));
        return
        [
            lastSeen, Text(e, "type"), Text(e, "reason"), name.Length > 0 ? kind + "/" + name : kind,
            Text(e, "involvedObject", "fieldPath"), instance.Length == 0 ? component : component + ", " + instance,
            Text(e, "message").Trim(), firstSeen, count, Text(e, "metadata", "name"),
        ];
    }

    /// <summary>
    /// Name, READY (ready/total containers, restartable init containers included), STATUS, RESTARTS ("3 (5m ago)"),
    /// age, IP, node, nominated node, readiness gates.
    /// </summary>
    public static object[] Pod(JsonObject pod, DateTimeOffset now)
    {
        var spec = pod["spec"];
        var status = pod["status"];
        var phase = Text(status, "phase");
        var reason = FirstNonEmpty(Text(status, "reason"), phase);
        foreach (var c in Items(status, "conditions"))
            if (Text(c, "type") == "PodScheduled" && Text(c, "reason") == "SchedulingGated") reason = "SchedulingGated";

        var initContainers = Items(spec, "initContainers");
        var sidecars = initContainers.Where(c => Text(c, "restartPolicy") == "Always").Select(c => Text(c, "name")).ToHashSet(StringComparer.Ordinal);
        var total = Items(spec, "containers").Count + initContainers.Count(c => Text(c, "restartPolicy") == "Always");
        var readyContainers = 0;
        long restarts = 0, sidecarRestarts = 0;
        DateTimeOffset? lastRestart = null, lastSidecarRestart = null;

        var initializing = false;
        var initStatuses = Items(status, "initContainerStatuses");
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var c = initStatuses[i];
            var sidecar = sidecars.Contains(Text(c, "name"));
            restarts += Int(c, "restartCount");
            lastRestart = Later(lastRestart, Time(c["lastState"]?["terminated"]?["finishedAt"]), c["lastState"]?["terminated"]);
            if (sidecar)
            {
                sidecarRestarts += Int(c, "restartCount");
                lastSidecarRestart = Later(lastSidecarRestart, Time(c["lastState"]?["terminated"]?["finishedAt"]), c["lastState"]?["terminated"]);
            }
            var terminated = c["state"]?["terminated"] as JsonObject;
            var waiting = c["state"]?["waiting"] as JsonObject;
            if (terminated is not null && Int(terminated, "exitCode") == 0) continue;
            if (sidecar && Bool(c, "started"))
            {
                if (Bool(c, "ready")) readyContainers++;
                continue;
            }
            if (terminated is not null)
                reason = Text(terminated, "reason") is { Length: > 0 } r ? "Init:" + r
                    : Int(terminated, "signal") != 0 ? Invariant($"Init:Signal:{Int(terminated, "signal")}")
                    : Invariant($"Init:ExitCode:{Int(terminated, "exitCode")}");
            else if (waiting is not null && Text(waiting, "reason") is { Length: > 0 } w && w != "PodInitializing")
                reason = "Init:" + w;
            else
                reason = Invariant($"Init:{i}/{initContainers.Count}");
            initializing = true;
            break;
        }

        if (!initializing || Items(status, "conditions").FirstOrDefault(c => Text(c, "type") == "Initialized") is { } init && Text(init, "status") == "True")
        {
            restarts = sidecarRestarts;
            lastRestart = lastSidecarRestart;
            var hasRunning = false;
            var statuses = Items(status, "containerStatuses");
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var c = statuses[i];
                restarts += Int(c, "restartCount");
                lastRestart = Later(lastRestart, Time(c["lastState"]?["terminated"]?["finishedAt"]), c["lastState"]?["terminated"]);
                var terminated = c["state"]?["terminated"] as JsonObject;
                var waiting = c["state"]?["waiting"] as JsonObject;
                if (waiting is not null && Text(waiting, "reason").Length > 0) reason = Text(waiting, "reason");
                else if (terminated is not null && Text(terminated, "reason").Length > 0) reason = Text(terminated, "reason");
                else if (terminated is not null)
                    reason = Int(terminated, "signal") != 0 ? Invariant($"Signal:{Int(terminated, "signal")}") : Invariant($"ExitCode:{Int(terminated, "exitCode")}");
                else if (Bool(c, "ready") && c["state"]?["running"] is JsonObject)
                {
                    hasRunning = true;
                    readyContainers++;
                }
            }
            if (reason == "Completed" && hasRunning)
                reason = Items(status, "conditions").Any(c => Text(c, "type") == "Ready" && Text(c, "status") == "True") ? "Running" : "NotReady";
        }

        var deleting = Time(pod["metadata"]?["deletionTimestamp"]) is not null;
        if (deleting && Text(status, "reason") == "NodeLost") reason = "Unknown";
        else if (deleting && phase is not ("Failed" or "Succeeded")) reason = "Terminating";

        var restartText = restarts != 0 && lastRestart is { } last
            ? Invariant($"{restarts} ({Tables.HumanDuration(now - last)} ago)")
            : restarts.ToString(CultureInfo.InvariantCulture);

        var gates = Items(spec, "readinessGates");
        var readinessGates = None;
        if (gates.Count > 0)
        {
            var conditions = Items(status, "conditions");
            var trueGates = gates.Count(g => conditions.FirstOrDefault(c => Text(c, "type") == Text(g, "conditionType")) is { } c && Text(c, "status") == "True");
            readinessGates = Invariant($"{trueGates}/{gates.Count}");
        }
        return
        [
            Text(pod, "metadata", "name"), Invariant($"{readyContainers}/{total}"), reason, restartText,
            Tables.Age(pod["metadata"]?["creationTimestamp"], now),
            OrNone(FieldSets.PodIP(pod)), OrNone(Text(spec, "nodeName")), OrNone(Text(status, "nominatedNodeName")), readinessGates,
        ];
    }

    /// <summary>The row condition Completed=True of a pod that succeeded or failed.</summary>
    public static JsonArray? PodConditions(JsonObject pod) => Text(pod, "status", "phase") switch
    {
        "Succeeded" => Completed("Succeeded", "The pod has completed successfully."),
        "Failed" => Completed("Failed", "The pod failed."),
        _ => null,
    };

    private static JsonArray Completed(string reason, string message) =>
        [new JsonObject { ["type"] = "Completed", ["status"] = "True", ["reason"] = reason, ["message"] = message }];

    /// <summary>A metav1.Time or MicroTime; null for an absent, null or unreadable one (Go's zero time).</summary>
    public static DateTimeOffset? Time(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var text)
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : null;

    /// <summary>lastRestartDate.Before(finishedAt): a terminated state without a time still counts as the zero time.</summary>
    private static DateTimeOffset? Later(DateTimeOffset? current, DateTimeOffset? candidate, JsonNode? terminated) =>
        terminated is JsonObject && candidate is { } c && (current is null || current < c) ? c : current;

    private static string Address(JsonObject node, string type) =>
        Items(node["status"], "addresses").FirstOrDefault(a => Text(a, "type") == type) is { } a ? Text(a, "address") : None;

    private static string OrNone(string s) => s.Length == 0 ? None : s;

    private static string OrUnknown(string s) => s.Length == 0 ? Unknown : s;

    private static string FirstNonEmpty(string a, string b) => a.Length > 0 ? a : b;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static List<JsonObject> Items(JsonNode? node, string name) =>
        (node as JsonObject)?[name] is JsonArray array ? array.OfType<JsonObject>().ToList() : [];

    private static IEnumerable<KeyValuePair<string, string>> Map(JsonNode? node) =>
        node is JsonObject map
            ? map.Where(p => p.Value is JsonValue v && v.TryGetValue<string>(out _)).Select(p => KeyValuePair.Create(p.Key, (string)p.Value!))
            : [];

    private static string Text(JsonNode? node, params string[] path)
    {
        foreach (var step in path) node = (node as JsonObject)?[step];
        return node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
    }

    private static long Int(JsonNode? node, params string[] path)
    {
        foreach (var step in path) node = (node as JsonObject)?[step];
        // a number read from text or built in code alike: its JSON text is the number
        return node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            && long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    private static bool Bool(JsonNode? node, params string[] path)
    {
        foreach (var step in path) node = (node as JsonObject)?[step];
        return node is JsonValue v && v.TryGetValue<bool>(out var b) && b;
    }
}
