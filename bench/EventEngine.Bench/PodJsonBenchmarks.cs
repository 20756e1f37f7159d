using BenchmarkDotNet.Attributes;
using EventEngine.Model;
using EventEngine.Projections.Kubernetes;
using EventEngine.State;

namespace EventEngine.Bench;

/// <summary>
/// The JSON each pod version costs, on the command path and in a rebuild, over the 20,000 pods of a settled 1,000-node
/// cluster: its history body (the baseline: the pod as the engine stores it), the engine's view of it, the canonical
/// JSON its fingerprint line hashes, and its Kubernetes object as the pods' read model stores it.
/// </summary>
[Config(typeof(QuickConfig))]
public class PodJsonBenchmarks
{
    private ClusterState _state = null!;
    private PodState[] _pods = null!;

    [GlobalSetup]
    public void Setup()
    {
        _state = ClusterFixture.Settled(1_000);
        _pods = [.. _state.Pods.Values];
    }

    [Benchmark(Baseline = true)]
    public int HistoryBody()
    {
        var bytes = 0;
        foreach (var p in _pods) bytes += ObjectHistory.BodyOf(p).Length;
        return bytes;
    }

    [Benchmark]
    public int View()
    {
        var properties = 0;
        foreach (var p in _pods) properties += Views.Pod(p).Spec!.Value.GetPropertyCount();
        return properties;
    }

    [Benchmark]
    public int FingerprintCanonicalJson()
    {
        var chars = 0;
        foreach (var p in _pods) chars += CanonicalJson.Of(Views.Pod(p)).Length;
        return chars;
    }

    [Benchmark]
    public int KubernetesObject()
    {
        var chars = 0;
        foreach (var p in _pods) chars += KubeViews.Pod(p, _state).ToJsonString(Json.Options).Length;
        return chars;
    }
}
