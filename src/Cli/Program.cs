using System.CommandLine;
using EventEngine.Cli;

// kubectl-eventengine: the engine's own questions, asked of the server a kubeconfig names, as kubectl would
var kubeconfig = new Option<string?>("--kubeconfig") { Description = "The kubeconfig to read (else $KUBECONFIG, else ~/.kube/config)", Recursive = true };
var context = new Option<string?>("--context") { Description = "The kubeconfig context to use (else its current one)", Recursive = true };
var output = new Option<string>("--output", "-o") { Description = "table (default), json or yaml", DefaultValueFactory = _ => "table", Recursive = true };
output.AcceptOnlyFromAmong("table", "json", "yaml");

var root = new RootCommand("Ask EventEngine what kubectl cannot: a cluster's divergences from the DaemonSet rules, and its recorded history")
{
    kubeconfig, context, output,
};
Server Connect(ParseResult p) => Server.From(p.GetValue(kubeconfig), p.GetValue(context));

var file = new Argument<FileInfo>("file") { Description = "An audit log (JSON lines), kubectl's -w -o json --output-watch-events output, or a List (JSON or YAML)" };
var import = new Command("import", "Import a cluster's history into an engine in Observe mode; importing the same file again appends nothing") { file };
import.SetAction((p, ct) => Commands.Run(() => Commands.ImportAsync(Connect(p), p.GetValue(file)!, p.GetValue(output)!, ct)));
root.Subcommands.Add(import);

var daemonSet = new Option<string?>("--ds") { Description = "Only this DaemonSet (namespace/name)" };
var node = new Option<string?>("--node") { Description = "Only this node" };
var minSeconds = new Option<double>("--min-seconds") { Description = "Only divergences that lasted at least this long", DefaultValueFactory = _ => 0 };
var from = new Option<string?>("--from") { Description = "From this seq or RFC 3339 time" };
var to = new Option<string?>("--to") { Description = "Up to this seq or RFC 3339 time (else the head)" };
var divergences = new Command("divergences", "Where placement differed from Kubernetes' DaemonSet rules, and for how long") { daemonSet, node, minSeconds, from, to };
divergences.SetAction((p, ct) => Commands.Run(() => Commands.DivergencesAsync(Connect(p),
    new DivergenceQuery(p.GetValue(daemonSet), p.GetValue(node), p.GetValue(minSeconds), p.GetValue(from), p.GetValue(to)), p.GetValue(output)!, ct)));
root.Subcommands.Add(divergences);

var since = new Option<string?>("--since") { Description = "From this seq or RFC 3339 time" };
var until = new Option<string?>("--until") { Description = "Up to this seq or RFC 3339 time (else the head)" };
var limit = new Option<int>("--limit") { Description = "At most this many entries", DefaultValueFactory = _ => 100 };
var timelineNode = new Option<string?>("--node") { Description = "Only what concerns this node" };
var timelineDs = new Option<string?>("--ds") { Description = "Only what concerns this DaemonSet (namespace/name)" };
var follow = new Option<bool>("--follow", "-f") { Description = "Then print new entries as the log grows, until interrupted" };
var timeline = new Command("timeline", "The incident timeline: who did what when, and what it caused") { since, until, timelineNode, timelineDs, limit, follow };
timeline.SetAction((p, ct) => Commands.Run(() => Commands.TimelineAsync(Connect(p),
    new TimelineQuery(p.GetValue(since), p.GetValue(until), p.GetValue(timelineNode), p.GetValue(timelineDs), p.GetValue(limit)), p.GetValue(follow),
    p.GetValue(output)!, ct)));
root.Subcommands.Add(timeline);

