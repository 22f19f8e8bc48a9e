using VLOrleans.Engine.Generation.Attention;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph.Proto;
using VLOrleans.Engine.Tests.TinyModels;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// <c>vl convert --target cuda</c>: graphs with only ops that have CUDA kernels (no CPU-only custom op, GroupQueryAttention
/// throughout over a float16 cache, fp16 or int4 weights). Checked on the CPU (no GPU here): the graphs load without the
/// engine's op domain and compute what the CPU variants compute.
/// </summary>
public sealed class CudaTargetConversionTests(ITestOutputHelper output)
{
    /// <summary>The tiny package with cuda-fp16 and cuda-int4 variants (also what the GPU tests load).</summary>
    internal static ModelPackage CudaPackage => Package.Value;

    private static readonly Lazy<ModelPackage> Package = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"vlo-cuda-target-{Environment.ProcessId}");
        foreach (var weights in new[] { WeightFormat.Fp16, WeightFormat.Int4 })
        {
            // Asked for as a CPU user would (switched attention, default precise layers), then made fit for CUDA.
            var options = new ConversionOptions { Weights = weights, Attention = DecoderAttention.OwnForDecodeSteps }.ForTarget(ConversionTarget.Cuda);
            ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, folder, options);
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return ModelPackage.Open(folder);
    });

    [Fact]
    public void ForTargetCudaChoosesGqaAnFp16CacheAndNoCpuOnlyFormat()
    {
        var w8a8Defaults = new ConversionOptions { Weights = WeightFormat.Int4, PreciseFormat = WeightFormat.Int8, KeepPrecise = ["lm_head"], LmHead = WeightFormat.W8A8 };
        var cuda = w8a8Defaults.ForTarget(ConversionTarget.Cuda);
        Assert.Equal(ConversionTarget.Cuda, cuda.Target);
        Assert.Equal("cuda-int4", cuda.VariantName);
        Assert.Equal(DecoderAttention.GroupQuery, cuda.EffectiveAttention);
        Assert.Equal(OnnxElementType.Float16, cuda.EffectiveKvCache);
        Assert.Equal(WeightFormat.Fp16, cuda.PreciseFormat); // int8 MatMulNBits has no CUDA kernel: kept layers go fp16
        Assert.Equal(WeightFormat.Fp16, cuda.EffectiveLmHead);
        Assert.Equal("int4", new ConversionOptions { Weights = WeightFormat.Int4 }.VariantName); // CPU variants keep their names
    }

    [Theory]
    [InlineData(WeightFormat.W8A8, "DynamicQuantizeMatMul")]
    [InlineData(WeightFormat.Int8, "no CUDA kernel")]
    [InlineData(WeightFormat.Fp32, "fp16 or int4")]
    public void CudaRefusesWeightFormatsWithoutACudaKernel(WeightFormat weights, string reason)
    {
        var ex = Assert.Throws<ArgumentException>(() => new ConversionOptions { Weights = weights }.ForTarget(ConversionTarget.Cuda).Validate());
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void CudaRefusesTheEnginesCpuAttentionWhenSetByHand()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            new ConversionOptions { Weights = WeightFormat.Fp16, KvCache = OnnxElementType.Float16, Target = ConversionTarget.Cuda, Attention = DecoderAttention.OwnForDecodeSteps }.Validate());
        Assert.Contains("GroupQueryAttention", ex.Message);
    }

    [Theory]
    [InlineData("cuda-fp16")]
    [InlineData("cuda-int4")]
    public void CudaGraphsHoldOnlyGqaAndLoadWithoutTheEnginesOpDomain(string variant)
    {
        var package = Package.Value;
        var entry = package.Variant(variant);
        Assert.Equal("gqa", entry.Attention);
        Assert.Equal("float16", entry.KvDtype);
        Assert.Equal(variant["cuda-".Length..], entry.Weights);
        var domains = new[] { package.VisionPath(variant), package.DecoderPath(variant) }
            .SelectMany(p => ModelProto.Parser.ParseFrom(File.ReadAllBytes(p)).Graph.Node).Select(n => n.Domain).Distinct().ToArray();
        Assert.DoesNotContain("vlorleans", domains);
        Assert.DoesNotContain(ModelProto.Parser.ParseFrom(File.ReadAllBytes(package.DecoderPath(variant))).Graph.Node, n => n.OpType is "DynamicQuantizeMatMul" or "If");
        using var decoder = OnnxSession.Load(package.DecoderPath(variant), new OnnxSessionOptions { IntraOpThreadCount = 1 }); // no custom-op domain
        Assert.Equal(OnnxElementType.Float16, decoder.Inputs.Single(i => i.Name == GraphNames.PastKey(0)).ElementType);
    }

    /// <summary>cuda-fp16 against the reference forward: fp16 weights are exact for the bf16 tiny checkpoint, so only the
    /// fp16 cache rounds — the bound of DecodeGraphTests' fp16-cache test (measured 4–8e-4 there).</summary>
    [Fact]
    public void CudaFp16GraphMatchesTheReferenceOnTheCpu()
    {
        using var session = OnnxSession.Load(Package.Value.DecoderPath("cuda-fp16"), new OnnxSessionOptions { IntraOpThreadCount = 1 });
        var (expected, actual) = DecodeGraphTests.PrefillAndDecode(Package.Value, "cuda-fp16", session, session);
        var errors = expected.Zip(actual, (e, a) => TinyPackage.RelativeError(a, e)).ToArray();
        output.WriteLine($"cuda-fp16: prefill {errors[0]:E2}, decode {string.Join(", ", errors.Skip(1).Select(e => e.ToString("E2")))}");
        Assert.All(errors, e => Assert.True(e <= 5e-3, $"error {e:E3}"));
    }

    /// <summary>cuda-int4 against the CPU int4 variant (same quantised weights, same fp16 cache, GQA instead of the
    /// switched own op): the two attention kernels differ only in float rounding.</summary>
    [Fact]
    public void CudaInt4GraphMatchesTheCpuInt4Graph()
    {
        using var cuda = OnnxSession.Load(Package.Value.DecoderPath("cuda-int4"), new OnnxSessionOptions { IntraOpThreadCount = 1 });
        var (_, onCuda) = DecodeGraphTests.PrefillAndDecode(Package.Value, "cuda-int4", cuda, cuda);
        using var cpu = OnnxSession.Load(TinyPackage.Package.DecoderPath("int4"), DecodeAttentionOp.Enable(new OnnxSessionOptions { IntraOpThreadCount = 1 }));
        var (_, onCpu) = DecodeGraphTests.PrefillAndDecode(TinyPackage.Package, "int4", cpu, cpu);
        var errors = onCpu.Zip(onCuda, (c, g) => TinyPackage.RelativeError(g, c)).ToArray();
        output.WriteLine($"cuda-int4 vs int4: {string.Join(", ", errors.Select(e => e.ToString("E2")))}");
        Assert.All(errors, e => Assert.True(e <= 1e-3, $"error {e:E3}"));
    }
}
