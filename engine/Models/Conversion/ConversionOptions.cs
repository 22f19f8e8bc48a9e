using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>What <see cref="ModelConverter"/> writes; one call produces one weight variant of the package.</summary>
public sealed record ConversionOptions
{
    /// <summary>Storage of the linear layers' weights (vision and decoder).</summary>
    public WeightFormat Weights { get; init; } = WeightFormat.Fp32;

    /// <summary>Storage of the LM head; null = <see cref="PreciseFormat"/> when "lm_head" is kept precise, else
    /// <see cref="Weights"/>. The LM head is the largest single matrix (151936×2048 for 2B) and the most sensitive to
    /// quantisation, hence a separate choice.</summary>
    public WeightFormat? LmHead { get; init; }

    /// <summary>
    /// Linear layers written in <see cref="PreciseFormat"/> instead of <see cref="Weights"/>: each entry is a prefix of
    /// the layer names the graph builders pass to <see cref="LinearLayerWriter.Linear"/> ("lm_head", "layers.0.",
    /// "visual.blocks.23.", "visual.merger.", …) or one of the aliases in <see cref="PreciseLayers.Aliases"/>
    /// ("merger", "deepstack", "patch_embed"). null = <see cref="PreciseLayers.DefaultFor"/> the weight format
    /// (w8a8 keeps the LM head and the vision mergers precise; the other formats keep nothing).
    /// </summary>
    public IReadOnlyList<string>? KeepPrecise { get; init; }

    /// <summary>Storage of the layers in <see cref="KeepPrecise"/>: int8 MatMulNBits by default (block-wise weight
    /// and activation scales, about 10× smaller error than w8a8's per-tensor activation scale at ¼ of fp32's memory).</summary>
    public WeightFormat PreciseFormat { get; init; } = WeightFormat.Int8;

    /// <summary>MatMulNBits block size along K: a power of two ≥ 16 (32 by default, like ORT GenAI's int4 builds).</summary>
    public int BlockSize { get; init; } = 32;

    /// <summary>MatMulNBits accuracy_level: 0 (unset) … 4 (int8 activations; the fastest on this CPU, see ARCHITECTURE.md).</summary>
    public int AccuracyLevel { get; init; } = 4;

    /// <summary>
    /// Element type of the KV cache (GroupQueryAttention's past/present buffers): <see cref="OnnxElementType.Float"/> or
    /// <see cref="OnnxElementType.Float16"/>; null = fp16 for the quantised formats (int8, int4, w8a8), whose weight error
    /// is 100× fp16's rounding, and fp32 for fp32/fp16 weights (which tests hold to 1e-4 of a reference forward). fp16
    /// halves the cache (2b: 115 KB instead of 229 KB per token) and GQA's CPU kernel runs an 8-row decode step ~20%
    /// faster over it (measured: 28 layers, 330 past, 64–81 ms vs 88–97 ms).
    /// </summary>
    public OnnxElementType? KvCache { get; init; }

    /// <summary>
    /// When set, the variant also gets a second decoder graph with every linear layer in this format, used only for
    /// decode steps (one token per row), over the same KV buffers. Decode reads every weight once per step, so it wants
    /// the fewest bytes (int4); prefill and vision want the int8 GEMM (w8a8). Costs that graph's weights in memory.
    /// </summary>
    public WeightFormat? DecodeWeights { get; init; }

    /// <summary>MatMulNBits block size of the decode graph (<see cref="DecodeWeights"/>); null = <see cref="BlockSize"/>.</summary>
    public int? DecodeBlockSize { get; init; }

    /// <summary>Attention kernel of the decoder graph where its cache is float16 (<see cref="DecoderAttention"/>). The
    /// default switches per run: the engine's own op for decode steps, GroupQueryAttention for prefill; the decode graph
    /// uses the own op throughout. Graphs with the own op load only in this engine.</summary>
    public DecoderAttention Attention { get; init; } = DecoderAttention.OwnForDecodeSteps;

    /// <summary>The execution provider the variant is for (<see cref="ConversionTarget"/>); <see cref="ForTarget"/> sets
    /// the formats a target needs and <see cref="Validate"/> refuses combinations it cannot run.</summary>
    public ConversionTarget Target { get; init; } = ConversionTarget.Cpu;

    /// <summary>The variant's name in the package: the weight format ("int4"), prefixed "cuda-" for CUDA graphs.</summary>
    public string VariantName => Target == ConversionTarget.Cuda ? "cuda-" + Weights.ToName() : Weights.ToName();

    /// <summary>
    /// These options made fit for <paramref name="target"/>: for CUDA, GroupQueryAttention throughout, a float16 cache,
    /// no precise layers in a CPU-only format (the LM head and any kept-precise layer follow <see cref="Weights"/> unless
    /// already fp16/int4/fp32), no decode-step graph in a CPU-only format. The weight format stays the caller's: it must
    /// be fp16 or int4 (<see cref="Validate"/>).
    /// </summary>
    public ConversionOptions ForTarget(ConversionTarget target) => target == ConversionTarget.Cpu
        ? this with { Target = target }
        : this with
        {
            Target = target,
            Attention = DecoderAttention.GroupQuery,
            KvCache = OnnxElementType.Float16,
            KeepPrecise = KeepPrecise ?? [],
            PreciseFormat = IsCudaFormat(PreciseFormat) ? PreciseFormat : WeightFormat.Fp16,
            LmHead = LmHead is { } head && !IsCudaFormat(head) ? WeightFormat.Fp16 : LmHead,
        };

