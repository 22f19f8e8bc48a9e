using VLOrleans.Engine.Generation.Attention;
using VLOrleans.Engine.Generation.Kv;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Generation.Runner;

/// <summary>
/// Runs a package's decoder graph for the worker (engine/Models/Conversion/KV_CACHE.md describes the interface):
/// owns the decoder session (and, when the variant has one, a second session over a decode-step graph whose weights
/// are stored in fewer bytes), the memory-mapped embedding table and one pair of max-length KV buffers per layer,
/// <c>[slots, kv_heads, max_len, head_dim]</c> of float32 or float16 (<see cref="KvCacheBuffers"/>), which ONNX Runtime
/// updates in place (present outputs are bound to the past inputs' memory). A prefill chunk runs on its slot's slice as a batch of one; a decode step runs
/// every generating slot in one batch over the contiguous slots from the lowest to the highest generating one —
/// slots between them without a generating sequence are fed a harmless dummy token that writes just past their
/// valid KV, which is cheaper than moving caches around (a dummy row costs compute: 2b int4 steps measured 89 ms
/// for 1 row, 204 ms for 8). Used from the worker thread only.
/// </summary>
public sealed class DecoderRunner : IModelRunner
{
    private readonly OnnxSession _session;
    private readonly OnnxSession? _decodeSession;
    private readonly EmbeddingTable _embeddings;
    private readonly KvCacheBuffers _kv;
    private readonly int[] _slotLength;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int _layers;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly int _hidden;
    private readonly int _deepstack;
    private readonly long _imageTokenId;
    private readonly int _decodeGraphMaxRows;

    // The logits output of the last run, bound by the runner so ONNX Runtime writes into it: with every output
    // pre-allocated, OnnxSession takes a plain Run instead of building an IoBinding per step (8-row steps of the 2b
    // w8a8 graph were ~9% slower that way), and nothing is copied out. Grown to the largest batch seen, reused: the
    // runner is driven by one thread (the inference worker), and callers copy what they need before the next run.
    private float[] _logits = [];

    /// <param name="useDecodeGraph">Run decode steps on the variant's decode-step graph when it has one (false: the
    /// prefill graph does both, as for variants without one; a benchmark baseline).</param>
    /// <param name="decodeGraphMaxRows">Steps with more rows than this run on the prefill graph: its int8 GEMM keeps up with
    /// the 4-bit kernel's fewer bytes once several rows share each weight (2b, interleaved: int4 decode graph 1.52× at 1
    /// row, 1.18× at 2 and 4, 0.96× at 8; engine, 8 concurrent: 32–36 vs 37–38 tokens/s).</param>
    /// <param name="kvOnSessionDevice">Allocate the KV cache with the decoder session's allocator for its device (null = on
    /// CUDA only): GPU memory bound in place, so a decode step moves only embeddings, positions, mask and logits. On the
    /// CPU it is the same memory as the default (tests use it to check the path).</param>
    public DecoderRunner(ModelPackage package, string variant, int slotCount, int maxSequenceLength, OnnxSessionOptions options, bool useDecodeGraph = true,
        int decodeGraphMaxRows = int.MaxValue, bool? kvOnSessionDevice = null)
    {
        _decodeGraphMaxRows = decodeGraphMaxRows;
        var text = package.Config.Text;
        _layers = text.LayerCount;
        _kvHeads = text.KeyValueHeadCount;
        _headDim = text.HeadDim;
        _hidden = text.HiddenSize;
        _deepstack = package.Manifest.Vision.DeepstackCount;
        _imageTokenId = package.Config.ImageTokenId;
        VocabSize = text.VocabSize;
        SlotCount = slotCount;
        MaxSequenceLength = maxSequenceLength;

        // Decode-step graphs written with a float16 cache attend with the engine's own op (see DecodeAttentionOp).
        options = DecodeAttentionOp.Enable(options);
        _session = OnnxSession.Load(package.DecoderPath(variant), options);
        try
        {
            if (useDecodeGraph && package.DecodeDecoderPath(variant) is { } decodePath) _decodeSession = OnnxSession.Load(decodePath, options);
            _embeddings = EmbeddingTable.Open(package.EmbedTokensPath);
            if (_embeddings.Width != _hidden) throw new ModelLoadException($"embedding width {_embeddings.Width} differs from hidden size {_hidden}");
            var device = options.ExecutionProvider == OnnxExecutionProvider.Cuda ? new OnnxDevice(OnnxExecutionProvider.Cuda, options.CudaDeviceId) : OnnxDevice.Cpu;
            var session = _session;
            _kv = new KvCacheBuffers(package.KvCacheType(variant), _layers, slotCount, _kvHeads, maxSequenceLength, _headDim,
                kvOnSessionDevice ?? device.IsCuda ? bytes => session.AllocateOnDevice(device, bytes) : null);
        }
        catch
        {
            Dispose();
            throw;
        }
        _slotLength = new int[slotCount];

        var inputs = new List<string> { GraphNames.InputsEmbeds };
        if (_deepstack > 0) inputs.Add(GraphNames.PerLayerInputs);
        inputs.AddRange([GraphNames.PositionIds, GraphNames.AttentionMask]);
        var outputs = new List<string> { GraphNames.Logits };
        for (var layer = 0; layer < _layers; layer++)
        {
            inputs.Add(GraphNames.PastKey(layer));
            inputs.Add(GraphNames.PastValue(layer));
            outputs.Add(GraphNames.PresentKey(layer));
            outputs.Add(GraphNames.PresentValue(layer));
        }
        _inputNames = [.. inputs];
        _outputNames = [.. outputs];
    }

