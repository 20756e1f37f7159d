using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace EventEngine.Bench;

/// <summary>Few iterations (the operations are large), Server GC as deployed, memory figures, and ratios against each class's baseline.</summary>
public sealed class QuickConfig : ManualConfig
{
    public QuickConfig()
    {
        Add(DefaultConfig.Instance);
        // the server runs with Server GC (the ASP.NET Core default), so the engine is measured with it too
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(5).WithGcServer(true));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(BaselineRatioColumn.RatioMean);
        Options |= ConfigOptions.DisableOptimizationsValidator;
        SummaryStyle = BenchmarkDotNet.Reports.SummaryStyle.Default.WithRatioStyle(RatioStyle.Value);
    }
}
