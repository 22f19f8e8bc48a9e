using System.Text.RegularExpressions;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.TinyModels;

namespace VLOrleans.Silo.Tests.Bench;

/// <summary>
/// <c>vl bench-steps</c> on the tiny model, so the decode-step harness never rots: a w8a8 variant with an int4
/// decode-step graph, measured with and without that graph, at two row counts. The report has one line per row count
/// and configuration, the first configuration at 1.00× of itself; a bad configuration or row count fails with a
/// one-line message. No timing is asserted.
/// </summary>
public sealed partial class BenchStepsSmokeTests
{
    [Fact]
    public async Task ReportsEveryConfigurationAtEveryRowCountAndRefusesBadArguments()
    {
        var root = Directory.CreateTempSubdirectory("vlo-bench-steps-").FullName;
        try
        {
            TinyModelMaker.Write(QwenVlFamily.Qwen3Vl, TinyModelPreset.Tiny, Path.Combine(root, "hf"));
            var package = Path.Combine(root, "package");
            ModelConverter.Convert(Path.Combine(root, "hf"), package, new ConversionOptions { Weights = WeightFormat.W8A8, DecodeWeights = WeightFormat.Int4 });

            var (exit, output) = await BenchSmokeTests.RunVlAsync(["bench-steps", "--rows", "1,3", "--steps", "2", "--cached", "5", $"{package}:w8a8", $"{package}:w8a8:prefill-graph"]);
            Assert.True(exit == 0, $"vl bench-steps exited with {exit}:\n{output}");
            var lines = ReportLine().Matches(output).Select(m => (Rows: int.Parse(m.Groups["rows"].Value), Config: m.Groups["config"].Value, Ratio: m.Groups["ratio"].Value)).ToList();
            Assert.Equal([(1, $"{package}:w8a8"), (1, $"{package}:w8a8:prefill-graph"), (3, $"{package}:w8a8"), (3, $"{package}:w8a8:prefill-graph")],
                lines.Select(l => (l.Rows, l.Config)));
            Assert.All(lines.Where(l => !l.Config.EndsWith(":prefill-graph", StringComparison.Ordinal)), l => Assert.Equal("1.00", l.Ratio));

            (exit, output) = await BenchSmokeTests.RunVlAsync(["bench-steps", $"{package}:int2"]);
            Assert.Equal(2, exit);
            Assert.Contains("the package has no 'int2' variant", output);
            (exit, output) = await BenchSmokeTests.RunVlAsync(["bench-steps", "--rows", "0", $"{package}:w8a8"]);
            Assert.Equal(2, exit);
            Assert.Contains("--rows: '0' is not a positive row count", output);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    [GeneratedRegex(@"^rows\s+(?<rows>\d+)\s+(?<config>\S+)\s+[\d.]+ ms/step\s+[\d.]+ tok/s\s+(?<ratio>[\d.]+)× the first$", RegexOptions.Multiline)]
    private static partial Regex ReportLine();
}
