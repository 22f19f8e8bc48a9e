using System.CommandLine;
using System.Diagnostics;
using System.Numerics.Tensors;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Runner;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Cli;

/// <summary>
/// <c>vl bench-steps</c>: decode steps of several decoder configurations side by side — each a package variant, with or
/// without its decode-step graph — through the engine's own <see cref="DecoderRunner"/>, interleaved step by step (A, B,
/// A, B, …) so a shared host's moving memory bandwidth hits every configuration alike. Every row first prefills the same
/// text prompt, then all rows decode together; the report is the median step time and its ratio to the first
/// configuration. Answers "is this graph faster at N rows" without the rest of the engine in the way.
/// </summary>
internal static class BenchStepsCommand
{
    public static Command Create()
    {
        var configurations = new Argument<string[]>("configurations")
        {
            Description = "package:variant, or package:variant:prefill-graph to decode on the prefill graph even when the variant has a decode-step graph.",
            Arity = ArgumentArity.OneOrMore,
        };
        var rows = new Option<string>("--rows") { Description = "Comma-separated row counts, one measurement each.", DefaultValueFactory = _ => "1,8" };
        var steps = new Option<int>("--steps") { Description = "Measured steps per configuration (after 3 warm-up steps).", DefaultValueFactory = _ => 12 };
        var cached = new Option<int>("--cached") { Description = "Prompt tokens each row holds before decoding.", DefaultValueFactory = _ => 330 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads.", DefaultValueFactory = _ => 2 };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N (cuda needs the GPU build: -p:OnnxRuntimeFlavor=gpu).", DefaultValueFactory = _ => "cpu" };
        var command = new Command("bench-steps", "Time decode steps of decoder configurations side by side, interleaved (median ms per step, ratio to the first).")
        {
            configurations, rows, steps, cached, threads, device,
        };
        command.SetAction(parse =>
        {
            try
            {
                var rowCounts = parse.GetValue(rows)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(r => int.TryParse(r, out var n) && n >= 1 ? n : throw new ArgumentException($"--rows: '{r}' is not a positive row count")).ToArray();
                if (rowCounts.Length == 0) throw new ArgumentException("--rows needs at least one row count");
                if (parse.GetValue(steps) < 1 || parse.GetValue(cached) < 1) throw new ArgumentException("--steps and --cached must be at least 1");
                var specs = parse.GetValue(configurations)!;
                var onDevice = OnnxDevice.TryParse(parse.GetValue(device), out var parsed) ? parsed : throw new ArgumentException($"--device: '{parse.GetValue(device)}' is not cpu, cuda or cuda:N");
                foreach (var count in rowCounts)
                {
                    var medians = Measure(specs, count, parse.GetValue(steps), parse.GetValue(cached), new OnnxSessionOptions
                    {
                        IntraOpThreadCount = parse.GetValue(threads),
                        ExecutionProvider = onDevice.Provider,
                        CudaDeviceId = onDevice.Index,
                    });
                    for (var i = 0; i < specs.Length; i++)
                        Console.WriteLine($"rows {count,2}  {specs[i],-60} {medians[i],8:F1} ms/step  {count * 1000 / medians[i],6:F1} tok/s  {medians[0] / medians[i]:F2}× the first");
                }
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or VLOrleans.Engine.Models.ModelLoadException or ExecutionProviderUnavailableException)
            {
                Console.Error.WriteLine($"bench-steps: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static double[] Measure(string[] specs, int rows, int steps, int cached, OnnxSessionOptions sessionOptions)
    {
        var maxLength = cached + steps + 16;
        var runs = new List<(DecoderRunner Runner, List<Sequence> Batch, List<double> Times, float[] Logits)>();
        try
        {
            foreach (var spec in specs)
            {
                var parts = spec.Split(':');
                if (parts.Length is < 2 or > 3 || (parts.Length == 3 && parts[2] != "prefill-graph")) throw new ArgumentException($"'{spec}' is not package:variant[:prefill-graph]");
                var package = ModelPackage.Open(parts[0]);
                var runner = new DecoderRunner(package, parts[1], rows, maxLength, sessionOptions, useDecodeGraph: parts.Length == 2);
                runs.Add((runner, SyntheticDecodeBatch.Prefill(runner, package.Config.Family, rows, cached, maxLength), [], new float[rows * runner.VocabSize]));
            }
            for (var step = 0; step < steps + 3; step++)
            {
                foreach (var (runner, batch, times, logits) in runs)
                {
                    var clock = Stopwatch.StartNew();
                    runner.Decode(batch, logits);
                    if (step >= 3) times.Add(clock.Elapsed.TotalMilliseconds);
                    for (var b = 0; b < batch.Count; b++) batch[b].Generated.Add(TensorPrimitives.IndexOfMax(logits.AsSpan(b * runner.VocabSize, runner.VocabSize)));
                }
            }
            return [.. runs.Select(r => r.Times.Order().ElementAt(r.Times.Count / 2))];
        }
        finally
        {
            foreach (var run in runs) run.Runner.Dispose();
        }
    }
}
