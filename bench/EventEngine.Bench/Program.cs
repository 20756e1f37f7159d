using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/EventEngine.Bench [-- --filter *Incremental*]
BenchmarkSwitcher.FromAssembly(typeof(EventEngine.Bench.ClusterFixture).Assembly).Run(args, new EventEngine.Bench.QuickConfig());
