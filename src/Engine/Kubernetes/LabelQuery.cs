using System.Globalization;
using System.Text.Json.Nodes;

namespace EventEngine.Kubernetes;

/// <summary>How a label requirement relates its key to its values (apimachinery selection.Operator).</summary>
public enum LabelOperator
{
    Exists,
    DoesNotExist,
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    GreaterThan,
    LessThan,
}

/// <summary>One term of a label selector (labels.Requirement); parsed values are distinct and sorted.</summary>
public sealed record LabelRequirement(string Key, LabelOperator Operator, IReadOnlyList<string> Values)
{
    /// <summary>Requirement.Matches: NotIn and != also match labels that lack the key; Gt and Lt compare int64 values.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            LabelOperator.In or LabelOperator.Equals or LabelOperator.DoubleEquals => has && Values.Contains(value!),
            LabelOperator.NotIn or LabelOperator.NotEquals => !has || !Values.Contains(value!),
            LabelOperator.Exists => has,
            LabelOperator.DoesNotExist => !has,
            LabelOperator.GreaterThan or LabelOperator.LessThan =>
                has && Values.Count == 1 && ParseInt(value!) is { } actual && ParseInt(Values[0]) is { } bound
                && (Operator == LabelOperator.GreaterThan ? actual > bound : actual < bound),
            _ => false,
        };
    }

    /// <summary>Requirement.String: "k=v", "k in (a,b)" with values sorted, "k", "!k".</summary>
    public override string ToString()
    {
        var values = string.Join(",", Values.Order(StringComparer.Ordinal));
        return Operator switch
        {
            LabelOperator.Exists => Key,
            LabelOperator.DoesNotExist => "!" + Key,
            LabelOperator.Equals => Key + "=" + values,
            LabelOperator.DoubleEquals => Key + "==" + values,
            LabelOperator.NotEquals => Key + "!=" + values,
            LabelOperator.In => $"{Key} in ({values})",
            LabelOperator.NotIn => $"{Key} notin ({values})",
            LabelOperator.GreaterThan => Key + ">" + values,
            _ => Key + "<" + values,
        };
    }

    /// <summary>strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, nothing else.</summary>
    internal static long? ParseInt(string s) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>
    /// NewRequirement's checks, in its order: the key, the number of values for the operator, Gt/Lt integers, then
    /// every value as a label value. Null when valid, else the aggregate's message.
    /// </summary>
    internal static string? Validate(string key, LabelOperator op, IReadOnlyList<string> values)
    {
        const string valuesPath = "values";
        var errors = new List<string>();
        if (LabelSyntax.QualifiedNameErrors(key) is { Count: > 0 } keyErrors)
            errors.Add(LabelSyntax.Invalid("key", key, string.Join("; ", keyErrors)));
        switch (op)
        {
            case LabelOperator.In or LabelOperator.NotIn when values.Count == 0:
                errors.Add(InvalidValues(valuesPath, values, "for 'in', 'notin' operators, values set can't be empty"));
                break;
            case LabelOperator.Equals or LabelOperator.DoubleEquals or LabelOperator.NotEquals when values.Count != 1:
                errors.Add(InvalidValues(valuesPath, values, "exact-match compatibility requires one single value"));
                break;
            case LabelOperator.Exists or LabelOperator.DoesNotExist when values.Count != 0:
                errors.Add(InvalidValues(valuesPath, values, "values set must be empty for exists and does not exist"));
                break;
            case LabelOperator.GreaterThan or LabelOperator.LessThan:
                if (values.Count != 1)
                    errors.Add(InvalidValues(valuesPath, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
                for (var i = 0; i < values.Count; i++)
                    if (ParseInt(values[i]) is null)
                        errors.Add(LabelSyntax.Invalid($"{valuesPath}[{i}]", values[i], "for 'Gt', 'Lt' operators, the value must be an integer"));
                break;
        }
        for (var i = 0; i < values.Count; i++)
            if (LabelSyntax.LabelValueErrors(values[i]) is { Count: > 0 } valueErrors)
                errors.Add(LabelSyntax.Invalid($"{valuesPath}[{i}][{key}]", values[i], string.Join("; ", valueErrors)));
        return errors.Count == 0 ? null : LabelSyntax.Aggregate(errors);
    }

    /// <summary>field.Invalid with a []string value, which Go prints with %#v.</summary>
    private static string InvalidValues(string path, IReadOnlyList<string> values, string detail) =>
        $"{path}: Invalid value: []string{{{string.Join(", ", values.Select(LabelSyntax.GoQuote))}}}: {detail}";
}

/// <summary>
/// A label selector as the API server reads ?labelSelector= (labels.Parse): every requirement must hold. Parse it
/// with <see cref="Selectors.ParseLabelSelector"/>.
/// </summary>
public sealed class LabelMatcher
{
    private readonly bool _nothing;

    internal LabelMatcher(IReadOnlyList<LabelRequirement> requirements, bool nothing = false)
    {
        Requirements = requirements;
        _nothing = nothing;
    }

    /// <summary>The empty selector: matches every object.</summary>
    public static LabelMatcher Everything { get; } = new([]);

    /// <summary>labels.Nothing (a nil LabelSelector): matches no object.</summary>
    public static LabelMatcher Nothing { get; } = new([], nothing: true);

    /// <summary>Sorted by key, as the parser leaves them.</summary>
    public IReadOnlyList<LabelRequirement> Requirements { get; }

    /// <summary>True when the selector does not restrict anything.</summary>
    public bool IsEmpty => !_nothing && Requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        if (_nothing) return false;
        labels ??= new Dictionary<string, string>();
        foreach (var r in Requirements)
            if (!r.Matches(labels)) return false;
        return true;
    }

    /// <summary>Matches an object's metadata.labels, as JSON the API returns.</summary>
    public bool Matches(JsonObject obj) => Matches(LabelsOf(obj));

    /// <summary>Selector.String: the requirements joined by commas ("" for the empty selector).</summary>
    public override string ToString() => string.Join(",", Requirements);

    internal static Dictionary<string, string> LabelsOf(JsonObject obj)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["metadata"]?["labels"] is JsonObject map)
            foreach (var (key, value) in map)
                if (value is JsonValue v && v.TryGetValue<string>(out var text)) labels[key] = text;
        return labels;
    }
}

