using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.OnnxCommunity;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Generation.Runner;

/// <summary>
/// Runs an onnx-community / transformers.js decoder (<c>decoder_model_merged*.onnx</c>) for the worker: the token
/// embeddings come from the <c>embed_tokens</c> graph, image features replace the <c>&lt;|image_pad|&gt;</c> rows here
/// on the host (transformers.js does the same masked scatter in JS), positions are the prompt's M-RoPE planes fed as
/// <c>position_ids</c> [3, B, S], and the cache goes in as <c>past_key_values.{i}.key|value</c> [B, kv, past, hd] and
/// comes back as <c>present.{i}.key|value</c> [B, kv, past+S, hd].
/// <para>
/// Unlike <see cref="DecoderRunner"/>'s shared max-length buffers, such a graph concatenates past and new keys, so ORT
/// allocates a fresh present every step: this runner keeps each slot's cache as managed arrays [kv, length, hd] per
/// layer and copies it in and out — 2·layers·kv·length·hd floats per sequence per step (for a 2B model, 28 layers ×
/// 2 kv heads × 128 × 1000 tokens ≈ 57 MB per step; noticeable next to the ~1 GB of int4 weights a step reads).
/// A decode step batches all generating sequences: caches of different lengths are left-padded to the longest and
/// the padding is masked out through <c>attention_mask</c> (as transformers.js batches), then cut off again.
/// Used from the worker thread only.
/// </para>
/// </summary>
public sealed class PastPresentRunner : IModelRunner
{
    private const string InputIds = "input_ids";
    private const string NumLogitsToKeep = "num_logits_to_keep";

    private readonly OnnxSession _decoder;
    private readonly OnnxSession _embed;
    private readonly int _layers;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly int _hidden;
    private readonly long _imageTokenId;
    private readonly bool _hasLogitsToKeep;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly SlotCache[] _slots;