var target = new Argument<string>("daemonset") { Description = "ds/NAME (or daemonset/NAME)" };
var ns = new Option<string>("--namespace", "-n") { Description = "The DaemonSet's namespace", DefaultValueFactory = _ => "default" };
var at = new Option<string?>("--at") { Description = "At this seq or RFC 3339 time (else now)" };
var explainNode = new Option<string>("--node") { Description = "The node asked about", Required = true };
var explain = new Command("explain", "Why a DaemonSet's pod should or should not run on a node, rule by rule") { target, ns, explainNode, at };
explain.SetAction((p, ct) => Commands.Run(() => Commands.ExplainAsync(Connect(p),
    Commands.DaemonSetKey(p.GetValue(target)!, p.GetValue(ns)!), p.GetValue(explainNode)!, p.GetValue(at), p.GetValue(output)!, ct)));
root.Subcommands.Add(explain);

var placement = new Command("placement", "Desired against actual placement of a DaemonSet, node by node") { target, ns, at };
placement.SetAction((p, ct) => Commands.Run(() => Commands.PlacementAsync(Connect(p),
    Commands.DaemonSetKey(p.GetValue(target)!, p.GetValue(ns)!), p.GetValue(at), p.GetValue(output)!, ct)));
root.Subcommands.Add(placement);

var revision = new Option<long>("--revision") { Description = "The revision whose pods to list", Required = true };
var history = new Command("history", "Every pod that ran a revision of a DaemonSet: node, from, to, why it ended") { target, ns, revision };
history.SetAction((p, ct) => Commands.Run(() => Commands.HistoryAsync(Connect(p),
    Commands.DaemonSetKey(p.GetValue(target)!, p.GetValue(ns)!), p.GetValue(revision), p.GetValue(output)!, ct)));
root.Subcommands.Add(history);

var kind = new Option<string?>("--kind") { Description = "Only nodes, daemonsets or pods" };
kind.AcceptOnlyFromAmong("nodes", "daemonsets", "pods");
var stateNode = new Option<string?>("--node") { Description = "Only this node and its pods" };
var stateDs = new Option<string?>("--ds") { Description = "Only this DaemonSet (namespace/name) and its pods" };
var state = new Command("state", "The cluster at a point of the log: its nodes, DaemonSets and pods") { at, kind, stateNode, stateDs };
state.SetAction((p, ct) => Commands.Run(() => Commands.StateAsync(Connect(p),
    new StateQuery(p.GetValue(at), p.GetValue(kind), p.GetValue(stateNode), p.GetValue(stateDs)), p.GetValue(output)!, ct)));
root.Subcommands.Add(state);

var diffFrom = new Option<string>("--from") { Description = "The earlier point: a seq or RFC 3339 time", Required = true };
var diffTo = new Option<string?>("--to") { Description = "The later point (else the head)" };
var diff = new Command("diff", "What changed between two points of the log: objects added, removed, and each changed field") { diffFrom, diffTo, kind, stateNode, stateDs };
diff.SetAction((p, ct) => Commands.Run(() => Commands.DiffAsync(Connect(p),
    new StateQuery(p.GetValue(diffFrom), p.GetValue(kind), p.GetValue(stateNode), p.GetValue(stateDs)), p.GetValue(diffTo) ?? "", p.GetValue(output)!, ct)));
root.Subcommands.Add(diff);

var whatIf = new Option<FileInfo>("--filename", "-f") { Description = "The what-if: {from, to, changes} in JSON or YAML (see the README)", Required = true };
var replay = new Command("replay", "What-if: replay a window of the log with altered history, in memory, and compare it with what happened") { whatIf };
replay.SetAction((p, ct) => Commands.Run(() => Commands.ReplayAsync(Connect(p), p.GetValue(whatIf)!, p.GetValue(output)!, ct)));
root.Subcommands.Add(replay);

var rebuild = new Command("rebuild", "Rebuild the read models and the object history from the log (admin)");
rebuild.SetAction((p, ct) => Commands.Run(() => Commands.RebuildAsync(Connect(p), p.GetValue(output)!, ct)));
root.Subcommands.Add(rebuild);

var demo = new Command("demo", "Write the demo incident into an empty log (admin), to investigate");
demo.SetAction((p, ct) => Commands.Run(() => Commands.DemoAsync(Connect(p), p.GetValue(output)!, ct)));
root.Subcommands.Add(demo);

return await root.Parse(args).InvokeAsync();
