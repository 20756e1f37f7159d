using EventEngine.Model.Patches;

namespace EventEngine.Core.Tests.Patches;

/// <summary>JSON patch (RFC 6902) as the official C# client sends it: every operation, pointer escapes, and the refusals.</summary>
public sealed class JsonPatchTests
{
    private const string Node = """
        {"metadata":{"name":"n","labels":{"kubernetes.io/hostname":"n","a~b":"t"}},
         "spec":{"taints":[{"key":"a"},{"key":"b"}],"unschedulable":false,"providerID":null},
         "status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}}}
        """;

    private static string With(params (string, string?)[] changes) => Canonical.With(Node, changes);

    public static TheoryData<string, string, string> Applies => new()
    {
        { "add sets a new member", """[{"op":"add","path":"/metadata/labels/disk","value":"ssd"}]""", With(("metadata.labels", """{"kubernetes.io/hostname":"n","a~b":"t","disk":"ssd"}""")) },
        { "add replaces a member already there", """[{"op":"add","path":"/spec/unschedulable","value":true}]""", With(("spec.unschedulable", "true")) },
        { "add inserts an item at an index", """[{"op":"add","path":"/spec/taints/1","value":{"key":"x"}}]""", With(("spec.taints", """[{"key":"a"},{"key":"x"},{"key":"b"}]""")) },
        { "add at - appends", """[{"op":"add","path":"/spec/taints/-","value":{"key":"x"}}]""", With(("spec.taints", """[{"key":"a"},{"key":"b"},{"key":"x"}]""")) },
        { "add at the index after the last item appends", """[{"op":"add","path":"/spec/taints/2","value":{"key":"x"}}]""", With(("spec.taints", """[{"key":"a"},{"key":"b"},{"key":"x"}]""")) },
        { "add at the root replaces the document", """[{"op":"add","path":"","value":{"x":1}}]""", """{"x":1}""" },
        { "remove takes a member out", """[{"op":"remove","path":"/spec/unschedulable"}]""", With(("spec.unschedulable", null)) },
        { "remove takes an item out and shifts the rest", """[{"op":"remove","path":"/spec/taints/0"}]""", With(("spec.taints", """[{"key":"b"}]""")) },
        { "replace sets a member that is there", """[{"op":"replace","path":"/metadata/name","value":"m"}]""", With(("metadata.name", "\"m\"")) },
        { "replace sets an item", """[{"op":"replace","path":"/spec/taints/1","value":{"key":"y"}}]""", With(("spec.taints", """[{"key":"a"},{"key":"y"}]""")) },
        { "replace at the root replaces the document", """[{"op":"replace","path":"","value":[1]}]""", "[1]" },
        { "move renames a member", """[{"op":"move","from":"/metadata/name","path":"/metadata/generateName"}]""", With(("metadata.name", null), ("metadata.generateName", "\"n\"")) },
        { "move reorders items", """[{"op":"move","from":"/spec/taints/0","path":"/spec/taints/1"}]""", With(("spec.taints", """[{"key":"b"},{"key":"a"}]""")) },
        { "move to where it is changes nothing", """[{"op":"move","from":"/spec/taints","path":"/spec/taints"}]""", Node },
        { "copy duplicates deeply: changing the copy leaves the source", """[{"op":"copy","from":"/metadata/labels","path":"/spec/labels"},{"op":"add","path":"/spec/labels/x","value":"1"}]""", With(("spec.labels", """{"kubernetes.io/hostname":"n","a~b":"t","x":"1"}""")) },
        { "test compares numbers by value", """[{"op":"test","path":"/status/daemonEndpoints/kubeletEndpoint/Port","value":10250.0}]""", Node },
        { "test compares objects regardless of key order", """[{"op":"test","path":"/metadata/labels","value":{"a~b":"t","kubernetes.io/hostname":"n"}}]""", Node },
        { "test of null against null passes", """[{"op":"test","path":"/spec/providerID","value":null}]""", Node },
        { "test at the root compares the document", $$$"""[{"op":"test","path":"","value":{{{Node}}}}]""", Node },
        { "~1 in a pointer stands for /", """[{"op":"add","path":"/metadata/labels/kubernetes.io~1os","value":"linux"}]""", With(("metadata.labels", """{"kubernetes.io/hostname":"n","a~b":"t","kubernetes.io/os":"linux"}""")) },
        { "~0 in a pointer stands for ~", """[{"op":"remove","path":"/metadata/labels/a~0b"}]""", With(("metadata.labels", """{"kubernetes.io/hostname":"n"}""")) },
        { "~01 is ~1, not /", """[{"op":"add","path":"/metadata/labels/x~01","value":"v"}]""", With(("metadata.labels", """{"kubernetes.io/hostname":"n","a~b":"t","x~1":"v"}""")) },
        { "an empty step names the empty key", """[{"op":"add","path":"/metadata/labels/","value":"e"}]""", With(("metadata.labels", """{"kubernetes.io/hostname":"n","a~b":"t","":"e"}""")) },
        { "operations apply in order", """[{"op":"add","path":"/spec/podCIDR","value":"10.0.0.0/24"},{"op":"test","path":"/spec/podCIDR","value":"10.0.0.0/24"},{"op":"remove","path":"/spec/podCIDR"}]""", Node },
        { "an empty patch changes nothing", "[]", Node },
    };