/// <summary>
/// labels.Parse, token for token: the lexer (whitespace, the special symbols = ! ( ) , &gt; &lt;, keywords in and notin)
/// and the recursive-descent parser, with apimachinery's error messages.
/// </summary>
internal sealed class LabelParser
{
    private enum Token { Error, EndOfString, ClosedPar, Comma, DoesNotExist, DoubleEquals, Equals, GreaterThan, Identifier, In, LessThan, NotEquals, NotIn, OpenPar }

    private enum Context { KeyAndOperator, Values }

    private static readonly Dictionary<string, Token> Literals = new(StringComparer.Ordinal)
    {
        [")"] = Token.ClosedPar, [","] = Token.Comma, ["!"] = Token.DoesNotExist, ["=="] = Token.DoubleEquals,
        ["="] = Token.Equals, [">"] = Token.GreaterThan, ["in"] = Token.In, ["<"] = Token.LessThan,
        ["!="] = Token.NotEquals, ["notin"] = Token.NotIn, ["("] = Token.OpenPar,
    };

    /// <summary>The binary operators in the order apimachinery lists them in "expected:" messages.</summary>
    private const string BinaryOperators = "in, notin, =, ==, !=, gt, lt";

    private readonly List<(Token Token, string Literal)> _items = [];
    private int _position;

    private LabelParser(string text) => Scan(text);

