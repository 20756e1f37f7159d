using System.Text;
using System.Text.Json;
using EventEngine.Model;

namespace EventEngine.State;

/// <summary>
/// A pod's fingerprint line, written straight from the pod: the bytes of <c>P|{canonical JSON of Views.Pod(p)}|{status
/// cause}|{origin}|{labels cause}</c>, without serializing the view, parsing it back and sorting its keys. Every pod
/// version a command or a rebuild makes is hashed, so this is the fingerprint's hot path; the general one
/// (<see cref="CanonicalJson.Of{T}"/> of the view) stays the definition, and the tests hold the two to the same bytes.
/// Keys are written in ordinal order by hand; nulls, empty lists and empty maps are left out, and an owner reference or
/// a toleration with no field set (or a null toleration) is written as null, as canonical JSON writes an empty item of a list.
/// </summary>
internal static class CanonicalPod
{
    /// <summary>Canonical JSON is written with the default encoder, as <see cref="CanonicalJson.Write"/> does.</summary>
    private static readonly JsonScratch Scratch = new(default);

    /// <summary>The line's UTF-8 bytes.</summary>
    public static byte[] Line(PodState p)
    {
        var causes = Encoding.UTF8.GetBytes($"|{p.StatusCause}|{p.Origin}|{p.LabelsCause}");
        return Scratch.Write(p, Write, json =>
        {
            var line = new byte[2 + json.Length + causes.Length];
            "P|"u8.CopyTo(line);
            json.Span.CopyTo(line.AsSpan(2));
            causes.CopyTo(line.AsSpan(2 + json.Length));
            return line;
        });
    }

    private static void Write(Utf8JsonWriter w, PodState p)
    {
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Pod");

        w.WriteStartObject("metadata");
        w.WriteString("creationTimestamp", Json.FormatTime(p.CreatedAt));
        if (p.DeletionTimestamp is { } deleted) w.WriteString("deletionTimestamp", Json.FormatTime(deleted));
        if (p.Labels.Count > 0) Json.WriteSorted(w, "labels", p.Labels);
        String(w, "name", p.Name);
        String(w, "namespace", p.Namespace);
        if (p.Controller is { } owner)
        {
            w.WriteStartArray("ownerReferences");
            Owner(w, owner);
            w.WriteEndArray();
        }
        w.WriteEndObject();

        if (p.NodeName is not null || p.TargetNode is not null || !p.Tolerations.IsEmpty)
        {
            w.WriteStartObject("spec");
            if (p.NodeName is not null) w.WriteString("nodeName", p.NodeName);
            else if (p.TargetNode is not null) PinnedTo(w, p.TargetNode);
            if (!p.Tolerations.IsEmpty)
            {
                w.WriteStartArray("tolerations");
                foreach (var t in p.Tolerations) Toleration(w, t);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }

        w.WriteStartObject("status");
        w.WriteStartArray("conditions");
        w.WriteStartObject();
        if (p.ReadySince is { } since) w.WriteString("lastTransitionTime", Json.FormatTime(since));
        w.WriteString("status", p.Ready ? "True" : "False");
        w.WriteString("type", "Ready");
        w.WriteEndObject();
        w.WriteEndArray();
        String(w, "phase", p.Phase);
        w.WriteEndObject();

        w.WriteEndObject();
    }

    private static void String(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    private static void Owner(Utf8JsonWriter w, OwnerReference o)
    {
        if (o is { ApiVersion: null, BlockOwnerDeletion: null, Controller: null, Kind: null, Name: null, Uid: null })
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        String(w, "apiVersion", o.ApiVersion);
        if (o.BlockOwnerDeletion is { } block) w.WriteBoolean("blockOwnerDeletion", block);
        if (o.Controller is { } controller) w.WriteBoolean("controller", controller);
        String(w, "kind", o.Kind);
        String(w, "name", o.Name);
        String(w, "uid", o.Uid);
        w.WriteEndObject();
    }

    private static void Toleration(Utf8JsonWriter w, Toleration? t)
    {
        if (t is null or { Effect: null, Key: null, Operator: null, TolerationSeconds: null, Value: null })
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        String(w, "effect", t.Effect);
        String(w, "key", t.Key);
        String(w, "operator", t.Operator);
        if (t.TolerationSeconds is { } seconds) w.WriteNumber("tolerationSeconds", seconds);
        String(w, "value", t.Value);
        w.WriteEndObject();
    }

    /// <summary>The required node affinity of <see cref="Views.PodSpec"/>, its keys in order.</summary>
    private static void PinnedTo(Utf8JsonWriter w, string node)
    {
        w.WriteStartObject("affinity");
        w.WriteStartObject("nodeAffinity");
        w.WriteStartObject("requiredDuringSchedulingIgnoredDuringExecution");
        w.WriteStartArray("nodeSelectorTerms");
        w.WriteStartObject();
        w.WriteStartArray("matchFields");
        w.WriteStartObject();
        w.WriteString("key", "metadata.name");
        w.WriteString("operator", "In");
        w.WriteStartArray("values");
        w.WriteStringValue(node);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
