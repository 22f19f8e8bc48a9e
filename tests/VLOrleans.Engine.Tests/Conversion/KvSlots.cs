using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// A test-sized version of the engine's KV slot buffers (KV_CACHE.md): per layer one key and one value buffer
/// [slots, kv_heads, max_len, head_dim], pinned; a prefill runs on one slot's contiguous slice as a batch of one, a decode
/// step runs every slot as one batch; present outputs are bound to the same memory as the past inputs. The buffers hold
/// float32 or float16, as the package variant's KV cache type says.
/// </summary>
internal sealed class KvSlots
{
    private readonly Array[] _keys;
    private readonly Array[] _values;
    private readonly DecoderGraphEntry _d;
    private readonly OnnxElementType _type;

    public KvSlots(ModelPackage package, string variant, int slotCount, int maxLength)
    {
        _d = package.Manifest.Decoder;
        _type = package.KvCacheType(variant);
        SlotCount = slotCount;
        MaxLength = maxLength;
        _keys = Enumerable.Range(0, _d.LayerCount).Select(_ => NewBuffer()).ToArray();
        _values = Enumerable.Range(0, _d.LayerCount).Select(_ => NewBuffer()).ToArray();
        Lengths = new int[slotCount];
    }

    public int SlotCount { get; }

    public int MaxLength { get; }

    /// <summary>Tokens held per slot.</summary>
    public int[] Lengths { get; }

    private int SlotSize => _d.KeyValueHeadCount * MaxLength * _d.HeadDim;

    // Garbage beyond every row's length: attending to it would show in the logits.
    private Array NewBuffer() => _type == OnnxElementType.Float16 ? Filled((Half)1000f) : Filled(1000f);

    private T[] Filled<T>(T garbage) where T : unmanaged
    {
        var buffer = GC.AllocateArray<T>(SlotCount * SlotSize, pinned: true);
        buffer.AsSpan().Fill(garbage);
        return buffer;
    }

    private OnnxValue View(Array buffer, int? slot, int batch) => buffer switch
    {
        float[] f => OnnxValue.CreateTensor(slot is { } one ? f.AsMemory(one * SlotSize, SlotSize) : f.AsMemory(), batch, _d.KeyValueHeadCount, MaxLength, _d.HeadDim),
        Half[] h => OnnxValue.CreateTensor(slot is { } one ? h.AsMemory(one * SlotSize, SlotSize) : h.AsMemory(), batch, _d.KeyValueHeadCount, MaxLength, _d.HeadDim),
        _ => throw new InvalidOperationException("unexpected KV buffer type"),
    };

    /// <summary>Runs S new tokens of one slot (a prompt or a prefill chunk); returns the last position's logits [V].</summary>
    public float[] Prefill(OnnxSession session, int slot, float[] embeds, float[] perLayer, long[][] positions)
    {
        var s = positions[0].Length;
        var position = new long[3 * s];
        for (var p = 0; p < 3; p++) positions[p].CopyTo(position, p * s);
        var mask = Enumerable.Repeat(1L, Lengths[slot] + s).ToArray();
        var logits = Run(session, slot, 1, s, embeds, perLayer, position, mask, Lengths[slot] + s);
        Lengths[slot] += s;
        return logits;
    }

    /// <summary>One decode step for every slot in one run (rows of different lengths); returns logits [slots][V].</summary>
    public float[][] Decode(OnnxSession session, float[] embeds, long[] positionPerSlot)
    {
        var b = SlotCount;
        var total = Lengths.Max() + 1;
        var mask = new long[b * total];
        for (var r = 0; r < b; r++) mask.AsSpan(r * total, Lengths[r] + 1).Fill(1);
        var position = new long[3 * b];
        for (var p = 0; p < 3; p++) positionPerSlot.CopyTo(position, p * b);
        var perLayer = new float[b * _d.DeepstackCount * _d.HiddenSize];
        var logits = Run(session, null, b, 1, embeds, perLayer, position, mask, total);
        for (var r = 0; r < b; r++) Lengths[r]++;
        return Enumerable.Range(0, b).Select(r => logits.AsSpan(r * _d.VocabSize, _d.VocabSize).ToArray()).ToArray();
    }

    private float[] Run(OnnxSession session, int? slot, int batch, int s, float[] embeds, float[] perLayer, long[] position, long[] mask, int total)
    {
        var h = _d.HiddenSize;
        var values = new List<OnnxValue>();
        try
        {
            var names = new List<string> { GraphNames.InputsEmbeds, GraphNames.PositionIds, GraphNames.AttentionMask };
            values.Add(OnnxValue.CreateTensor(embeds, batch, s, h));
            values.Add(OnnxValue.CreateTensor(position, 3, batch, s));
            values.Add(OnnxValue.CreateTensor(mask, batch, total));
            if (_d.DeepstackCount > 0)
            {
                names.Add(GraphNames.PerLayerInputs);
                values.Add(OnnxValue.CreateTensor(perLayer, batch, s, _d.DeepstackCount * h));
            }
            var outputNames = new List<string> { GraphNames.Logits };
            var outputs = new List<OnnxValue?> { null };
            for (var i = 0; i < _d.LayerCount; i++)
            {
                foreach (var (buffer, pastName, presentName) in new[] { (_keys[i], GraphNames.PastKey(i), GraphNames.PresentKey(i)), (_values[i], GraphNames.PastValue(i), GraphNames.PresentValue(i)) })
                {
                    // A slot's slice [kv_heads, max_len, head_dim] is contiguous: the batch-of-one view of a prefill.
                    var past = View(buffer, slot, batch);
                    var present = View(buffer, slot, batch);
                    values.Add(past);
                    values.Add(present);
                    names.Add(pastName);
                    outputNames.Add(presentName);
                    outputs.Add(present);
                }
            }
            var inputs = values.Where(v => !outputs.Contains(v)).ToArray();
            var slots = outputs.ToArray();
            session.Run(names.ToArray(), inputs, outputNames.ToArray(), slots);
            using var logits = slots[0]!;
            Assert.Equal([batch, 1, _d.VocabSize], logits.Shape);
            return logits.ToArray<float>();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }
}