    /// <summary>Formats whose ops have CUDA kernels: float MatMul (fp32, fp16 storage) and 4-bit MatMulNBits.</summary>
    public static bool IsCudaFormat(WeightFormat format) => format is WeightFormat.Fp16 or WeightFormat.Int4 or WeightFormat.Fp32;

    /// <summary>The attention the decoder graph gets: <see cref="Attention"/>, except GroupQueryAttention over an fp32
    /// cache (the engine's op reads float16 only).</summary>
    public DecoderAttention EffectiveAttention => EffectiveKvCache == OnnxElementType.Float16 ? Attention : DecoderAttention.GroupQuery;

    public OnnxElementType EffectiveKvCache => KvCache ?? (Weights is WeightFormat.Fp32 or WeightFormat.Fp16 ? OnnxElementType.Float : OnnxElementType.Float16);

    /// <summary>The options the decode graph is written with: <see cref="DecodeWeights"/> for every layer but the LM head,
    /// which keeps this variant's LM head format (its precision is a quality choice, not a speed one); and
    /// the engine's own attention for every run (<see cref="DecoderAttention.Own"/>) unless GroupQueryAttention was asked for.</summary>
    public ConversionOptions? DecodeGraphOptions => DecodeWeights is { } format
        ? this with
        {
            Weights = format, KeepPrecise = [], LmHead = EffectiveLmHead, BlockSize = DecodeBlockSize ?? BlockSize, DecodeWeights = null, DecodeBlockSize = null,
            KvCache = EffectiveKvCache, Attention = Attention == DecoderAttention.GroupQuery ? DecoderAttention.GroupQuery : DecoderAttention.Own,
        }
        : null;

    /// <summary>The precise-layer prefixes in effect (aliases expanded).</summary>
    public IReadOnlyList<string> EffectiveKeepPrecise => PreciseLayers.Expand(KeepPrecise ?? PreciseLayers.DefaultFor(Weights));

    public WeightFormat EffectiveLmHead => LmHead ?? FormatOf("lm_head");

    /// <summary>The storage of the linear layer named <paramref name="layerName"/>.</summary>
    public WeightFormat FormatOf(string layerName) =>
        PreciseLayers.Matches(EffectiveKeepPrecise, layerName) ? PreciseFormat : Weights;

    /// <summary>Throws <see cref="ArgumentException"/> for values ONNX Runtime would reject at load time.</summary>
    public void Validate()
    {
        if (BlockSize < 16 || (BlockSize & (BlockSize - 1)) != 0)
            throw new ArgumentException($"block size {BlockSize} must be a power of two of at least 16 (MatMulNBits rejects others)");
        if (DecodeBlockSize is { } decodeBlock && (decodeBlock < 16 || (decodeBlock & (decodeBlock - 1)) != 0))
            throw new ArgumentException($"decode block size {decodeBlock} must be a power of two of at least 16 (MatMulNBits rejects others)");
        if (KvCache is { } kv && kv is not (OnnxElementType.Float or OnnxElementType.Float16))
            throw new ArgumentException($"KV cache type {kv} is not supported (float32 or float16)");
        if (AccuracyLevel is < 0 or > 4)
            throw new ArgumentException($"accuracy level {AccuracyLevel} must be between 0 and 4");
        foreach (var prefix in KeepPrecise ?? [])
        {
            if (string.IsNullOrWhiteSpace(prefix)) throw new ArgumentException("an empty --keep-precise entry would match every layer");
        }
        if (Target == ConversionTarget.Cuda) ValidateCuda();
    }

    private void ValidateCuda()
    {
        if (Weights is not (WeightFormat.Fp16 or WeightFormat.Int4))
            throw new ArgumentException($"--target cuda takes fp16 or int4 weights, not {Weights.ToName()} (w8a8's DynamicQuantizeMatMul and 8-bit MatMulNBits have no CUDA kernel in ONNX Runtime 1.32)");
        if (EffectiveAttention != DecoderAttention.GroupQuery)
            throw new ArgumentException("--target cuda needs GroupQueryAttention throughout (the engine's decode attention is a CPU kernel)");
        if (EffectiveKvCache != OnnxElementType.Float16)
            throw new ArgumentException("--target cuda needs a float16 KV cache (CUDA's GroupQueryAttention takes float16 only)");
        if (!IsCudaFormat(EffectiveLmHead))
            throw new ArgumentException($"--target cuda: LM head format {EffectiveLmHead.ToName()} has no CUDA kernel (use fp16 or int4)");
        if (EffectiveKeepPrecise.Count > 0 && !IsCudaFormat(PreciseFormat))
            throw new ArgumentException($"--target cuda: precise format {PreciseFormat.ToName()} has no CUDA kernel (use fp16 or int4)");
        if (DecodeWeights is { } decode && decode is not (WeightFormat.Fp16 or WeightFormat.Int4))
            throw new ArgumentException($"--target cuda: decode weights {decode.ToName()} have no CUDA kernel (use fp16 or int4)");
    }
}
