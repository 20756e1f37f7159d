using System.Text.Json.Nodes;
using EventEngine.Kubernetes;

namespace EventEngine.Core.Tests.Kubernetes;

/// <summary>Field selectors as the API server reads ?fieldSelector=; parser cases from apimachinery's fields/selector_test.go.</summary>
public sealed class FieldSelectorTests
{
    private static FieldMatcher Plain(string selector) => FieldParser.Parse(selector, kind: null);

    private static string ErrorOf(string selector, string kind) =>
        Assert.Throws<SelectorException>(() => Selectors.ParseFieldSelector(selector, kind)).Message;

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    [Theory] // TestSelectorParse: good strings print back as written
    [InlineData("x=a,y=b,z=c")]
    [InlineData("")]
    [InlineData("x!=a,y=b")]
    [InlineData(@"x=a||y\=b")]
    [InlineData(@"x=a\=\=b")]
    public void GoodSelector_PrintsBack(string selector) => Assert.Equal(selector, Plain(selector).ToString());

    [Theory] // TestSelectorParse bad strings
    [InlineData("x=a||y=b")]
    [InlineData("x==a==b")]
    [InlineData("x=a,b")]
    [InlineData("x in (a)")]
    [InlineData("x in (a,b,c)")]
    [InlineData("x")]
    public void BadSelector_IsRefused(string selector) => Assert.Throws<SelectorException>(() => Plain(selector));

    [Fact] // TestDeterministicParse
    public void Terms_AreSorted() => Assert.Equal(Plain("x=a,a=x").ToString(), Plain("a=x,x=a").ToString());

