using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventEngine.Model;
using EventEngine.State;

namespace EventEngine.Core.Tests.Reading;

/// <summary>
/// Canonical JSON is hashed into revision names and fingerprints that the log keeps: its bytes may never change. The
/// writer is checked against the plain definition (sort keys by ordinal, drop nulls, empty lists and empty objects,
/// write an empty item of a list as null) on adversarial documents and on every object of a settled cluster, and the
/// fingerprint of a fixed history is pinned.
/// </summary>
public sealed class CanonicalJsonTests
{
    /// <summary>Keys that sort differently as bytes and as UTF-16 (an astral character against U+E000), need escaping, or are empty.</summary>
    private static readonly string[] Keys =
    [
        "a", "b", "B", "aa", "a-b", "a.b", "a/b", "a_b", "", "z", "0", "9", "é", "日本", "\U0001D11E", "\uE000", "\uFFFD", "<", "+", "&", "'",
        "\"", "\\", "\u0001", "\n", "a\u00e9", "kubernetes.io/hostname", "apiVersion", "kind", "metadata", "spec", "status",
    ];

    private static readonly JsonSerializerOptions Escaped = new() { Encoder = JavaScriptEncoder.Default };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomDocuments_AreWrittenAsTheDefinitionSays(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 500; i++)
        {
            var node = RandomValue(random, depth: 0);
            // the same document with its strings escaped two ways: as the engine stores it, and with \u escapes
            foreach (var text in new[] { node?.ToJsonString(Json.Options) ?? "null", node?.ToJsonString(Escaped) ?? "null" })
            {
                using var doc = JsonDocument.Parse(text);
                Assert.Equal(Definition(doc.RootElement), CanonicalJson.Write(doc.RootElement));
            }
        }
    }

    [Theory]
    [InlineData("""{"b": 1, "a": 2, "b": 3}""")]
    [InlineData("""{"k": {"b": null, "b": [], "b": "x"}, "k": 1, "\u006b": 2, "é": 3, "e": 4}""")]
    [InlineData("""{"a": {"b": {}}, "c": [null, {}, [], {"d": null}], "e": {"f": [{}]}}""")]
    [InlineData("""[]""")]
    [InlineData("""null""")]
    [InlineData("""{"\ud834\udd1e": 1, "\ue000": 2, "\u00e9": 3}""")]
    [InlineData("{\"\U0001D11E\": 1, \"\uE000\": 2, \"\u00e9\": 3, \"e\": 4}")]
    public void RepeatedKeysEscapesAndEmpties_AreWrittenAsTheDefinitionSays(string json)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(Definition(doc.RootElement), CanonicalJson.Write(doc.RootElement));
    }

    [Fact]
    public void EveryObjectOfASettledCluster_IsWrittenAsTheDefinitionSays()
    {
        var c = Cluster();
        var elements = c.State.Pods.Values.Select(p => JsonSerializer.SerializeToElement(Views.Pod(p), Json.Options))
            .Concat(c.State.Nodes.Values.Select(n => JsonSerializer.SerializeToElement(Views.Node(n), Json.Options)))
            .Concat(c.State.DaemonSets.Values.Select(d => JsonSerializer.SerializeToElement(d.Object, Json.Options)))
            .Concat(c.State.DaemonSets.Values.Select(d => d.Object.Spec!.Template!.Raw))
            .ToList();
        Assert.True(elements.Count >= 10, $"{elements.Count} objects");
        foreach (var e in elements) Assert.Equal(Definition(e), CanonicalJson.Write(e));
    }

    [Fact]
    public void TheFingerprintOfAFixedHistory_DoesNotMove()
    {
        // a fingerprint is kept for every seq of the log: a change of any object's line would break every stored one
        var fingerprint = Fingerprint.Of(Cluster().State);
        Assert.True(fingerprint == "52d0468e38511c839f383b31e8299382c052fdf359c653a4e471bfdcbdced993", $"the fingerprint is now {fingerprint}");
    }

    [Fact]
    public void EveryPodOfASettledCluster_IsHashedByTheBytesOfItsDefinedLine()
    {
        var pods = Cluster().State.Pods.Values.ToList();
        Assert.True(pods.Count >= 5, $"{pods.Count} pods");
        var variants = pods.SelectMany(p => new[]
        {
            p,
            p with { NodeName = null },
            p with { NodeName = null, TargetNode = null },
            p with { NodeName = null, TargetNode = null, Tolerations = [] },
            p with { Controller = null, Labels = p.Labels.Clear(), ReadySince = null, DeletionTimestamp = p.CreatedAt.AddSeconds(7.25) },
        });
        foreach (var pod in variants) AssertSameLine(pod);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomPods_AreHashedByTheBytesOfTheirDefinedLine(int seed)
    {
        // strings that need escaping, sort differently as bytes and as UTF-16, or are empty; fields left null; items empty
        var random = new Random(seed);
        string Text() => Keys[random.Next(Keys.Length)] + (random.Next(3) == 0 ? "" : random.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture));
        string? Maybe() => random.Next(4) == 0 ? null : Text();
        bool? Flag() => random.Next(3) switch { 0 => null, 1 => true, _ => false };
        DateTimeOffset Time() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(TimeSpan.TicksPerDay * 400));
        for (var i = 0; i < 2_000; i++)
        {
            var labels = System.Collections.Immutable.ImmutableDictionary.CreateRange(StringComparer.Ordinal,
                Enumerable.Range(0, random.Next(5)).Select(_ => KeyValuePair.Create(Text(), Text())).DistinctBy(l => l.Key));
            var tolerations = Enumerable.Range(0, random.Next(4)).Select(_ => random.Next(8) == 0 ? null! : new Toleration
            {
                Key = Maybe(), Operator = Maybe(), Value = Maybe(), Effect = Maybe(), TolerationSeconds = random.Next(3) == 0 ? random.NextInt64(-5, 100_000) : null,
            }).ToArray();
            var owner = random.Next(4) switch
            {
                0 => null,
                1 => new OwnerReference(),
                _ => new OwnerReference { ApiVersion = Maybe(), Kind = Maybe(), Name = Maybe(), Uid = Maybe(), Controller = Flag(), BlockOwnerDeletion = Flag() },
            };
            var pod = new PodState(Text(), Text(), random.Next(3) == 0 ? null : Text(), random.Next(2) == 0 ? null : Text(), labels, owner, Time(),
                random.Next(3) == 0 ? Time() : null, Text(), random.Next(2) == 0, random.Next(2) == 0 ? Time() : null, [.. tolerations], random.Next(2) == 0,
                Guid.NewGuid(), Guid.NewGuid(), random.Next(2) == 0 ? Guid.Empty : Guid.NewGuid());
            AssertSameLine(pod);
        }
    }

    private static void AssertSameLine(PodState pod)
    {
        var defined = Fingerprint.Line('P', pod.Key, pod);
        var written = CanonicalPod.Line(pod).ToArray();
        Assert.True(written.AsSpan().SequenceEqual(System.Text.Encoding.UTF8.GetBytes(defined)),
            $"defined: {defined}\nwritten: {System.Text.Encoding.UTF8.GetString(written)}");
    }

    [Fact]
    public void APodsSpec_NamesItsNode_OrPinsItThereByAffinity_ThenListsItsTolerations()
    {
        var pod = Cluster().State.Pods.Values.First(p => p.NodeName == "node-b" && p.Name.StartsWith("foo-", StringComparison.Ordinal));
        const string tolerations = """
            "tolerations":[{"key":"dedicated","operator":"Exists","effect":"NoSchedule"},{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute"},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute"},{"key":"node.kubernetes.io/disk-pressure","operator":"Exists","effect":"NoSchedule"},{"key":"node.kubernetes.io/memory-pressure","operator":"Exists","effect":"NoSchedule"},{"key":"node.kubernetes.io/pid-pressure","operator":"Exists","effect":"NoSchedule"},{"key":"node.kubernetes.io/unschedulable","operator":"Exists","effect":"NoSchedule"}]
            """;
        Assert.Equal("""{"nodeName":"node-b",""" + tolerations + "}", Views.Pod(pod).Spec!.Value.GetRawText());
        Assert.Equal("""{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.name","operator":"In","values":["node-b"]}]}]}}},"""
            + tolerations + "}", Views.Pod(pod with { NodeName = null }).Spec!.Value.GetRawText());
        Assert.Equal("{}", Views.Pod(pod with { NodeName = null, TargetNode = null, Tolerations = [] }).Spec!.Value.GetRawText());
    }

    /// <summary>Nodes with labels and taints, a DaemonSet with tolerations and an affinity, pods reported, one node cordoned.</summary>
    private static TestCluster Cluster()
    {
        var c = new TestCluster();
        c.Node("node-a", "{zone: z1, 'example.com/role': edge}");
        c.Node("node-b", "{zone: z2}", "[{key: dedicated, value: infra, effect: NoSchedule}]");
        c.Node("node-c", "{zone: z1}");
        c.DaemonSet("{tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}], "
            + "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [z1, z2]}]}]}}}}");
        c.DaemonSet("{nodeSelector: {zone: z1}}", "{updateStrategy: {type: OnDelete}}", name: "bar");
        c.ReadyAll();
        c.PatchNode("node-c", "{spec: {unschedulable: true}}");
        c.Advance(30);
        return c;
    }

    private static JsonNode? RandomValue(Random random, int depth)
    {
        switch (random.Next(depth >= 4 ? 6 : 9))
        {
            case 0: return null;
            case 1: return JsonValue.Create(Keys[random.Next(Keys.Length)] + random.Next(3));
            case 2: return JsonValue.Create(random.Next(-1000, 1000));
            case 3: return JsonValue.Create(random.NextDouble() * 1e6);
            case 4: return JsonValue.Create(random.Next(2) == 0);
            case 5: return JsonNode.Parse(random.Next(3) switch { 0 => "1e5", 1 => "-0", _ => "1.50" });
            case 6:
            case 7:
                var o = new JsonObject();
                for (var n = random.Next(5); n > 0; n--) o[Keys[random.Next(Keys.Length)]] = RandomValue(random, depth + 1);
                return o;
            default:
                var a = new JsonArray();
                for (var n = random.Next(4); n > 0; n--) a.Add(RandomValue(random, depth + 1));
                return a;
        }
    }

    /// <summary>Canonical JSON as defined, written the plain way.</summary>
    private static string Definition(JsonElement element)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            if (!Write(writer, element))
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());

        static bool IsEmpty(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => true,
            JsonValueKind.Array => e.GetArrayLength() == 0,
            JsonValueKind.Object => e.EnumerateObject().All(p => IsEmpty(p.Value)),
            _ => false,
        };

        static bool Write(Utf8JsonWriter writer, JsonElement e)
        {
            if (IsEmpty(e)) return false;
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    writer.WriteStartObject();
                    foreach (var p in e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                    {
                        if (IsEmpty(p.Value)) continue;
                        writer.WritePropertyName(p.Name);
                        Write(writer, p.Value);
                    }
                    writer.WriteEndObject();
                    return true;
                case JsonValueKind.Array:
                    writer.WriteStartArray();
                    foreach (var item in e.EnumerateArray())
                        if (!Write(writer, item)) writer.WriteNullValue();
                    writer.WriteEndArray();
                    return true;
                default:
                    e.WriteTo(writer);
                    return true;
            }
        }
    }
}
