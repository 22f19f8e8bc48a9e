using VLOrleans.Engine.Generation.Vision;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph.Proto;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// Runs a package's vision graph the way the engine does: the engine's <see cref="VisionEncoder"/>, one image per call
/// (one graph run per frame inside it), the images' outputs concatenated in order — which is what the reference forward
/// computes for all the images at once (attention never crosses frames).
/// </summary>
internal static class VisionEncoderRuns
{
    /// <returns>image_features then each DeepStack output, each flattened [Σ merged tokens, out_hidden].</returns>
    public static async Task<float[][]> EncodeEach(ModelPackage package, string variant, float[] pixels, (int T, int H, int W)[] grids)
    {
        using var encoder = new VisionEncoder(package, variant, new OnnxSessionOptions { IntraOpThreadCount = 1 });
        var rowLength = package.Config.Vision.PatchRowLength;
        var images = new List<VisionEmbeddings>();
        var offset = 0;
        foreach (var grid in grids)
        {
            var count = grid.T * grid.H * grid.W * rowLength;
            images.Add(await encoder.EncodeAsync(pixels[offset..(offset + count)], grid));
            offset += count;
        }
        Assert.Equal(grids.Length, encoder.EncodeCount);
        var deepstack = Enumerable.Range(0, images[0].Deepstack.Count).Select(j => images.SelectMany(i => i.Deepstack[j]).ToArray());
        return [images.SelectMany(i => i.Features).ToArray(), .. deepstack];
    }

    /// <summary>The input count of every com.microsoft.MultiHeadAttention node of a variant's vision graph, in graph order
    /// (3 = q, k, v only; 6 = with attention_bias).</summary>
    public static int[] AttentionInputCounts(ModelPackage package, string variant)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(package.VisionPath(variant)));
        return model.Graph.Node.Where(n => n.OpType == "MultiHeadAttention").Select(n => n.Input.Count).ToArray();
    }

    /// <summary>One graph run over all <paramref name="grids"/> together, inputs built as the engine builds them.</summary>
    public static void RunAllInOneGraphRun(OnnxSession session, ModelPackage package, float[] pixels, (int T, int H, int W)[] grids)
    {
        var config = package.Config.Vision;
        var thw = grids.SelectMany(g => new long[] { g.T, g.H, g.W }).ToArray();
        var aux = VisionAuxInputs.Compute(config, thw);
        var names = session.Inputs.Select(i => i.Name).ToArray();
        var values = names.Select(n => VisionGraphInputs.Create(n, pixels, thw, aux, config.PatchRowLength)).ToArray();
        try
        {
            foreach (var result in session.Run(names, values, GraphNames.ImageFeatures)) result.Dispose();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }
}