    public int VocabSize { get; }

    public int SlotCount { get; }

    public int MaxSequenceLength { get; }

    /// <summary>Bytes of KV buffers reserved (virtual; resident only where written).</summary>
    public long KvBytesReserved => _kv.BytesReserved;

    /// <summary>Whether the KV cache came from the session's device allocator (GPU memory on CUDA).</summary>
    public bool IsKvOnSessionDevice => _kv.IsOnDevice;

    /// <summary>Element type of the KV cache (float32 or float16, from the package variant).</summary>
    public OnnxElementType KvCacheType => _kv.ElementType;

    /// <summary>Whether decode steps run on a separate decode-step graph.</summary>
    public bool HasDecodeGraph => _decodeSession is not null;

    public void Prefill(Sequence sequence, int start, int count, Span<float> lastLogits)
    {
        var slot = sequence.Slot!.Index;
        var request = sequence.Request;
        var ids = request.Prompt.Ids.AsSpan(start, count);

        // inputs_embeds [1, S, H] with image features at pad positions; per_layer_inputs [1, S, D·H]
        var embeds = new float[count * _hidden];
        var longIds = new long[count];
        for (var i = 0; i < count; i++) longIds[i] = ids[i];
        _embeddings.Lookup(longIds, embeds);
        var perLayer = new float[Math.Max(count * _deepstack * _hidden, 1)];
        if (request.Images.Count > 0)
        {
            var blocks = request.Images.Select(i => new ImageFeatureBlock(i.Features, i.Deepstack.Select(d => (ReadOnlyMemory<float>)d).ToArray())).ToArray();
            var padsBefore = request.Prompt.Ids.AsSpan(0, start).Count((int)_imageTokenId);
            MultimodalEmbeddings.ScatterImageFeatures(longIds, _imageTokenId, blocks, _hidden, embeds, padsBefore);
            if (_deepstack > 0) MultimodalEmbeddings.BuildPerLayerInputs(longIds, _imageTokenId, blocks, _deepstack, _hidden, perLayer, padsBefore);
        }

        // position_ids [3, 1, S]: this chunk's slice of each plane
        var prompt = request.Prompt.Count;
        var positions = new long[3 * count];
        for (var plane = 0; plane < 3; plane++) request.PositionIds.AsSpan(plane * prompt + start, count).CopyTo(positions.AsSpan(plane * count, count));

        // attention_mask [1, start + S]: the row's first positions are valid
        var mask = new long[start + count];
        mask.AsSpan().Fill(1);

        var logits = Run(_session, batch: 1, sequenceLength: count, firstSlot: slot, embeds, perLayer, positions, mask, maskWidth: start + count);
        _slotLength[slot] = start + count;
        if (!lastLogits.IsEmpty) logits.AsSpan(0, VocabSize).CopyTo(lastLogits);
    }

