using System.Text.Json;
using EventEngine.Model;

namespace EventEngine.Core.Tests.Reading;

/// <summary>
/// JSON as Go's encoding/json writes a value decoded into maps, which is what a ControllerRevision's data must be byte for
/// byte for kubectl rollout undo: the expected texts are Go's (json.Marshal of the decoded value).
/// </summary>
public sealed class GoJsonTests
{
    [Theory]
    [InlineData("30", "30")]
    [InlineData("30.0", "30")]
    [InlineData("0.5", "0.5")]
    [InlineData("-2.25", "-2.25")]
    [InlineData("0.00001", "0.00001")]
    [InlineData("0.000001", "0.000001")]
    [InlineData("1e-7", "1e-7")]
    [InlineData("1.5e-7", "1.5e-7")]
    [InlineData("1e-10", "1e-10")]
    [InlineData("1e20", "100000000000000000000")]
    [InlineData("1e21", "1e+21")]
    [InlineData("1.5e300", "1.5e+300")]
    [InlineData("1152921504606846976", "1152921504606847000")]
    [InlineData("123456789.125", "123456789.125")]
    [InlineData("-0", "-0")]
    [InlineData("1e400", "1e400")]
    public void Numbers_AreWrittenAsFloat64PrintsThem(string given, string go) =>
        Assert.Equal(go, GoJson.Write(JsonDocument.Parse(given).RootElement));

    [Fact]
    public void Strings_AreEscapedAsGoEscapesThem()
    {
        var given = JsonDocument.Parse("\"a<b>c&d \\u2028\\u2029 \\b\\f\\n\\r\\t \\u0001\\u001f \\\"q\\\" \\\\ é ü 🙂\"").RootElement;
        Assert.Equal("\"a\\u003cb\\u003ec\\u0026d \\u2028\\u2029 \\b\\f\\n\\r\\t \\u0001\\u001f \\\"q\\\" \\\\ é ü 🙂\"", GoJson.Write(given));
    }

    [Fact]
    public void ObjectKeys_AreSortedAsBytes_AndNothingIsSpaced()
    {
        var given = JsonDocument.Parse("""{ "b": [1, {"z": null, "y": true}], "a": false, "B": "x", "é": 1, "~": 2, "$patch": "replace" }""").RootElement;
        Assert.Equal("""{"$patch":"replace","B":"x","a":false,"b":[1,{"y":true,"z":null}],"~":2,"é":1}""", GoJson.Write(given));
    }

    [Fact]
    public void ARevisionsData_HoldsTheTemplateAsGoTypesGiveItBack()
    {
        var template = PodTemplate.From(JsonDocument.Parse("""
            {"metadata": {"labels": {"app": "a"}, "annotations": {}},
             "spec": {"nodeSelector": {}, "tolerations": [], "securityContext": {}, "hostNetwork": true,
                      "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}},
                      "containers": [{"name": "c", "image": "i", "args": null}, {"name": "d", "image": "j", "resources": {"limits": {"cpu": "1"}}}]}}
            """).RootElement);
        Assert.Equal(
            """{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"a"}},"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[]}}},"containers":[{"image":"i","name":"c","resources":{}},{"image":"j","name":"d","resources":{"limits":{"cpu":"1"}}}],"hostNetwork":true,"securityContext":{}}}}}""",
            GoJson.Write(ControllerRevision.DataOf(template)));
    }

    [Fact]
    public void ARevisionsData_HoldsItsQuantitiesInCanonicalForm_AsGoWritesAQuantity()
    {
        var template = PodTemplate.From(JsonDocument.Parse("""
            {"spec": {"overhead": {"cpu": "250m", "memory": "0.5Gi"},
                      "containers": [{"name": "c", "image": "i", "env": [{"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "requests.cpu"}}}], "resources": {"requests": {"cpu": "1000m", "memory": 1073741824}, "limits": {"cpu": 2, "memory": "1536Mi", "example.com/gpu": "1e3"}}}],
                      "initContainers": [{"name": "i", "image": "i", "resources": {"requests": {"ephemeral-storage": "12000"}}}],
                      "volumes": [{"name": "v", "emptyDir": {"sizeLimit": "2048Mi"}},
                                  {"name": "d", "downwardAPI": {"items": [{"path": "cpu", "resourceFieldRef": {"resource": "limits.cpu", "divisor": "1000m"}}]}},
                                  {"name": "w", "ephemeral": "not an object"}]}}
            """).RootElement);
        var data = GoJson.Write(ControllerRevision.DataOf(template));
        Assert.Contains("""{"limits":{"cpu":"2","example.com/gpu":"1e3","memory":"1536Mi"},"requests":{"cpu":"1","memory":"1073741824"}}""", data);
        Assert.Contains("""{"requests":{"ephemeral-storage":"12k"}}""", data);
        Assert.Contains("\"overhead\":{\"cpu\":\"250m\",\"memory\":\"512Mi\"}", data);
        Assert.Contains("\"emptyDir\":{\"sizeLimit\":\"2Gi\"}", data);
        // a resourceFieldRef's divisor is a Quantity Go writes even when absent
        Assert.Contains("\"resourceFieldRef\":{\"divisor\":\"0\",\"resource\":\"requests.cpu\"}", data);
        Assert.Contains("\"resourceFieldRef\":{\"divisor\":\"1\",\"resource\":\"limits.cpu\"}", data);
    }
}