    public static LabelMatcher Parse(string text)
    {
        var requirements = new LabelParser(text).ParseAll();
        return new LabelMatcher(requirements.OrderBy(r => r.Key, StringComparer.Ordinal).ToList());
    }

    private List<LabelRequirement> ParseAll()
    {
        var requirements = new List<LabelRequirement>();
        while (true)
        {
            var (token, literal) = Lookahead(Context.Values);
            switch (token)
            {
                case Token.Identifier or Token.DoesNotExist:
                    requirements.Add(ParseRequirement());
                    var (next, nextLiteral) = Consume(Context.Values);
                    if (next == Token.EndOfString) return requirements;
                    if (next != Token.Comma) throw Fail($"found '{nextLiteral}', expected: ',' or 'end of string'");
                    var (after, afterLiteral) = Lookahead(Context.Values);
                    if (after is not (Token.Identifier or Token.DoesNotExist))
                        throw Fail($"found '{afterLiteral}', expected: identifier after ','");
                    break;
                case Token.EndOfString:
                    return requirements;
                default:
                    throw Fail($"found '{literal}', expected: !, identifier, or 'end of string'");
            }
        }
    }

    private LabelRequirement ParseRequirement()
    {
        var (key, op) = ParseKeyAndInferOperator();
        if (op is not (LabelOperator.Exists or LabelOperator.DoesNotExist))
        {
            op = ParseOperator();
            var values = op is LabelOperator.In or LabelOperator.NotIn ? ParseValues() : ParseExactValue();
            return Requirement(key, op.Value, values.Order(StringComparer.Ordinal).ToList());
        }
        return Requirement(key, op.Value, []);
    }

    private static LabelRequirement Requirement(string key, LabelOperator op, List<string> values) =>
        LabelRequirement.Validate(key, op, values) is { } error ? throw Requirement(error) : new LabelRequirement(key, op, values);

    private (string Key, LabelOperator? Operator) ParseKeyAndInferOperator()
    {
        LabelOperator? op = null;
        var (token, literal) = Consume(Context.Values);
        if (token == Token.DoesNotExist)
        {
            op = LabelOperator.DoesNotExist;
            (token, literal) = Consume(Context.Values);
        }
        if (token != Token.Identifier) throw Requirement($"found '{literal}', expected: identifier");
        if (LabelSyntax.QualifiedNameErrors(literal) is { Count: > 0 } errors)
            throw Requirement(LabelSyntax.Invalid(null, literal, string.Join("; ", errors)));
        if (Lookahead(Context.Values).Token is Token.EndOfString or Token.Comma) op ??= LabelOperator.Exists;
        return (literal, op);
    }

    private LabelOperator ParseOperator()
    {
        var (token, literal) = Consume(Context.KeyAndOperator);
        return token switch
        {
            Token.In => LabelOperator.In,
            Token.Equals => LabelOperator.Equals,
            Token.DoubleEquals => LabelOperator.DoubleEquals,
            Token.GreaterThan => LabelOperator.GreaterThan,
            Token.LessThan => LabelOperator.LessThan,
            Token.NotIn => LabelOperator.NotIn,
            Token.NotEquals => LabelOperator.NotEquals,
            _ => throw Requirement($"found '{literal}', expected: {BinaryOperators}"),
        };
    }

    /// <summary>"(a,b,c)": a possibly empty list of possibly empty values; "()" is the one empty value.</summary>
    private SortedSet<string> ParseValues()
    {
        var (token, literal) = Consume(Context.Values);
        if (token != Token.OpenPar) throw Requirement($"found '{literal}' expected: '('");
        (token, literal) = Lookahead(Context.Values);
        switch (token)
        {
            case Token.Identifier or Token.Comma:
                var values = ParseIdentifiers();
                if (Consume(Context.Values).Token != Token.ClosedPar) throw Requirement($"found '{literal}', expected: ')'");
                return values;
            case Token.ClosedPar:
                Consume(Context.Values);
                return new SortedSet<string>(StringComparer.Ordinal) { "" };
            default:
                throw Requirement($"found '{literal}', expected: ',', ')' or identifier");
        }
    }

