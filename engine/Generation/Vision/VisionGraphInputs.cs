using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Generation.Vision;

/// <summary>
/// The value for each input a package's vision graph declares (names in <see cref="GraphNames"/>), from the pixel values,
/// the grids and the host-computed <see cref="VisionAuxInputs"/>. The graph's declared inputs say which family it is:
/// Qwen3-VL reads the position-table inputs, Qwen2.5-VL the window inputs, Qwen2-VL neither.
/// </summary>
public static class VisionGraphInputs
{
    /// <param name="pixelValues">[patches, patchRowLength] for the grids in <paramref name="imageGridThw"/>.</param>
    /// <param name="imageGridThw">(t, h, w) per image, flattened.</param>
    /// <exception cref="ModelLoadException">The graph declares an input this engine does not know.</exception>
    public static OnnxValue Create(string name, Memory<float> pixelValues, long[] imageGridThw, VisionAuxInputs aux, int patchRowLength)
    {
        var n = aux.PatchCount;
        return name switch
        {
            GraphNames.PixelValues => OnnxValue.CreateTensor(pixelValues, n, patchRowLength),
            // transformers.js' Qwen2-VL vision_encoder names it grid_thw (QWEN_VL_FACTS.md §1.1).
            GraphNames.ImageGridThw or "grid_thw" => OnnxValue.CreateTensor(imageGridThw, imageGridThw.Length / 3, 3),
            GraphNames.PosEmbedIndices => OnnxValue.CreateTensor(aux.PosEmbedIndices, n, 4),
            GraphNames.PosEmbedWeights => OnnxValue.CreateTensor(aux.PosEmbedWeights, n, 4),
            GraphNames.RotaryCos => OnnxValue.CreateTensor(aux.RotaryCos, n, aux.HeadDim),
            GraphNames.RotarySin => OnnxValue.CreateTensor(aux.RotarySin, n, aux.HeadDim),
            GraphNames.AttentionSegmentIds => OnnxValue.CreateTensor(aux.SegmentIds, n),
            GraphNames.WindowPatchIndex => OnnxValue.CreateTensor(aux.WindowPatchIndex, n),
            GraphNames.WindowSegmentIds => OnnxValue.CreateTensor(aux.WindowSegmentIds, n),
            GraphNames.WindowMergedReverseIndex => OnnxValue.CreateTensor(aux.WindowMergedReverseIndex, aux.MergedTokenCount),
            _ => throw new ModelLoadException($"the vision graph declares an input '{name}' this engine does not provide"),
        };
    }
}
