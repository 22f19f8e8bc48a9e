using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// The accuracy table of the issue (docs/PERFORMANCE-CPU.md): every weight format vs fp32 over 20 prompts with images on
/// the tiny preset, asserting each format stays within its bound. Set VLO_ACCURACY_PACKAGE to a converted 2b package
/// (all five variants) to print the same table for it as well (minutes; not run by default).
/// </summary>
public sealed class WeightFormatAccuracyTests(ITestOutputHelper output)
{
    private static readonly string[] Variants = ["fp32", "fp16", "int8", "int4", "w8a8"];

    [Fact]
    public void EveryFormatAgreesWithFp32WithinItsBound()
    {
        var rows = WeightFormatAccuracy.Measure(TinyPackage.Folder, Variants, promptCount: 20,
            grids: [(1, 4, 4), (1, 4, 6), (1, 6, 6), (1, 8, 4)], steps: 8, threads: 1);
        output.WriteLine(WeightFormatAccuracy.Table(rows, "tiny"));
        foreach (var row in rows)
        {
            // fp32 against itself is exact; fp16 holds the bf16 checkpoint exactly (TinyPackage.Bound).
            Assert.True(row.MaxRelativeError <= TinyPackage.Bound(row.Variant), $"{row.Variant}: {row.MaxRelativeError:E3}");
            if (row.Variant is "fp32" or "fp16") Assert.Equal(1.0, row.TokenAgreement, 6);
        }

        var package = Environment.GetEnvironmentVariable("VLO_ACCURACY_PACKAGE");
        if (!string.IsNullOrEmpty(package))
        {
            var large = WeightFormatAccuracy.Measure(package, Variants, promptCount: 20,
                grids: [(1, 16, 16), (1, 12, 16), (1, 16, 20)], steps: 6, threads: 2);
            output.WriteLine(WeightFormatAccuracy.Table(large, Path.GetFileName(package)));
        }
    }
}
