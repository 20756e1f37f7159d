using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using EventEngine.Model;

namespace EventEngine.State;

/// <summary>
/// A canonical hash of a cluster state: the sum, modulo 2^256, of a SHA-256 per object (nodes, DaemonSets with their
/// status, revisions, pods, slots' causes, backoffs, deleted owners, removed nodes), each over a canonical line of the
/// object. Two folds of the same log give the same fingerprint; replay and live, and a state read back from the
/// history and a fresh fold, can be compared by it. Being a sum, it moves with each change by the new object's hash
/// less the old one's (<see cref="Delta"/>), so the history keeps it for every seq without hashing the cluster.
/// </summary>
public static class Fingerprint
{
    private static readonly BigInteger Modulus = BigInteger.One << 256;

    /// <summary>Each node's and pod's hash, kept as long as the object lives: consecutive states share almost all their objects.</summary>
    private static readonly ConditionalWeakTable<object, StrongBox<BigInteger>> Hashes = [];

    public static string Of(ClusterState s)
    {
        var sum = BigInteger.Zero;
        foreach (var c in ObjectHistory.All(s)) sum += HashOf(c.Kind, c.Key, c.After!);
        return Format(sum);
    }

    /// <summary>How much one change moves the fingerprint (not reduced: may be negative; see <see cref="Reduce"/>).</summary>
    public static BigInteger Delta(ObjectHistory.Change c) =>
        (c.After is null ? BigInteger.Zero : HashOf(c.Kind, c.Key, c.After)) - (c.Before is null ? BigInteger.Zero : HashOf(c.Kind, c.Key, c.Before));

    public static BigInteger Reduce(BigInteger value)
    {
        var r = value % Modulus;
        return r.Sign < 0 ? r + Modulus : r;
    }

    /// <summary>The fingerprint as 64 hex digits.</summary>
    public static string Format(BigInteger sum) =>
        Convert.ToHexStringLower(Reduce(sum).ToByteArray(isUnsigned: true, isBigEndian: true)).PadLeft(64, '0');

    private static BigInteger HashOf(char kind, string key, object value) => value switch
    {
        PodState => Hashes.GetValue(value, static o => new StrongBox<BigInteger>(Hash(CanonicalPod.Line((PodState)o)))).Value,
        NodeState => Hashes.GetValue(value, o => new StrongBox<BigInteger>(Hash(Encoding.UTF8.GetBytes(Line(kind, key, o))))).Value,
        _ => Hash(Encoding.UTF8.GetBytes(Line(kind, key, value))),
    };

    private static BigInteger Hash(ReadOnlySpan<byte> line)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(line, hash);
        return new(hash, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>
    /// The line an object is hashed by. A pod's is written faster, to the same bytes, by <see cref="CanonicalPod"/>;
    /// this is its definition.
    /// </summary>
    internal static string Line(char kind, string key, object value) => value switch
    {
        NodeState n => $"N|{Canonical(Views.Node(n))}|{n.TaintsCause}",
        PodState p => $"P|{Canonical(Views.Pod(p))}|{p.StatusCause}|{p.Origin}|{p.LabelsCause}",
        ObjectHistory.DaemonSetPart d => $"D|{key}|{Canonical(d.Object)}|{d.Uid}|{d.Generation}|{d.TemplateGeneration}|{Json.FormatTime(d.CreatedAt)}"
            + $"|{d.CurrentHash}|{d.CollisionCount}|{d.SpecCause}|{d.RevisionCause}|{d.RevisionRestored}",
        ObjectHistory.DaemonSetCounters c => $"U|{key}|{Canonical(c.Status)}|{c.PodsCreated}",
        RevisionState r => $"R|{r.Key}|{r.Number}|{r.Hash}|{r.OwnerUid}",
        FailedPodBackoff b => $"B|{key}|{b.Delay.Ticks}|{Json.FormatTime(b.LastUpdate)}",
        DeletedOwner o => $"X|{key}|{o.DaemonSet}|{o.PropagationPolicy}|{o.Cause}",
        Guid cause => $"{kind}|{key}|{cause}",
        _ => throw new InvalidOperationException($"no fingerprint line for {value.GetType().Name}"),
    };

    /// <summary>Key order and nil-versus-empty do not count: the log's jsonb does not keep either.</summary>
    private static string Canonical<T>(T value) => CanonicalJson.Of(value);
}
