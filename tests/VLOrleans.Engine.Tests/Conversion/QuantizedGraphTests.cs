using VLOrleans.Engine.Generation.Attention;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Models.Safetensors;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Tests.Reference;
using VLOrleans.Engine.Tests.TinyModels;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// The int8/int4 graphs are exactly "the model with block-quantised weights": converted with accuracy_level 0 (fp32
/// activations) and an fp32 LM head, they match the reference forward run on a checkpoint whose linear weights were
/// replaced by their quantise→dequantise round trip to fp32 precision. So the large errors the quantised variants show
/// against the original weights (DecoderGraphTests/VisionGraphTests) are quantisation, not a layout bug in any of the
/// ~50 MatMulNBits nodes.
/// </summary>
public sealed class QuantizedGraphTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vlo-quantized-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(WeightFormat.Int8)]
    [InlineData(WeightFormat.Int4)]
    public async Task MatchReferenceOnRoundTrippedWeights(WeightFormat format)
    {
        var roundTripped = Path.Combine(_folder, "checkpoint");
        WriteRoundTrippedCheckpoint(roundTripped, format.QuantizedBits(), blockSize: 32);
        var packageFolder = Path.Combine(_folder, "package");
        // fp32 KV: this test isolates the weight kernels (an fp16 cache would add its own ~1e-3 rounding).
        ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, packageFolder, new ConversionOptions { Weights = format, LmHead = WeightFormat.Fp32, AccuracyLevel = 0, KvCache = OnnxElementType.Float });
        var package = ModelPackage.Open(packageFolder);
        using var weights = new ReferenceWeights(roundTripped);
        var variant = format.ToName();

        // Vision: two images, encoded one by one by the engine's encoder; the reference does both in one pass.
        (int T, int H, int W)[] grids = [(1, 4, 6), (1, 4, 4)];
        var config = package.Config;
        var random = new Random(11);
        var pixels = new float[grids.Sum(g => g.T * g.H * g.W) * config.Vision.PatchRowLength];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1);
        var expected = new ReferenceVision(weights).Encode(pixels, grids);
        var actual = await VisionEncoderRuns.EncodeEach(package, variant, pixels, grids);
        var visionError = TinyPackage.RelativeError(actual[0], TinyPackage.Flatten(expected.ImageFeatures));
        for (var j = 0; j < expected.Deepstack.Length; j++)
            visionError = Math.Max(visionError, TinyPackage.RelativeError(actual[j + 1], TinyPackage.Flatten(expected.Deepstack[j])));

        // Decoder: a text prompt, then one decode step on the in-place cache.
        long[] ids = [151644, 872, 198, 1234, 5678, 151645, 198, 151644, 77091, 198];
        var positions = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, ids.Length).Select(i => (long)i).ToArray()).ToArray();
        var reference = new ReferenceText(weights);
        var cache = reference.NewCache();
        var expectedPrefill = TinyPackage.Flatten(reference.Prefill(cache, ids, positions, lastTokenOnly: true));
        var expectedDecode = reference.Decode(cache, 4321, 0);
        using var decoder = OnnxSession.Load(package.DecoderPath(variant), DecodeAttentionOp.Enable(new OnnxSessionOptions { IntraOpThreadCount = 1 }));
        var slots = new KvSlots(package, variant, 1, 32);
        using var table = EmbeddingTable.Open(package.EmbedTokensPath);
        var embeds = new float[ids.Length * table.Width];
        table.Lookup(ids, embeds);
        var perLayer = new float[ids.Length * package.Manifest.Decoder.DeepstackCount * table.Width];
        var prefillError = TinyPackage.RelativeError(slots.Prefill(decoder, 0, embeds, perLayer, positions), expectedPrefill);
        var next = new float[table.Width];
        table.Lookup([4321], next);
        var decodeError = TinyPackage.RelativeError(slots.Decode(decoder, next, [ids.Length])[0], expectedDecode);

        output.WriteLine($"{variant} (accuracy_level 0) vs reference on round-tripped weights: vision {visionError:E2}, prefill {prefillError:E2}, decode {decodeError:E2}");
        Assert.True(visionError <= 1e-4, $"vision {visionError:E3}");
        Assert.True(prefillError <= 1e-4, $"prefill {prefillError:E3}");
        Assert.True(decodeError <= 1e-4, $"decode {decodeError:E3}");
    }

    /// <summary>The tiny checkpoint in fp32 with every matrix the converter quantises (all Linear weights and the patch
    /// embedding; not the position table, not embed_tokens since the LM head stays fp32 here) replaced by w' = deq(q(w)),
    /// unpacked with the documented MatMulNBits formula.</summary>
    private static void WriteRoundTrippedCheckpoint(string folder, int bits, int blockSize)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(TinyModelFiles.Qwen3VlTiny, "*.json")) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        using var source = SafetensorsCheckpoint.Open(TinyModelFiles.Qwen3VlTiny);
        var quantizer = new BlockQuantizer(bits, blockSize);
        var tensors = new List<SafetensorsTensorSource>();
        foreach (var name in source.TensorNames.Order(StringComparer.Ordinal))
        {
            var info = source.GetInfo(name);
            var values = source.ReadSingle(name);
            var quantized = info.Shape.Length >= 2 && !name.Contains("pos_embed") && !name.Contains("embed_tokens");
            if (quantized)
            {
                var k = (int)(info.ElementCount / info.Shape[0]);
                var packed = new byte[quantizer.RowBytes(k)];
                var scales = new float[quantizer.BlockCount(k)];
                for (var r = 0; r < info.Shape[0]; r++)
                {
                    var row = values.AsSpan(r * k, k);
                    quantizer.QuantizeRow(row, packed, scales);
                    for (var i = 0; i < k; i++)
                    {
                        int b = i / blockSize, j = i % blockSize, blob = blockSize * bits / 8;
                        var q = bits == 8 ? packed[b * blob + j] : (packed[b * blob + j / 2] >> (j % 2 * 4)) & 0xF;
                        row[i] = (q - (1 << (bits - 1))) * scales[b];
                    }
                }
            }
            tensors.Add(SafetensorsTensorSource.FromSingle(name, info.Shape, values));
        }
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), tensors);
    }
}