    [Theory]
    [MemberData(nameof(Applies))]
    public void Apply_GivesTheDocumentTheOperationsDescribe(string behaviour, string patch, string expected) =>
        Canonical.Equal(expected, JsonPatch.Apply(Canonical.Parse(Node), Canonical.Parse(patch)!), behaviour);

    public static TheoryData<string, string, PatchError, string, string> Refusals => new()
    {
        { "a patch that is an object", """{"op":"add"}""", PatchError.BadRequest, "", "must be a JSON array" },
        { "an operation that is not an object", "[1]", PatchError.BadRequest, "[0]", "must be a JSON object" },
        { "an unknown op", """[{"op":"merge","path":"/a"}]""", PatchError.BadRequest, "[0].op", "Unexpected kind: \"merge\"" },
        { "a missing op", """[{"path":"/a"}]""", PatchError.BadRequest, "[0].op", "Unexpected kind: null" },
        { "a missing path", """[{"op":"remove"}]""", PatchError.BadRequest, "[0].path", "operation missing path field" },
        { "a path that is not a string", """[{"op":"remove","path":1}]""", PatchError.BadRequest, "[0].path", "operation missing path field" },
        { "a path without a leading slash", """[{"op":"remove","path":"spec"}]""", PatchError.BadRequest, "[0].path", "invalid JSON pointer \"spec\"" },
        { "a ~ followed by neither 0 nor 1", """[{"op":"remove","path":"/a~2b"}]""", PatchError.BadRequest, "[0].path", "invalid JSON pointer" },
        { "a ~ at the end of a step", """[{"op":"remove","path":"/a~"}]""", PatchError.BadRequest, "[0].path", "invalid JSON pointer" },
        { "add without a value", """[{"op":"add","path":"/a"}]""", PatchError.BadRequest, "[0].value", "operation, missing value field" },
        { "move without from", """[{"op":"move","path":"/a"}]""", PatchError.BadRequest, "[0].from", "operation, missing from field" },
        { "move into its own child", """[{"op":"move","from":"/spec","path":"/spec/x"}]""", PatchError.BadRequest, "[0].path", "into its own child" },
        { "a malformed operation after good ones", """[{"op":"remove","path":"/spec"},{"op":"nope","path":"/a"}]""", PatchError.BadRequest, "[1].op", "Unexpected kind" },
        { "add under a parent that is not there", """[{"op":"add","path":"/metadata/annotations/x","value":"1"}]""", PatchError.Invalid, "metadata.annotations.x", "add operation does not apply: doc is missing path: \"/metadata/annotations/x\": missing value" },
        { "add inside a scalar", """[{"op":"add","path":"/spec/unschedulable/x","value":1}]""", PatchError.Invalid, "spec.unschedulable.x", "add operation does not apply" },
        { "add past the end of a list", """[{"op":"add","path":"/spec/taints/3","value":{}}]""", PatchError.Invalid, "spec.taints[3]", "error in add for path: '/spec/taints/3': Unable to access invalid index: 3: invalid index referenced" },
        { "an index with a leading zero", """[{"op":"add","path":"/spec/taints/01","value":{}}]""", PatchError.Invalid, "spec.taints[01]", "value was not a proper array index: '01'" },
        { "remove a member that is not there", """[{"op":"remove","path":"/spec/podCIDR"}]""", PatchError.Invalid, "spec.podCIDR", "remove operation does not apply: doc is missing path: \"/spec/podCIDR\": missing value" },
        { "remove at -", """[{"op":"remove","path":"/spec/taints/-"}]""", PatchError.Invalid, "spec.taints.-", "remove operation does not apply" },
        { "remove the document", """[{"op":"remove","path":""}]""", PatchError.Invalid, "", "remove operation does not apply" },
        { "replace a member that is not there", """[{"op":"replace","path":"/spec/podCIDR","value":"x"}]""", PatchError.Invalid, "spec.podCIDR", "replace operation does not apply: doc is missing key: /spec/podCIDR: missing value" },
        { "replace an item past the end", """[{"op":"replace","path":"/spec/taints/2","value":{}}]""", PatchError.Invalid, "spec.taints[2]", "replace operation does not apply" },
        { "a test that fails", """[{"op":"test","path":"/spec/unschedulable","value":true}]""", PatchError.Invalid, "spec.unschedulable", "testing value /spec/unschedulable failed: test failed" },
        { "a test of a string against a number", """[{"op":"test","path":"/status/daemonEndpoints/kubeletEndpoint/Port","value":"10250"}]""", PatchError.Invalid, "status.daemonEndpoints.kubeletEndpoint.Port", "test failed" },
        { "a test of a path that is not there", """[{"op":"test","path":"/spec/nothing","value":1}]""", PatchError.Invalid, "spec.nothing", "test operation does not apply: is missing path: /spec/nothing: missing value" },
        { "copy from a path that is not there", """[{"op":"copy","from":"/nothing","path":"/x"}]""", PatchError.Invalid, "nothing", "copy operation does not apply: doc is missing from path: /nothing: missing value" },
        { "move from a path that is not there", """[{"op":"move","from":"/nothing","path":"/x"}]""", PatchError.Invalid, "nothing", "move operation does not apply: doc is missing from path: /nothing: missing value" },
        { "move to a parent that is not there", """[{"op":"move","from":"/spec","path":"/x/y"}]""", PatchError.Invalid, "x.y", "move operation does not apply: doc is missing destination path: /x/y: missing value" },
        { "a patch that leaves no document", """[{"op":"replace","path":"","value":null}]""", PatchError.Invalid, "", "leaves no document" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Apply_Refuses(string behaviour, string patch, PatchError kind, string path, string message)
    {
        var e = Assert.Throws<PatchException>(() => JsonPatch.Apply(Canonical.Parse(Node), Canonical.Parse(patch)!));
        Assert.True(e.Kind == kind && e.Path == path && e.Message.Contains(message, StringComparison.Ordinal),
            $"{behaviour}: got {e.Kind} at '{e.Path}': {e.Message}");
    }

    [Fact]
    public void CopiesThatDoubleTheDocument_AreRefused_BeforeTheyBuildIt()
    {
        var document = new System.Text.Json.Nodes.JsonObject { ["items"] = new System.Text.Json.Nodes.JsonArray(Enumerable.Range(0, 1000).Select(i => (System.Text.Json.Nodes.JsonNode?)i).ToArray()) };
        var copies = new System.Text.Json.Nodes.JsonArray(Enumerable.Range(0, 20).Select(i => (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonObject { ["op"] = "copy", ["from"] = "", ["path"] = $"/c{i}" }).ToArray());
        var e = Assert.Throws<PatchException>(() => JsonPatch.Apply(document, copies));
        Assert.Equal(PatchError.Invalid, e.Kind);
        Assert.Contains("exceeding the limit 250000", e.Message);
        Assert.Equal(7, JsonPatch.Apply(document, new System.Text.Json.Nodes.JsonArray(copies.Take(7).Select(c => c!.DeepClone()).ToArray())).AsObject().Count(p => p.Key.StartsWith('c')));
    }

    [Fact]
    public void FailingOperation_LeavesTheDocumentAsItWas()
    {
        var document = Canonical.Parse(Node);
        var patch = Canonical.Parse("""[{"op":"remove","path":"/spec"},{"op":"test","path":"/metadata/name","value":"other"}]""")!;
        Assert.Throws<PatchException>(() => JsonPatch.Apply(document, patch));
        Canonical.Equal(Node, document);
    }

    [Fact]
    public void Result_SharesNoNodeWithTheDocumentOrThePatch()
    {
        var document = Canonical.Parse(Node);
        var patch = Canonical.Parse("""[{"op":"add","path":"/spec/labels","value":{"a":"1"}}]""")!;
        var result = JsonPatch.Apply(document, patch);
        result["spec"]!["labels"]!["a"] = "changed";
        result["metadata"]!["labels"]!["a~b"] = "changed";
        Canonical.Equal(Node, document);
        Canonical.Equal("""[{"op":"add","path":"/spec/labels","value":{"a":"1"}}]""", patch);
    }
}
