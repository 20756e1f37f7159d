using System.Collections.Immutable;
using EventEngine.Model;

namespace EventEngine.State;

/// <summary>
/// Equal parts of objects read back from storage made one instance, as the fold makes them: every pod a DaemonSet
/// creates in a step shares its label map, its tolerations and its owner reference, and names the node with the
/// node's own string; read back from JSON each pod has copies of its own (a hundred thousand pods carry about four
/// million strings). Only immutable values are shared, so nothing can tell the difference but the memory.
/// </summary>
public sealed class Sharing
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<ImmutableDictionary<string, string>, ImmutableDictionary<string, string>> _labels = new(LabelsComparer.Instance);
    private readonly Dictionary<ImmutableArray<Toleration>, ImmutableArray<Toleration>> _tolerations = new(TolerationsComparer.Instance);
    private readonly Dictionary<OwnerReference, OwnerReference> _owners = [];

    /// <summary>The objects of a state read back, their pods and nodes sharing what they have in common.</summary>
    public static IEnumerable<(char Kind, string Key, object Value)> Objects(IEnumerable<(char Kind, string Key, object Value)> objects)
    {
        var sharing = new Sharing();
        foreach (var (kind, key, value) in objects)
        {
            yield return value switch
            {
                PodState pod => (kind, key, sharing.Pod(pod)),
                NodeState node => (kind, key, node with { Name = sharing.String(node.Name) }),
                _ => (kind, key, value),
            };
        }
    }

    public PodState Pod(PodState p) => p with
    {
        Namespace = String(p.Namespace),
        NodeName = p.NodeName is null ? null : String(p.NodeName),
        TargetNode = p.TargetNode is null ? null : String(p.TargetNode),
        Phase = String(p.Phase),
        Labels = Shared(_labels, p.Labels),
        Tolerations = Shared(_tolerations, p.Tolerations),
        Controller = p.Controller is null ? null : Shared(_owners, p.Controller),
    };

    public string String(string s) => Shared(_strings, s);

    private static T Shared<T>(Dictionary<T, T> seen, T value) where T : notnull
    {
        if (seen.TryGetValue(value, out var first)) return first;
        seen[value] = value;
        return value;
    }

    private sealed class LabelsComparer : IEqualityComparer<ImmutableDictionary<string, string>>
    {
        public static readonly LabelsComparer Instance = new();

        public bool Equals(ImmutableDictionary<string, string>? a, ImmutableDictionary<string, string>? b) =>
            ReferenceEquals(a, b) || (a is not null && b is not null && a.Count == b.Count
                && ReferenceEquals(a.KeyComparer, b.KeyComparer) && ReferenceEquals(a.ValueComparer, b.ValueComparer)
                && a.All(p => b.TryGetValue(p.Key, out var v) && string.Equals(v, p.Value, StringComparison.Ordinal)));

        public int GetHashCode(ImmutableDictionary<string, string> labels)
        {
            // order-free: the same entries give the same hash in any order
            var hash = labels.Count;
            foreach (var (key, value) in labels) hash ^= HashCode.Combine(StringComparer.Ordinal.GetHashCode(key), StringComparer.Ordinal.GetHashCode(value));
            return hash;
        }
    }

    private sealed class TolerationsComparer : IEqualityComparer<ImmutableArray<Toleration>>
    {
        public static readonly TolerationsComparer Instance = new();

        public bool Equals(ImmutableArray<Toleration> a, ImmutableArray<Toleration> b) => a.IsDefault ? b.IsDefault : !b.IsDefault && a.SequenceEqual(b);

        public int GetHashCode(ImmutableArray<Toleration> tolerations)
        {
            var hash = new HashCode();
            if (!tolerations.IsDefault)
                foreach (var t in tolerations) hash.Add(t);
            return hash.ToHashCode();
        }
    }
}