    public PastPresentRunner(ModelPackage package, string variant, int slotCount, int maxSequenceLength, OnnxSessionOptions options)
    {
        var text = package.Config.Text;
        _layers = text.LayerCount;
        _kvHeads = text.KeyValueHeadCount;
        _headDim = text.HeadDim;
        _hidden = text.HiddenSize;
        _imageTokenId = package.Config.ImageTokenId;
        VocabSize = text.VocabSize;
        SlotCount = slotCount;
        MaxSequenceLength = maxSequenceLength;
        _slots = Enumerable.Range(0, slotCount).Select(_ => new SlotCache(_layers)).ToArray();

        _decoder = OnnxSession.Load(package.DecoderPath(variant), options);
        try
        {
            _embed = OnnxSession.Load(OnnxCommunityLayout.FilePath(package.Folder, OnnxCommunityLayout.EmbedSession, variant), options);
        }
        catch
        {
            _decoder.Dispose();
            throw;
        }

        var inputs = new List<string> { GraphNames.InputsEmbeds, GraphNames.AttentionMask, GraphNames.PositionIds };
        var outputs = new List<string> { GraphNames.Logits };
        for (var layer = 0; layer < _layers; layer++)
        {
            inputs.AddRange([GraphNames.PastKey(layer), GraphNames.PastValue(layer)]);
            outputs.AddRange([GraphNames.PresentKey(layer), GraphNames.PresentValue(layer)]);
        }
        _hasLogitsToKeep = _decoder.Inputs.Any(i => i.Name == NumLogitsToKeep);
        if (_hasLogitsToKeep) inputs.Add(NumLogitsToKeep);
        _inputNames = [.. inputs];
        _outputNames = [.. outputs];
        try
        {
            CheckGraph(package, variant);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int VocabSize { get; }

    public int SlotCount { get; }

    public int MaxSequenceLength { get; }

    public void Prefill(Sequence sequence, int start, int count, Span<float> lastLogits)
    {
        var slot = _slots[sequence.Slot!.Index];
        var request = sequence.Request;
        if (slot.Length < start) throw new InvalidOperationException($"slot {sequence.Slot.Index} holds {slot.Length} tokens; the prefill starts at {start}");
        slot.Truncate(start, _kvHeads, _headDim);

        // inputs_embeds [1, S, H]: the embed graph's rows, image features at the pad positions
        var ids = new long[count];
        for (var i = 0; i < count; i++) ids[i] = request.Prompt.Ids[start + i];
        var embeds = Embed(ids, 1, count);
        if (request.Images.Count > 0)
        {
            var blocks = request.Images.Select(i => new ImageFeatureBlock(i.Features, [])).ToArray();
            var padsBefore = request.Prompt.Ids.AsSpan(0, start).Count((int)_imageTokenId);
            MultimodalEmbeddings.ScatterImageFeatures(ids, _imageTokenId, blocks, _hidden, embeds, padsBefore);
        }

        var prompt = request.Prompt.Count;
        var positions = new long[3 * count];
        for (var plane = 0; plane < 3; plane++) request.PositionIds.AsSpan(plane * prompt + start, count).CopyTo(positions.AsSpan(plane * count, count));
        var mask = new long[start + count];
        mask.AsSpan().Fill(1);

        var logits = Run([slot], [start], pastLength: start, embeds, positions, mask, sequenceLength: count);
        if (!lastLogits.IsEmpty) logits.AsSpan(logits.Length - VocabSize, VocabSize).CopyTo(lastLogits);
    }

    public void Decode(IReadOnlyList<Sequence> batch, Span<float> logits)
    {
        var rows = batch.Count;
        var slots = new SlotCache[rows];
        var lengths = new int[rows];
        var ids = new long[rows];
        var positions = new long[3 * rows];
        for (var row = 0; row < rows; row++)
        {
            var sequence = batch[row];
            slots[row] = _slots[sequence.Slot!.Index];
            if (sequence.KvLength != slots[row].Length)
                throw new InvalidOperationException($"slot {sequence.Slot.Index} holds {slots[row].Length} tokens but the sequence expects {sequence.KvLength}");
            lengths[row] = sequence.KvLength;
            ids[row] = sequence.Generated[^1];
            for (var plane = 0; plane < 3; plane++) positions[plane * rows + row] = sequence.NextDecodePosition;
        }
        var past = lengths.Max();
        // attention_mask [R, past + 1]: a row's cache sits right-aligned in the padded past (left padding is masked)
        var mask = new long[rows * (past + 1)];
        for (var row = 0; row < rows; row++) mask.AsSpan(row * (past + 1) + past - lengths[row], lengths[row] + 1).Fill(1);

        var output = Run(slots, lengths, past, Embed(ids, rows, 1), positions, mask, sequenceLength: 1);
        output.AsSpan(0, rows * VocabSize).CopyTo(logits);
    }

    /// <summary>Runs the decoder over the slots' caches (left-padded to <paramref name="pastLength"/>) and stores each
    /// row's present (without its padding) back into its slot. Returns the logits [rows, kept positions, V].</summary>
    private float[] Run(SlotCache[] slots, int[] lengths, int pastLength, float[] embeds, long[] positions, long[] mask, int sequenceLength)
    {
        var rows = slots.Length;
        var values = new List<OnnxValue>(_inputNames.Length);
        OnnxValue[]? outputs = null;
        try
        {
            values.Add(OnnxValue.CreateTensor(embeds, rows, sequenceLength, _hidden));
            values.Add(OnnxValue.CreateTensor(mask, rows, pastLength + sequenceLength));
            values.Add(OnnxValue.CreateTensor(positions, 3, rows, sequenceLength));
            var rowStride = _kvHeads * pastLength * _headDim;
            for (var layer = 0; layer < _layers; layer++)
            {
                var keys = new float[rows * rowStride];
                var valuesOfLayer = new float[rows * rowStride];
                for (var row = 0; row < rows; row++)
                {
                    slots[row].CopyPadded(layer, lengths[row], pastLength, _kvHeads, _headDim, keys.AsSpan(row * rowStride, rowStride), valuesOfLayer.AsSpan(row * rowStride, rowStride));
                }
                values.Add(OnnxValue.CreateTensor(keys, rows, _kvHeads, pastLength, _headDim));
                values.Add(OnnxValue.CreateTensor(valuesOfLayer, rows, _kvHeads, pastLength, _headDim));
            }
            // 1 = only the last position's logits (transformers.js passes 1 while generating)
            if (_hasLogitsToKeep) values.Add(OnnxValue.CreateTensor(new long[] { 1 }));
            outputs = _decoder.Run(_inputNames, values.ToArray(), _outputNames);

            var total = pastLength + sequenceLength;
            for (var row = 0; row < rows; row++)
            {
                var from = pastLength - lengths[row];
                for (var layer = 0; layer < _layers; layer++)
                {
                    slots[row].Store(layer, Slice(outputs[1 + 2 * layer], row, total, from), Slice(outputs[2 + 2 * layer], row, total, from), lengths[row] + sequenceLength);
                }
            }
            var logits = outputs[0].GetTensorSpan<float>();
            var kept = logits.Length / (rows * VocabSize);
            // last kept position of each row
            var result = new float[rows * VocabSize];
            for (var row = 0; row < rows; row++) logits.Slice((row * kept + kept - 1) * VocabSize, VocabSize).CopyTo(result.AsSpan(row * VocabSize));
            return result;
        }
        finally
        {
            foreach (var value in values) value.Dispose();
            if (outputs is not null) foreach (var value in outputs) value.Dispose();
        }
    }

    /// <summary>Row <paramref name="row"/> of a present [R, kv, total, hd], positions [from, total), as [kv, total − from, hd].</summary>
    private float[] Slice(OnnxValue present, int row, int total, int from)
    {
        var data = present.GetTensorSpan<float>();
        var length = total - from;
        var result = new float[_kvHeads * length * _headDim];
        for (var head = 0; head < _kvHeads; head++)
        {
            data.Slice(((row * _kvHeads + head) * total + from) * _headDim, length * _headDim).CopyTo(result.AsSpan(head * length * _headDim));
        }
        return result;
    }

    private float[] Embed(long[] ids, int rows, int length)
    {
        using var input = OnnxValue.CreateTensor(ids, rows, length);
        var outputs = _embed.Run([InputIds], [input], GraphNames.InputsEmbeds);
        try
        {
            return outputs[0].ToArray<float>();
        }
        finally
        {
            outputs[0].Dispose();
        }
    }

    private void CheckGraph(ModelPackage package, string variant)
    {
        var path = package.DecoderPath(variant);
        var declared = _decoder.Inputs.ToDictionary(i => i.Name);
        foreach (var name in _inputNames)
        {
            if (!declared.TryGetValue(name, out var info)) throw new ModelLoadException($"{path}: the decoder has no input '{name}' (has {string.Join(", ", declared.Keys)})");
            var expected = name is GraphNames.AttentionMask or GraphNames.PositionIds or NumLogitsToKeep ? OnnxElementType.Int64 : OnnxElementType.Float;
            if (info.ElementType != expected)
                throw new ModelLoadException($"{path}: input {info} is {info.ElementType}; this runner feeds {expected} (fp16-I/O exports are not supported yet)");
        }
        var extra = declared.Keys.Except(_inputNames).ToArray();
        if (extra.Length > 0) throw new ModelLoadException($"{path}: the decoder needs inputs this runner does not feed: {string.Join(", ", extra)}");
        var outputs = _decoder.Outputs.Select(o => o.Name).ToHashSet();
        var missing = _outputNames.Where(o => !outputs.Contains(o)).ToArray();
        if (missing.Length > 0) throw new ModelLoadException($"{path}: the decoder lacks outputs {string.Join(", ", missing)}");
        if (!_embed.Inputs.Any(i => i.Name == InputIds) || !_embed.Outputs.Any(o => o.Name == GraphNames.InputsEmbeds))
            throw new ModelLoadException($"{OnnxCommunityLayout.FileName(OnnxCommunityLayout.EmbedSession, variant)}: expected input_ids → inputs_embeds");
    }

    public void Dispose()
    {
        _decoder.Dispose();
        _embed?.Dispose();
    }

    /// <summary>One slot's cache: per layer, keys and values [kv, Length, hd].</summary>
    private sealed class SlotCache(int layers)
    {
        private readonly float[][] _keys = Enumerable.Range(0, layers).Select(_ => Array.Empty<float>()).ToArray();
        private readonly float[][] _values = Enumerable.Range(0, layers).Select(_ => Array.Empty<float>()).ToArray();

        public int Length { get; private set; }

        public void Store(int layer, float[] keys, float[] values, int length)
        {
            _keys[layer] = keys;
            _values[layer] = values;
            Length = length;
        }

        /// <summary>Keeps the first <paramref name="length"/> tokens (a follow-up turn reuses only the common prefix).</summary>
        public void Truncate(int length, int kvHeads, int headDim)
        {
            if (length == Length) return;
            for (var layer = 0; layer < _keys.Length; layer++)
            {
                _keys[layer] = Cut(_keys[layer], Length, length, kvHeads, headDim);
                _values[layer] = Cut(_values[layer], Length, length, kvHeads, headDim);
            }
            Length = length;
        }

        /// <summary>Writes this cache right-aligned into [kv, padded, hd] destinations (zeros before it).</summary>
        public void CopyPadded(int layer, int length, int padded, int kvHeads, int headDim, Span<float> keys, Span<float> values)
        {
            var offset = padded - length;
            for (var head = 0; head < kvHeads; head++)
            {
                _keys[layer].AsSpan(head * length * headDim, length * headDim).CopyTo(keys.Slice((head * padded + offset) * headDim));
                _values[layer].AsSpan(head * length * headDim, length * headDim).CopyTo(values.Slice((head * padded + offset) * headDim));
            }
        }

        private static float[] Cut(float[] data, int from, int to, int kvHeads, int headDim)
        {
            var result = new float[kvHeads * to * headDim];
            for (var head = 0; head < kvHeads; head++) data.AsSpan(head * from * headDim, to * headDim).CopyTo(result.AsSpan(head * to * headDim));
            return result;
        }
    }
}
