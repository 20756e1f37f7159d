using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace EventEngine.Bench;

/// <summary>Few iterations (the operations are large), memory figures, and ratios against each class's baseline.</summary>
public sealed class QuickConfig : ManualConfig
{
    public QuickConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(5));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(BaselineRatioColumn.RatioMean);
        Options |= ConfigOptions.DisableOptimizationsValidator;
        SummaryStyle = BenchmarkDotNet.Reports.SummaryStyle.Default.WithRatioStyle(RatioStyle.Value);
    }
}
