using BenchmarkDotNet.Running;

// `dotnet run -c Release --project bench/VLOrleans.Benchmarks -- --filter '*'` runs them all;
// BenchmarkSwitcher lets one pick by name (e.g. --filter '*Tokenizer*').
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>Entry point holder for BenchmarkSwitcher.</summary>
public partial class Program;
