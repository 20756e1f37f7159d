using EventEngine.Kubernetes;

namespace EventEngine.Core.Tests.Kubernetes;

/// <summary>Label selectors as the API server parses ?labelSelector=; cases from apimachinery's labels/selector_test.go.</summary>
public sealed class LabelSelectorTests
{
    private static Dictionary<string, string> Set(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    private static string ErrorOf(string selector) =>
        Assert.Throws<SelectorException>(() => Selectors.ParseLabelSelector(selector)).Message;

    [Theory] // TestSelectorParse: good strings restring to themselves without spaces
    [InlineData("x=a,y=b,z=c")]
    [InlineData("")]
    [InlineData("x!=a,y=b")]
    [InlineData("x=")]
    [InlineData("x= ")]
    [InlineData("x=,z= ")]
    [InlineData("x= ,z= ")]
    [InlineData("!x")]
    [InlineData("x>1")]
    [InlineData("x>1,z<5")]
    public void GoodSelector_Parses_AndPrintsBackWithoutSpaces(string selector) =>
        Assert.Equal(selector.Replace(" ", ""), Selectors.ParseLabelSelector(selector).ToString());

    [Theory] // TestSelectorParse bad strings, and TestSetSelectorParser invalid ones
    [InlineData("x=a||y=b")]
    [InlineData("x==a==b")]
    [InlineData("!x=a")]
    [InlineData("x<a")]
    [InlineData("x,,y")]
    [InlineData(",x,y")]
    [InlineData("x nott in (y)")]
    [InlineData("a in (xyz),")]
    [InlineData("a in (xyz)b notin ()")]
    [InlineData("a in (xyz abc)")]
    [InlineData("a notin(")]
    [InlineData("a (")]
    [InlineData("(")]
    public void BadSelector_IsRefused(string selector) => ErrorOf(selector);

    [Fact] // TestDeterministicParse
    public void Requirements_AreSortedByKey()
    {
        Assert.Equal(Selectors.ParseLabelSelector("x=a,a=x").ToString(), Selectors.ParseLabelSelector("a=x,x=a").ToString());
        Assert.Equal("a=x,x=a", Selectors.ParseLabelSelector("x=a,a=x").ToString());
    }

    [Theory] // TestSelectorMatches
    [InlineData("", "x=y")]
    [InlineData("x=y", "x=y")]
    [InlineData("x=y,z=w", "x=y", "z=w")]
    [InlineData("x!=y,z!=w", "x=z", "z=a")]
    [InlineData("notin=in", "notin=in")]
    [InlineData("x", "x=z")]
    [InlineData("!x", "y=z")]
    [InlineData("x>1", "x=2")]
    [InlineData("x<1", "x=0")]
    [InlineData("foo=bar", "foo=bar", "baz=blah")]
    [InlineData("baz=blah", "foo=bar", "baz=blah")]
    [InlineData("foo=bar,baz=blah", "foo=bar", "baz=blah")]
    [InlineData("x notin (abc)")]
    [InlineData("x in (a,b)", "x=b")]
    [InlineData("x==y", "x=y")]
    public void Selector_MatchesLabels(string selector, params string[] labels) =>
        Assert.True(Selectors.ParseLabelSelector(selector).Matches(Set(labels)));

    [Theory] // TestSelectorMatches, no match
    [InlineData("x=z")]
    [InlineData("x=y", "x=z")]
    [InlineData("x=y,z=w", "x=w", "z=w")]
    [InlineData("x!=y,z!=w", "x=z", "z=w")]
    [InlineData("x", "y=z")]
    [InlineData("!x", "x=z")]
    [InlineData("x>1", "x=0")]
    [InlineData("x<1", "x=2")]
    [InlineData("x>1", "x=v2")]
    [InlineData("foo=blah", "foo=bar", "baz=blah")]
    [InlineData("baz=bar", "foo=bar", "baz=blah")]
    [InlineData("foo=bar,foobar=bar,baz=blah", "foo=bar", "baz=blah")]
    [InlineData("x in (a,b)", "x=c")]
    [InlineData("x in ()", "y=baz")]
    public void Selector_DoesNotMatchLabels(string selector, params string[] labels) =>
        Assert.False(Selectors.ParseLabelSelector(selector).Matches(Set(labels)));

    [Theory] // TestSetSelectorParser: the requirements each valid selector parses into, printed
    [InlineData("\rx", "x")]
    [InlineData("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash")]
    [InlineData("this-is-another-dns.domain.com/key-with-dash in (so,what)", "this-is-another-dns.domain.com/key-with-dash in (so,what)")]
    [InlineData("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)")]
    [InlineData("foo  in\t (abc)", "foo in (abc)")]
    [InlineData("x notin\n (abc)", "x notin (abc)")]
    [InlineData("x  notin\t\t(abc,def)", "x notin (abc,def)")]
    [InlineData("x in (abc,)", "x in (,abc)")]
    [InlineData("x in ()", "x in ()")]
    [InlineData("x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()")]
    [InlineData("x,y in (a)", "x,y in (a)")]
    [InlineData("x notin ( )", "x notin ()")]
    [InlineData("x notin (, a)", "x notin (,a)")]
    [InlineData("a ", "a")]
    [InlineData("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)")]
    [InlineData("x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)")]
    [InlineData("x in (b,a,b)", "x in (a,b)")]
    public void SetSelector_ParsesInto(string selector, string printed) =>
        Assert.Equal(printed, Selectors.ParseLabelSelector(selector).ToString());

    [Fact]
    public void ParsedRequirements_CarryOperatorAndDistinctSortedValues()
    {
        var r = Assert.Single(Selectors.ParseLabelSelector("x notin (c,a,,a)").Requirements);
        Assert.Equal(new LabelRequirement("x", LabelOperator.NotIn, ["", "a", "c"]).ToString(), r.ToString());
        Assert.Equal(LabelOperator.NotIn, r.Operator);
        Assert.Equal(["", "a", "c"], r.Values);
        Assert.Equal(LabelOperator.DoesNotExist, Assert.Single(Selectors.ParseLabelSelector("!x").Requirements).Operator);
        Assert.Equal(LabelOperator.DoubleEquals, Assert.Single(Selectors.ParseLabelSelector("x==y").Requirements).Operator);
    }

    [Theory] // TestRequirementSelectorMatching
    [InlineData("x notin (),y", true, "y=")]
    [InlineData("!x,y", true, "y=")]
    [InlineData("x notin (),!y", false, "y=")]
    [InlineData("x in (foo),y notin (alpha)", true, "x=foo", "y=baz")]
    [InlineData("x in (foo),y in (alpha)", false, "x=foo", "y=baz")]
    [InlineData("z>1", true, "z=2")]
    [InlineData("z>1", false, "z=v2")]
    public void Requirements_MatchAsUpstream(string selector, bool match, params string[] labels) =>
        Assert.Equal(match, Selectors.ParseLabelSelector(selector).Matches(Set(labels)));

    [Fact]
    public void EmptySelector_IsEverything_AndNothingMatchesNothing()
    {
        Assert.True(Selectors.ParseLabelSelector(null).IsEmpty);
        Assert.True(Selectors.ParseLabelSelector("").Matches(Set("x=y")));
        Assert.False(LabelMatcher.Nothing.Matches(Set("x=y")));
        Assert.False(LabelMatcher.Nothing.IsEmpty);
    }

    [Fact]
    public void Matches_ReadsMetadataLabelsOfAnObject()
    {
        var pod = System.Text.Json.Nodes.JsonNode.Parse("""{"metadata":{"name":"p","labels":{"app":"agent","tier":"node"}}}""")!.AsObject();
        Assert.True(Selectors.ParseLabelSelector("app=agent,tier in (node,edge)").Matches(pod));
        Assert.False(Selectors.ParseLabelSelector("app=agent,!tier").Matches(pod));
        Assert.True(Selectors.ParseLabelSelector("!app").Matches(System.Text.Json.Nodes.JsonNode.Parse("""{"metadata":{}}""")!.AsObject()));
    }

    // Messages as the API server answers them (what kubectl prints after "Error from server (BadRequest): ").

    [Theory]
    [InlineData("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("!", "unable to parse requirement: found '', expected: identifier")]
    [InlineData("a,", "found '', expected: identifier after ','")]
    [InlineData(",a", "found ',', expected: !, identifier, or 'end of string'")]
    [InlineData("x==a==b", "found '==', expected: ',' or 'end of string'")]
    [InlineData("!x=a", "found '=', expected: ',' or 'end of string'")]
    [InlineData("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'")]
    [InlineData("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier")]
    [InlineData("a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("a in x", "unable to parse requirement: found 'x' expected: '('")]
    [InlineData("a=(", "unable to parse requirement: found '(', expected: identifier")]
    [InlineData("x<a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer")]
    public void ParseErrors_HaveTheApiServersMessages(string selector, string message) => Assert.Equal(message, ErrorOf(selector));

    [Fact]
    public void InvalidKey_IsReportedWithANilPath()
    {
        Assert.Equal(
            "unable to parse requirement: <nil>: Invalid value: \"a@b\": name part must consist of alphanumeric characters, '-', '_' or '.', "
            + "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
            + "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            ErrorOf("a@b=c"));
        Assert.Equal(
            "unable to parse requirement: <nil>: Invalid value: \"Example.com/x\": prefix part a lowercase RFC 1123 subdomain must consist of lower case "
            + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
            + @"regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            ErrorOf("Example.com/x"));
        Assert.StartsWith("unable to parse requirement: <nil>: Invalid value: \"/x\": prefix part must be non-empty", ErrorOf("/x"));
        Assert.StartsWith("unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of", ErrorOf("a/b/c"));
        Assert.Equal(
            "unable to parse requirement: <nil>: Invalid value: \"" + new string('a', 64) + "\": name part must be no more than 63 characters",
            ErrorOf(new string('a', 64)));
    }

    [Fact]
    public void InvalidValue_IsReportedAtItsIndexAndKey()
    {
        Assert.Equal(
            "unable to parse requirement: values[0][x]: Invalid value: \"a||y\": a valid label must be an empty string or consist of alphanumeric "
            + "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
            + "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            ErrorOf("x=a||y=b"));
        Assert.Equal(
            "unable to parse requirement: [values[0][k]: Invalid value: \"-a\": a valid label must be an empty string or consist of alphanumeric "
            + "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
            + "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?'), values[1][k]: Invalid value: \"b-\": a valid label must be "
            + "an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
            + "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]",
            ErrorOf("k in (b-,-a)"));
        Assert.Equal("unable to parse requirement: values[0][x]: Invalid value: \"" + new string('a', 64) + "\": must be no more than 63 characters",
            ErrorOf("x=" + new string('a', 64)));
    }

    public static TheoryData<string, LabelOperator, string[], string?> Constructor => new()
    {
        // TestRequirementConstructor: which field each invalid requirement is reported on
        { "x1", LabelOperator.In, [], "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty" },
        { "x2", LabelOperator.NotIn, [], "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty" },
        { "x3", LabelOperator.In, ["foo"], null },
        { "x4", LabelOperator.NotIn, ["foo"], null },
        { "x5", LabelOperator.Equals, ["bar", "foo"], "values: Invalid value: []string{\"bar\", \"foo\"}: exact-match compatibility requires one single value" },
        { "x6", LabelOperator.Exists, [], null },
        { "x7", LabelOperator.DoesNotExist, [], null },
        { "x8", LabelOperator.Exists, ["foo"], "values: Invalid value: []string{\"foo\"}: values set must be empty for exists and does not exist" },
        { "x9", LabelOperator.In, ["bar"], null },
        { "x11", LabelOperator.GreaterThan, ["1"], null },
        { "x12", LabelOperator.LessThan, ["6"], null },
        { "x13", LabelOperator.GreaterThan, [], "values: Invalid value: []string{}: for 'Gt', 'Lt' operators, exactly one value is required" },
        { "x14", LabelOperator.GreaterThan, ["bar"], "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer" },
        { "x15", LabelOperator.LessThan, ["bar"], "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer" },
        { new string('a', 254), LabelOperator.Exists, [], "key: Invalid value: \"" + new string('a', 254) + "\": name part must be no more than 63 characters" },
        { "x16", LabelOperator.Equals, [new string('a', 254)], "values[0][x16]: Invalid value: \"" + new string('a', 254) + "\": must be no more than 63 characters" },
        { "x17", LabelOperator.Equals, ["a b"], "values[0][x17]: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')" },
    };

    [Theory]
    [MemberData(nameof(Constructor))]
    public void NewRequirement_ReportsTheFieldAtFault(string key, LabelOperator op, string[] values, string? error) =>
        Assert.Equal(error, LabelRequirement.Validate(key, op, values));

    [Theory] // TestToString
    [InlineData("x in (abc,def),y notin (jkl),z")]
    [InlineData("x notin (abc,def),y!=jkl,!z")]
    [InlineData("x notin (abc),y in (jkl,mno),z notin ()")]
    [InlineData("x=abc,y==jkl,z!=a,z")]
    [InlineData("x>2,y<8,z")]
    public void Requirements_PrintAsUpstream(string printed) =>
        Assert.Equal(printed, Selectors.ParseLabelSelector(printed).ToString());

    [Fact]
    public void NulCharacter_EndsTheSelector_AsInGosByteLexer() =>
        Assert.Equal("a", Selectors.ParseLabelSelector("a\0").ToString());
}

/// <summary>metav1.FormatLabelSelector and labels.FormatLabels, as the DaemonSet table prints SELECTOR and NODE SELECTOR.</summary>
public sealed class LabelFormattingTests
{
    [Theory]
    [InlineData("""{"matchLabels":{"app":"agent"}}""", "app=agent")]
    [InlineData("""{"matchLabels":{"tier":"node","app":"agent"}}""", "app=agent,tier=node")]
    [InlineData("""{"matchExpressions":[{"key":"env","operator":"In","values":["prod","dev"]},{"key":"gpu","operator":"DoesNotExist"}],"matchLabels":{"app":"agent"}}""", "app=agent,env in (dev,prod),!gpu")]
    [InlineData("""{"matchExpressions":[{"key":"zone","operator":"NotIn","values":["a"]},{"key":"arch","operator":"Exists"}]}""", "arch,zone notin (a)")]
    [InlineData("{}", "<none>")]
    [InlineData("null", "<none>")]
    [InlineData("""{"matchExpressions":[{"key":"k","operator":"Gt","values":["1"]}]}""", "<error>")]
    [InlineData("""{"matchExpressions":[{"key":"k","operator":"In","values":[]}]}""", "<error>")]
    [InlineData("""{"matchLabels":{"bad key":"v"}}""", "<error>")]
    public void FormatLabelSelector_PrintsAsKubectlShowsIt(string selector, string printed) =>
        Assert.Equal(printed, Selectors.FormatLabelSelector(System.Text.Json.Nodes.JsonNode.Parse(selector)));

    [Fact]
    public void FromLabelSelector_NilSelectsNothing_EmptyEverything()
    {
        Assert.False(Selectors.FromLabelSelector(null).Matches(new Dictionary<string, string>()));
        Assert.True(Selectors.FromLabelSelector(new System.Text.Json.Nodes.JsonObject()).Matches(new Dictionary<string, string> { ["a"] = "b" }));
        Assert.Equal("\"Gt\" is not a valid label selector operator",
            Assert.Throws<SelectorException>(() => Selectors.FromLabelSelector(System.Text.Json.Nodes.JsonNode.Parse(
                """{"matchExpressions":[{"key":"k","operator":"Gt","values":["1"]}]}"""))).Message);
    }

    [Fact]
    public void FormatLabels_SortsPairs_AndSaysNoneForNone()
    {
        Assert.Equal("<none>", Selectors.FormatLabels(null));
        Assert.Equal("<none>", Selectors.FormatLabels(new Dictionary<string, string>()));
        Assert.Equal("a.b=c,a=b,disk=ssd", Selectors.FormatLabels(new Dictionary<string, string> { ["disk"] = "ssd", ["a"] = "b", ["a.b"] = "c" }));
    }
}