    [Theory] // TestSelectorMatches
    [InlineData("", true)]
    [InlineData("foo=bar", true)]
    [InlineData("baz=blah", true)]
    [InlineData("foo=bar,baz=blah", true)]
    [InlineData(@"foo=bar,baz=blah,complex=\=value\\\,\\", true)]
    [InlineData("foo==bar", true)]
    [InlineData("foo!=blah", true)]
    [InlineData("missing!=x", true)]
    [InlineData("missing=", true)]
    [InlineData("foo=blah", false)]
    [InlineData("baz=bar", false)]
    [InlineData("foo=bar,foobar=bar,baz=blah", false)]
    [InlineData("foo!=bar", false)]
    public void Selector_MatchesFields(string selector, bool match)
    {
        var fields = new Dictionary<string, string> { ["foo"] = "bar", ["baz"] = "blah", ["complex"] = @"=value\,\" };
        Assert.Equal(match, Plain(selector).Matches(fields));
    }

    [Theory] // TestEscapeValue: invalid escape sequences; unescaped = and , in a value
    [InlineData(@"k=\", @"invalid field selector: invalid escape sequence: \")]
    [InlineData(@"k=\\\", @"invalid field selector: invalid escape sequence: \")]
    [InlineData(@"k=\a", @"invalid field selector: invalid escape sequence: \a")]
    [InlineData("k=a=b", "invalid field selector: unescaped character in value: 61")]
    [InlineData("x", "invalid selector: 'x'; can't understand 'x'")]
    [InlineData("b=1,a", "invalid selector: 'b=1,a'; can't understand 'a'")]
    public void ParseErrors_HaveUpstreamMessages(string selector, string message) =>
        Assert.Equal(message, Assert.Throws<SelectorException>(() => Plain(selector)).Message);

    [Theory] // TestSplitTerms / TestSplitTerm via the parse: escaped commas stay in the value, multi-byte text is fine
    [InlineData(@"k=\,,k2=v2", "k", ",")]
    [InlineData(@"k=\\,k2=v2", "k", @"\")]
    [InlineData(@"k=\\\,,k2=v2", "k", @"\,")]
    [InlineData("함=수,목=록", "함", "수")]
    [InlineData("a=a,", "a", "a")]
    [InlineData(",a=a", "a", "a")]
    [InlineData("b==value", "b", "value")]
    public void Terms_SplitAtUnescapedCommas(string selector, string field, string value) =>
        Assert.Equal(value, Plain(selector).ExactValue(field));

    [Fact] // TestRequiresExactMatch
    public void ExactValue_OnlyForEqualityTerms()
    {
        Assert.Null(Plain("").ExactValue("test"));
        Assert.Null(Plain("a=b").ExactValue("test"));
        Assert.Equal("b", Plain("test=b").ExactValue("test"));
        Assert.Equal("", Plain("test=").ExactValue("test"));
        Assert.Null(Plain("test!=b").ExactValue("test"));
        Assert.Equal("b", Plain("a=,test=b").ExactValue("test"));
    }

    // Field labels per kind, with the conversion functions' messages.

    [Theory]
    [InlineData("Pod", "spec.nodeName=node-1")]
    [InlineData("Pod", "metadata.name=p,metadata.namespace=default,spec.restartPolicy=Always,spec.schedulerName=default-scheduler")]
    [InlineData("Pod", "spec.serviceAccountName=x,spec.hostNetwork=false,status.phase=Running,status.podIP=10.0.0.1,status.nominatedNodeName=n")]
    [InlineData("Node", "metadata.name=node-1,spec.unschedulable=true")]
    [InlineData("Namespace", "metadata.name=default,status.phase=Active")]
    [InlineData("Event", "involvedObject.name=agent,involvedObject.namespace=default,involvedObject.kind=DaemonSet,involvedObject.uid=u")]
    [InlineData("Event", "involvedObject.apiVersion=apps/v1,involvedObject.resourceVersion=1,involvedObject.fieldPath=,reason=x,reportingComponent=c,source=s,type=Normal,metadata.name=e,metadata.namespace=default")]
    [InlineData("DaemonSet", "metadata.name=agent,metadata.namespace=default")]
    [InlineData("ControllerRevision", "metadata.name=agent-1,metadata.namespace!=kube-system")]
    public void SupportedFieldLabels_Parse(string kind, string selector) => Selectors.ParseFieldSelector(selector, kind);

    [Theory]
    [InlineData("Pod", "foo=bar", "field label not supported: foo")]
    [InlineData("Pod", "status.podIPs=10.0.0.1", "field label not supported: status.podIPs")]
    [InlineData("Node", "spec.nodeName=x", "field label not supported: spec.nodeName")]
    [InlineData("Node", "metadata.namespace=default", "field label not supported: metadata.namespace")]
    [InlineData("Namespace", "metadata.namespace=x", "field label not supported: metadata.namespace")]
    [InlineData("Event", "involvedObject.foo=x", "field label not supported: involvedObject.foo")]
    [InlineData("DaemonSet", "spec.foo=x", "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")]
    [InlineData("ControllerRevision", "revision=1", "\"revision\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")]
    [InlineData("Pod", "zzz=1,aaa=1", "field label not supported: aaa")]
    [InlineData("Pod", "zzz=1,aaa", "invalid selector: 'zzz=1,aaa'; can't understand 'aaa'")]
    public void UnsupportedFieldLabel_IsRefusedWithTheKindsMessage(string kind, string selector, string message) =>
        Assert.Equal(message, ErrorOf(selector, kind));

    [Fact]
    public void PodSpecHost_IsReadAsSpecNodeName()
    {
        var matcher = Selectors.ParseFieldSelector("spec.host=node-1", "Pod");
        Assert.Equal("spec.nodeName=node-1", matcher.ToString());
        Assert.True(matcher.Matches(Obj("""{"metadata":{"name":"p"},"spec":{"nodeName":"node-1"}}""")));
    }

    [Theory]
    [InlineData("spec.nodeName=node-1", true)]
    [InlineData("spec.nodeName!=node-1", false)]
    [InlineData("spec.hostNetwork=false", true)] // absent hostNetwork reads as false
    [InlineData("spec.hostNetwork=true", false)]
    [InlineData("status.podIP=10.0.0.7", true)] // from podIPs when podIP is absent
    [InlineData("status.phase=Running,metadata.namespace=kube-system,metadata.name=agent-x", true)]
    [InlineData("spec.restartPolicy=", true)] // absent strings read as ""
    [InlineData("status.nominatedNodeName!=", false)]
    public void PodFields_AreReadFromItsJson(string selector, bool match)
    {
        var pod = Obj("""
            {"metadata":{"name":"agent-x","namespace":"kube-system"},"spec":{"nodeName":"node-1"},
             "status":{"phase":"Running","podIPs":[{"ip":"10.0.0.7"},{"ip":"fd00::7"}]}}
            """);
        Assert.Equal(match, Selectors.ParseFieldSelector(selector, "Pod").Matches(pod));
    }

    [Fact]
    public void PodIP_PrefersStatusPodIP_AsConversionDoes()
    {
        var pod = Obj("""{"status":{"podIP":"10.0.0.1","podIPs":[{"ip":"10.0.0.2"}]}}""");
        Assert.Equal("10.0.0.1", FieldSets.Of("Pod", pod)["status.podIP"]);
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"n"}}""", "spec.unschedulable=false", true)]
    [InlineData("""{"metadata":{"name":"n"},"spec":{"unschedulable":true}}""", "spec.unschedulable=true", true)]
    [InlineData("""{"metadata":{"name":"n"},"spec":{"unschedulable":true}}""", "spec.unschedulable!=true", false)]
    [InlineData("""{"metadata":{"name":"n"}}""", "metadata.name=n", true)]
    public void NodeFields_UnschedulableIsFalseWhenAbsent(string node, string selector, bool match) =>
        Assert.Equal(match, Selectors.ParseFieldSelector(selector, "Node").Matches(Obj(node)));

    [Fact]
    public void EventFields_SourceFallsBackToReportingComponent()
    {
        var describe = Selectors.ParseFieldSelector(
            "involvedObject.name=agent,involvedObject.namespace=default,involvedObject.kind=DaemonSet,involvedObject.uid=u-1", "Event");
        var e = Obj("""
            {"metadata":{"name":"agent.1","namespace":"default"},"involvedObject":{"kind":"DaemonSet","namespace":"default","name":"agent","uid":"u-1"},
             "reason":"SuccessfulCreate","type":"Normal","reportingComponent":"daemonset-controller","source":{}}
            """);
        Assert.True(describe.Matches(e));
        Assert.True(Selectors.ParseFieldSelector("source=daemonset-controller,type=Normal", "Event").Matches(e));
        Assert.False(Selectors.ParseFieldSelector("involvedObject.uid=u-2", "Event").Matches(e));
        Assert.True(Selectors.ParseFieldSelector("source=kubelet", "Event").Matches(
            Obj("""{"source":{"component":"kubelet"},"reportingComponent":"other"}""")));
    }

    [Fact]
    public void EmptySelector_MatchesEverything()
    {
        var matcher = Selectors.ParseFieldSelector(null, "DaemonSet");
        Assert.True(matcher.IsEmpty);
        Assert.True(matcher.Matches(Obj("{}")));
    }
}