    private SortedSet<string> ParseIdentifiers()
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var (token, literal) = Consume(Context.Values);
            switch (token)
            {
                case Token.Identifier:
                    values.Add(literal);
                    var (next, nextLiteral) = Lookahead(Context.Values);
                    if (next == Token.Comma) continue;
                    if (next == Token.ClosedPar) return values;
                    throw Requirement($"found '{nextLiteral}', expected: ',' or ')'");
                case Token.Comma:
                    if (values.Count == 0) values.Add("");
                    var following = Lookahead(Context.Values).Token;
                    if (following == Token.ClosedPar)
                    {
                        values.Add("");
                        return values;
                    }
                    if (following == Token.Comma)
                    {
                        Consume(Context.Values);
                        values.Add("");
                    }
                    break;
                default:
                    throw Requirement($"found '{literal}', expected: ',', or identifier");
            }
        }
    }

    private SortedSet<string> ParseExactValue()
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        if (Lookahead(Context.Values).Token is Token.EndOfString or Token.Comma)
        {
            values.Add("");
            return values;
        }
        var (token, literal) = Consume(Context.Values);
        if (token != Token.Identifier) throw Requirement($"found '{literal}', expected: identifier");
        values.Add(literal);
        return values;
    }

    private (Token Token, string Literal) Lookahead(Context context) => AsIn(_items[_position], context);

    private (Token Token, string Literal) Consume(Context context) => AsIn(_items[_position++], context);

    /// <summary>Among values, "in" and "notin" are plain identifiers (x in (in)).</summary>
    private static (Token Token, string Literal) AsIn((Token Token, string Literal) item, Context context) =>
        context == Context.Values && item.Token is Token.In or Token.NotIn ? (Token.Identifier, item.Literal) : item;

    private static SelectorException Requirement(string message) => Fail("unable to parse requirement: " + message);

    private static SelectorException Fail(string message) => new(message);

    // The lexer. A NUL character reads as the end of the string, as in Go's byte-wise lexer.

    private void Scan(string text)
    {
        var lexer = new Lexer(text);
        while (true)
        {
            var item = lexer.Next();
            _items.Add(item);
            if (item.Token == Token.EndOfString) break;
        }
    }

    private sealed class Lexer(string s)
    {
        private int _pos;

        private char Read() => _pos < s.Length ? s[_pos++] : '\0';

        private void Unread() => _pos--;

        private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

        private static bool IsSpecial(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';

        public (Token Token, string Literal) Next()
        {
            var c = Read();
            while (IsWhitespace(c)) c = Read();
            if (c == '\0') return (Token.EndOfString, "");
            Unread();
            return IsSpecial(c) ? Special() : IdentifierOrKeyword();
        }

        private (Token, string) IdentifierOrKeyword()
        {
            var start = _pos;
            while (true)
            {
                var c = Read();
                if (c == '\0') break;
                if (IsSpecial(c) || IsWhitespace(c))
                {
                    Unread();
                    break;
                }
            }
            var word = s[start.._pos].TrimEnd('\0');
            return Literals.TryGetValue(word, out var keyword) ? (keyword, word) : (Token.Identifier, word);
        }

        /// <summary>The longest run of special symbols that is a token ("!=" rather than "!").</summary>
        private (Token, string) Special()
        {
            var buffer = "";
            (Token Token, string Literal)? last = null;
            while (true)
            {
                var c = Read();
                if (c == '\0') break;
                if (!IsSpecial(c))
                {
                    Unread();
                    break;
                }
                buffer += c;
                if (Literals.TryGetValue(buffer, out var token)) last = (token, buffer);
                else if (last is not null)
                {
                    Unread();
                    break;
                }
            }
            return last ?? (Token.Error, $"error expected: keyword found '{buffer}'");
        }
    }
}