    public void Decode(IReadOnlyList<Sequence> batch, Span<float> logits)
    {
        // The contiguous slots first..last that hold the generating sequences, as rows 0..R−1 of one batch (the KV
        // tensors start at slot `first`). Rows between them with no generating sequence are dummies. Starting at the
        // lowest generating slot rather than slot 0 matters: a step costs about its row count (2b int4: 89 ms for 1
        // row, 204 ms for 8), and a lone stream often sits in a high slot while sessions keep their KV in the low ones.
        var first = int.MaxValue;
        var last = -1;
        foreach (var sequence in batch)
        {
            first = Math.Min(first, sequence.Slot!.Index);
            last = Math.Max(last, sequence.Slot!.Index);
        }
        var rows = last - first + 1;
        var bySlot = new Sequence?[rows];
        foreach (var sequence in batch) bySlot[sequence.Slot!.Index - first] = sequence;

        var ids = new long[rows];
        var positions = new long[3 * rows];
        var lengths = new int[rows];
        for (var row = 0; row < rows; row++)
        {
            var slot = first + row;
            if (bySlot[row] is { } sequence)
            {
                if (sequence.KvLength != _slotLength[slot])
                    throw new InvalidOperationException($"slot {slot} holds {_slotLength[slot]} tokens but the sequence expects {sequence.KvLength}");
                ids[row] = sequence.Generated[^1];
                for (var plane = 0; plane < 3; plane++) positions[plane * rows + row] = sequence.NextDecodePosition;
                lengths[row] = sequence.KvLength;
            }
            else
            {
                // dummy row: token 0 written just past the slot's valid KV (never attended by anyone)
                lengths[row] = Math.Min(_slotLength[slot], MaxSequenceLength - 1);
            }
        }
        var embeds = new float[rows * _hidden];
        _embeddings.Lookup(ids, embeds);
        var perLayer = new float[Math.Max(rows * _deepstack * _hidden, 1)];
        var width = lengths.Max() + 1;
        var mask = new long[rows * width];
        for (var row = 0; row < rows; row++) mask.AsSpan(row * width, lengths[row] + 1).Fill(1);

        var session = _decodeSession is not null && rows <= _decodeGraphMaxRows ? _decodeSession : _session;
        var output = Run(session, rows, sequenceLength: 1, firstSlot: first, embeds, perLayer, positions, mask, width);
        for (var i = 0; i < batch.Count; i++)
        {
            var slot = batch[i].Slot!.Index;
            output.AsSpan((slot - first) * VocabSize, VocabSize).CopyTo(logits.Slice(i * VocabSize, VocabSize));
            _slotLength[slot]++;
        }
    }

    private float[] Run(OnnxSession session, int batch, int sequenceLength, int firstSlot, float[] embeds, float[] perLayer, long[] positions, long[] mask, int maskWidth)
    {
        var values = new List<OnnxValue>(_inputNames.Length + 2 * _layers);
        var outputs = new OnnxValue?[_outputNames.Length];
        try
        {
            values.Add(OnnxValue.CreateTensor(embeds, batch, sequenceLength, _hidden));
            if (_deepstack > 0) values.Add(OnnxValue.CreateTensor(perLayer.AsMemory(0, batch * sequenceLength * _deepstack * _hidden), batch, sequenceLength, _deepstack * _hidden));
            values.Add(OnnxValue.CreateTensor(positions, 3, batch, sequenceLength));
            values.Add(OnnxValue.CreateTensor(mask, batch, maskWidth));
            for (var layer = 0; layer < _layers; layer++)
            {
                values.Add(_kv.Keys(layer, firstSlot, batch));
                values.Add(_kv.Values(layer, firstSlot, batch));
                // present = the same memory as past: GQA writes the new tokens in place
                outputs[1 + 2 * layer] = _kv.Keys(layer, firstSlot, batch);
                outputs[2 + 2 * layer] = _kv.Values(layer, firstSlot, batch);
            }
            if (_logits.Length < batch * VocabSize) _logits = GC.AllocateUninitializedArray<float>(batch * VocabSize);
            outputs[0] = OnnxValue.CreateTensor(_logits.AsMemory(0, batch * VocabSize), batch, 1, VocabSize); // "last_position": [batch, 1, vocab]
            session.Run(_inputNames, values.ToArray(), _outputNames, outputs);
            return _logits;
        }
        finally
        {
            foreach (var value in values) value.Dispose();
            foreach (var output in outputs) output?.Dispose();
        }
    }

    public void Dispose()
    {
        _kv?.Dispose(); // first: device buffers go back to the session's allocator
        _session.Dispose();
        _decodeSession?.Dispose();
        _embeddings?.Dispose();
    }
}
