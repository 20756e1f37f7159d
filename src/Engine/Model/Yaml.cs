using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EventEngine.Model;

/// <summary>
/// YAML to JSON, as kubectl reads manifests: every document of a stream, YAML 1.2 core scalars. Built straight from
/// the parser's events (no representation graph), so nesting, size and aliases are counted against
/// <see cref="ParseLimits"/> as they are read: an alias repeats its anchor's values and pays for them, and an alias
/// to an anchor still open (a cycle) is refused.
/// </summary>
public static partial class Yaml
{
    /// <summary>Each non-empty document of the stream, as JSON.</summary>
    public static IReadOnlyList<JsonNode?> ToJson(string text, ParseLimits? limits = null)
    {
        try
        {
            return new Reader(limits ?? ParseLimits.Default).Read(new Parser(new StringReader(text)));
        }
        catch (YamlException e)
        {
            throw new ManifestException($"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}", "");
        }
    }

    /// <summary>One pass over the parser's events, with a stack of the collections still open.</summary>
    private sealed class Reader(ParseLimits limits)
    {
        /// <summary>A collection still open: its anchor, where its values began, its pending key, the height below it.</summary>
        private sealed class Open(JsonNode node, string? anchor, int nodesBefore)
        {
            public JsonNode Node { get; } = node;
            public string? Anchor { get; } = anchor;
            public int NodesBefore { get; } = nodesBefore;
            public string? Key { get; set; }
            public int ChildHeight { get; set; }
            public bool WantsKey => Node is JsonObject && Key is null;
        }

        /// <summary>An anchored value, with the values it holds and how many levels of collections it spans.</summary>
        private sealed record Anchored(JsonNode? Node, int Nodes, int Height);

        private readonly Stack<Open> _open = new();
        private readonly Dictionary<string, Anchored> _anchors = new(StringComparer.Ordinal);
        private readonly List<JsonNode?> _documents = [];
        private int _nodes;

        public List<JsonNode?> Read(IParser parser)
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case DocumentStart:
                        _anchors.Clear();
                        break;
                    case Scalar scalar when _open.TryPeek(out var map) && map.WantsKey:
                        Key(map, scalar);
                        break;
                    case Scalar scalar:
                        Count(scalar.Start, 1, 0);
                        var value = ConvertScalar(scalar);
                        Remember(scalar, value, 1, 0);
                        Add(value);
                        break;
                    case SequenceStart start:
                        Begin(new JsonArray(), start);
                        break;
                    case MappingStart start:
                        Begin(new JsonObject(), start);
                        break;
                    case SequenceEnd or MappingEnd:
                        var open = _open.Pop();
                        var height = open.ChildHeight + 1;
                        if (open.Anchor is { } anchor) _anchors[anchor] = new Anchored(open.Node, _nodes - open.NodesBefore, height);
                        if (_open.TryPeek(out var parent)) parent.ChildHeight = Math.Max(parent.ChildHeight, height);
                        Add(open.Node);
                        break;
                    case AnchorAlias alias:
                        Alias(alias);
                        break;
                }
            }
            return _documents;
        }

        private void Begin(JsonNode node, NodeEvent start)
        {
            if (_open.TryPeek(out var map) && map.WantsKey) throw Error(start.Start, "mapping keys must be strings");
            Count(start.Start, 1, 1);
            _open.Push(new Open(node, start.Anchor.IsEmpty ? null : start.Anchor.Value, _nodes - 1));
        }

        private void Alias(AnchorAlias alias)
        {
            var name = alias.Value.Value;
            if (_open.TryPeek(out var map) && map.WantsKey) throw Error(alias.Start, "mapping keys must be strings, not aliases");
            if (!_anchors.TryGetValue(name, out var anchored))
                throw Error(alias.Start, _open.Any(o => o.Anchor == name)
                    ? $"alias *{name} refers to a node that contains it: a recursive alias has no value"
                    : $"alias *{name} has no anchor before it");
            Count(alias.Start, anchored.Nodes, anchored.Height);
            if (_open.TryPeek(out var parent)) parent.ChildHeight = Math.Max(parent.ChildHeight, anchored.Height);
            Add(anchored.Node?.DeepClone());
        }

        private static void Key(Open map, Scalar scalar)
        {
            var name = scalar.Value;
            Strings.Check(name, "");
            if (((JsonObject)map.Node).ContainsKey(name)) throw Error(scalar.Start, $"duplicate key \"{name}\"");
            map.Key = name;
        }

        /// <summary>A value read: the document's root, an item of the open sequence, or the value of the open mapping's key.</summary>
        private void Add(JsonNode? node)
        {
            if (!_open.TryPeek(out var parent))
            {
                if (node is not null) _documents.Add(node);
                return;
            }
            if (parent.Node is JsonArray array)
            {
                array.Add(node);
                return;
            }
            ((JsonObject)parent.Node)[parent.Key!] = node;
            parent.Key = null;
        }

        private void Remember(NodeEvent e, JsonNode? node, int nodes, int height)
        {
            if (!e.Anchor.IsEmpty) _anchors[e.Anchor.Value] = new Anchored(node, nodes, height);
        }

        /// <summary>Values read so far (an alias counts what it repeats), and the levels a value adds where it stands.</summary>
        private void Count(Mark at, int nodes, int height)
        {
            _nodes += nodes;
            if (_nodes > limits.MaxNodes) throw Error(at, $"more than {limits.MaxNodes} values (an alias counts the values it repeats)");
            if (_open.Count + height > limits.MaxDepth) throw Error(at, $"nested deeper than {limits.MaxDepth} levels");
        }

        private static ManifestException Error(Mark at, string message) =>
            new($"invalid YAML at line {at.Line}, column {at.Column}: {message}", "");
    }

    private static JsonNode? ConvertScalar(Scalar scalar)
    {
        var value = scalar.Value;
        Strings.Check(value, "");
        var tag = scalar.Tag.IsEmpty ? "" : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted
            or ScalarStyle.Literal or ScalarStyle.Folded)
            return JsonValue.Create(value);
        if (value is "" or "~" or "null" or "Null" or "NULL") return null;
        if (value is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (value is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (IntPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return JsonValue.Create(l);
        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            && double.IsFinite(d))
            return JsonValue.Create(d);
        return JsonValue.Create(value);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}

/// <summary>
/// A body that is not a readable manifest; the path names the field. Malformed (JSON, YAML, a field of the wrong
/// type) is a 400; a readable object of a kind the engine does not take is not.
/// </summary>
public sealed class ManifestException(string message, string path, bool malformed = true) : Exception(message)
{
    public string Path { get; } = path;
    public bool Malformed { get; } = malformed;
}
