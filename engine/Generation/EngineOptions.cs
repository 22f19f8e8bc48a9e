using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Generation;

/// <summary>
/// Every setting and limit of a loaded engine, with its default, in one place (bound from configuration
/// section <c>VLO:Engine</c> by the server, from flags by <c>vl ask</c>).
/// </summary>
public sealed record EngineOptions
{
    /// <summary>A model package folder (written by <c>vl convert</c>).</summary>
    public required string ModelPath { get; init; }

    /// <summary>Weight variant (fp32, fp16, int8, int4); null = the most precise one that fits <see cref="WeightMemoryBudgetBytes"/>.</summary>
    public string? Variant { get; init; }

    /// <summary>Memory the weights may take when choosing a variant automatically.</summary>
    public long WeightMemoryBudgetBytes { get; init; } = 8L << 30;

    /// <summary>KV slots (concurrent sequences); 0 = as many as <see cref="KvMemoryBudgetBytes"/> allows, at most 16.</summary>
    public int SlotCount { get; init; }

    /// <summary>Memory for the KV cache when <see cref="SlotCount"/> is 0.</summary>
    public long KvMemoryBudgetBytes { get; init; } = 4L << 30;

    /// <summary>Longest prompt + answer per slot, in tokens.</summary>
    public int MaxSequenceLength { get; init; } = 4096;

    public int MaxWaitingRequests { get; init; } = 64;

    /// <summary>Prompt tokens prefilled per loop step (bounds how long a new prompt stalls other streams).</summary>
    public int PrefillChunkTokens { get; init; } = 256;

    /// <summary>Keep a session's KV in its slot after a turn so its next turn prefills only the new tokens. Off
    /// (benchmark baselines) every turn prefills its whole prompt, as a stateless server does.</summary>
    public bool ReusePromptKv { get; init; } = true;

    /// <summary>Run decode steps on the variant's decode-step graph when it has one (<c>vl convert --decode-weights</c>);
    /// off, the prefill graph decodes too and the decode graph is not loaded (its memory is saved).</summary>
    public bool UseDecodeGraph { get; init; } = true;

    /// <summary>Decode steps with more rows than this run on the prefill graph even when there is a decode-step graph: with
    /// enough rows per step the int8 GEMM is as fast as the 4-bit kernel. Measured on the 2b shapes, both graphs with the
    /// engine's decode attention, interleaved: the decode graph 1.15× at 4 rows, 1.14× at 5, 1.09–1.11× at 6, 1.10× at
    /// 7, 0.99× at 8.</summary>
    public int DecodeGraphMaxRows { get; init; } = 7;

    /// <summary>Bytes of image embeddings kept for reuse (the vision-embedding cache); 0 = no cache (every
    /// request encodes its images; only concurrent requests for the same image share one encoding).</summary>
    public long VisionCacheBytes { get; init; } = 512L << 20;

    /// <summary>Intra-op threads of the decoder session (0 = one per core).</summary>
    public int DecoderThreads { get; init; }

    /// <summary>Intra-op threads of the vision session (0 = one per core).</summary>
    public int VisionThreads { get; init; }

    /// <summary>Threads used by image preprocessing (0 = one per core).</summary>
    public int PreprocessingThreads { get; init; }

    public OnnxExecutionProvider DecoderDevice { get; init; } = OnnxExecutionProvider.Cpu;

    public OnnxExecutionProvider VisionDevice { get; init; } = OnnxExecutionProvider.Cpu;

    /// <summary>The GPU of the decoder (and of the vision encoder unless <see cref="VisionCudaDeviceId"/> names another).</summary>
    public int CudaDeviceId { get; init; }

    /// <summary>The vision encoder's GPU when it differs from the decoder's (null = <see cref="CudaDeviceId"/>).</summary>
    public int? VisionCudaDeviceId { get; init; }

    public ImageLimits ImageLimits { get; init; } = new();
}
