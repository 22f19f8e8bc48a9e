using VLOrleans.Engine.Models;
using static VLOrleans.Engine.Tests.Reference.ReferenceMath;

namespace VLOrleans.Engine.Tests.Reference;

/// <summary>
/// Qwen-VL text decoder (Qwen3VLTextModel / Qwen2 decoder + lm_head), plain and slow, from QWEN_VL_FACTS.md §2.3–2.5:
/// embed (image features replace the &lt;|image_pad|&gt; rows in order) → per layer [RMSNorm → q/k/v (+ bias for
/// Qwen2/2.5-VL) → per-head RMSNorm of q and k (Qwen3-VL only) → M-RoPE (interleaved for Qwen3-VL, chunked otherwise) → causal GQA over cache + new → o_proj → residual → RMSNorm → SwiGLU →
/// residual → after layer i &lt; D: + DeepStack feature i at the image-token rows] → final RMSNorm → lm_head
/// (embed_tokens when tied). One sequence at a time; batches are loops with one cache per sequence.
/// </summary>
public sealed class ReferenceText(ReferenceWeights weights)
{
    private const string Prefix = "model.language_model.";
    private readonly QwenTextConfig _c = weights.Config.Text;

    // Qwen3 normalises q and k per head; the Qwen2 decoder (Qwen2/2.5-VL) has biases on q/k/v instead.
    private readonly bool _qkNorm = weights.Config.Family == QwenVlFamily.Qwen3Vl;

    public QwenVlConfig Config => weights.Config;

    public ReferenceKvCache NewCache() => new(_c.LayerCount);

    /// <summary>inputs_embeds [S, H]: embed_tokens rows, with image_features rows scattered into the image-token positions in order.</summary>
    public double[][] Embed(long[] inputIds, float[,]? imageFeatures)
    {
        var table = weights[Prefix + "embed_tokens.weight"];
        var h = _c.HiddenSize;
        var imageRows = imageFeatures?.GetLength(0) ?? 0;
        var used = 0;
        var result = new double[inputIds.Length][];
        for (var s = 0; s < inputIds.Length; s++)
        {
            var row = new double[h];
            if (inputIds[s] == weights.Config.ImageTokenId && imageFeatures is not null)
            {
                if (used >= imageRows) throw new ArgumentException($"more image tokens than the {imageRows} image feature rows");
                for (var i = 0; i < h; i++) row[i] = imageFeatures[used, i];
                used++;
            }
            else
            {
                var id = checked((int)inputIds[s]);
                if (id < 0 || id >= _c.VocabSize) throw new ArgumentOutOfRangeException(nameof(inputIds), $"token {id} outside the vocabulary");
                for (var i = 0; i < h; i++) row[i] = table[(long)id * h + i];
            }
            result[s] = row;
        }
        if (imageFeatures is not null && used != imageRows)
            throw new ArgumentException($"{used} image tokens for {imageRows} image feature rows");
        return result;
    }

    /// <summary>
    /// Prefill (or any chunk): appends S tokens to <paramref name="cache"/> and returns logits [S, V]
    /// (or [1, V] for the last token only when <paramref name="lastTokenOnly"/>).
    /// </summary>
    /// <param name="positions">position ids [3][S] (T, H, W planes).</param>
    /// <param name="deepstack">DeepStack features [D][N_img, H], added at the image-token rows after layers 0..D−1; null = none.</param>
    public float[,] Prefill(ReferenceKvCache cache, long[] inputIds, long[][] positions, float[,]? imageFeatures = null,
        float[][,]? deepstack = null, bool lastTokenOnly = false)
    {
        var mask = inputIds.Select(id => id == weights.Config.ImageTokenId).ToArray();
        return Forward(cache, Embed(inputIds, imageFeatures), positions, mask, deepstack, lastTokenOnly);
    }

    /// <summary>One decode step: position = cache length + rope delta on all three planes. Returns logits [V].</summary>
    public float[] Decode(ReferenceKvCache cache, long tokenId, long ropeDelta)
    {
        var p = cache.Length + ropeDelta;
        var logits = Prefill(cache, [tokenId], [[p], [p], [p]]);
        var row = new float[logits.GetLength(1)];
        for (var v = 0; v < row.Length; v++) row[v] = logits[0, v];
        return row;
    }

    /// <summary>The decoder on given inputs_embeds; <paramref name="visualMask"/> marks the rows DeepStack features go to.</summary>
    public float[,] Forward(ReferenceKvCache cache, double[][] inputsEmbeds, long[][] positions, bool[] visualMask,
        float[][,]? deepstack, bool lastTokenOnly = false)
    {
        var s = inputsEmbeds.Length;
        if (positions.Length != 3 || positions.Any(p => p.Length != s)) throw new ArgumentException($"positions must be [3][{s}]");
        var x = inputsEmbeds.Select(r => (double[])r.Clone()).ToArray();
        var angles = Enumerable.Range(0, s).Select(i => ReferenceRope.Angles(_c, positions[0][i], positions[1][i], positions[2][i])).ToArray();
        var visualRows = Enumerable.Range(0, s).Where(i => visualMask[i]).ToArray();
        for (var layer = 0; layer < _c.LayerCount; layer++)
        {
            Layer(layer, x, angles, cache);
            if (deepstack is not null && layer < deepstack.Length)
            {
                var features = deepstack[layer];
                if (features.GetLength(0) != visualRows.Length)
                    throw new ArgumentException($"DeepStack feature {layer} has {features.GetLength(0)} rows for {visualRows.Length} image tokens");
                for (var r = 0; r < visualRows.Length; r++)
                    for (var d = 0; d < _c.HiddenSize; d++) x[visualRows[r]][d] += features[r, d];
            }
        }
        var head = weights.Contains("lm_head.weight") && !weights.Config.TieWordEmbeddings ? weights["lm_head.weight"] : weights[Prefix + "embed_tokens.weight"];
        var rows = lastTokenOnly ? [x[^1]] : x;
        var logits = new List<double[]>(rows.Length);
        foreach (var row in rows)
            logits.Add(Linear(RmsNorm(row, weights[Prefix + "norm.weight"], _c.RmsNormEps), head, null, _c.VocabSize));
        return ToFloat(logits);
    }

    /// <summary>The attention bias when the family has one (Qwen2/2.5-VL: q/k/v, never o).</summary>
    private float[]? Bias(string name) => weights.Config.Family == QwenVlFamily.Qwen3Vl ? null : weights[name];

    private void Layer(int layer, double[][] x, double[][] angles, ReferenceKvCache cache)
    {
        var p = $"{Prefix}layers.{layer}.";
        int h = _c.HiddenSize, heads = _c.AttentionHeadCount, kvHeads = _c.KeyValueHeadCount, hd = _c.HeadDim;
        var group = heads / kvHeads;
        var past = cache.Keys[layer].Count;
        var queries = new double[x.Length][];

        // q/k/v of the new tokens; keys and values join the cache before attention (causal within the chunk)
        for (var i = 0; i < x.Length; i++)
        {
            var normed = RmsNorm(x[i], weights[p + "input_layernorm.weight"], _c.RmsNormEps);
            var q = Linear(normed, weights[p + "self_attn.q_proj.weight"], Bias(p + "self_attn.q_proj.bias"), heads * hd);
            var k = Linear(normed, weights[p + "self_attn.k_proj.weight"], Bias(p + "self_attn.k_proj.bias"), kvHeads * hd);
            var v = Linear(normed, weights[p + "self_attn.v_proj.weight"], Bias(p + "self_attn.v_proj.bias"), kvHeads * hd);
            for (var head = 0; head < heads; head++)
            {
                if (_qkNorm) RmsNorm(q.AsSpan(head * hd, hd), weights[p + "self_attn.q_norm.weight"], _c.RmsNormEps).CopyTo(q, head * hd);
                ApplyRotary(q.AsSpan(head * hd, hd), angles[i]);
            }
            for (var head = 0; head < kvHeads; head++)
            {
                if (_qkNorm) RmsNorm(k.AsSpan(head * hd, hd), weights[p + "self_attn.k_norm.weight"], _c.RmsNormEps).CopyTo(k, head * hd);
                ApplyRotary(k.AsSpan(head * hd, hd), angles[i]);
            }
            queries[i] = q;
            cache.Keys[layer].Add(k);
            cache.Values[layer].Add(v);
        }

        var scale = 1 / Math.Sqrt(hd);
        for (var i = 0; i < x.Length; i++)
        {
            var visible = past + i + 1;
            var output = new double[heads * hd];
            var scores = new double[visible];
            for (var head = 0; head < heads; head++)
            {
                var kvHead = head / group;
                for (var j = 0; j < visible; j++)
                {
                    var key = cache.Keys[layer][j];
                    double dot = 0;
                    for (var d = 0; d < hd; d++) dot += queries[i][head * hd + d] * key[kvHead * hd + d];
                    scores[j] = dot * scale;
                }
                Softmax(scores);
                for (var j = 0; j < visible; j++)
                {
                    var value = cache.Values[layer][j];
                    for (var d = 0; d < hd; d++) output[head * hd + d] += scores[j] * value[kvHead * hd + d];
                }
            }
            var attended = Linear(output, weights[p + "self_attn.o_proj.weight"], null, h);
            for (var d = 0; d < h; d++) x[i][d] += attended[d];

            var normed = RmsNorm(x[i], weights[p + "post_attention_layernorm.weight"], _c.RmsNormEps);
            var gate = Linear(normed, weights[p + "mlp.gate_proj.weight"], null, _c.IntermediateSize);
            var up = Linear(normed, weights[p + "mlp.up_proj.weight"], null, _c.IntermediateSize);
            for (var d = 0; d < gate.Length; d++) gate[d] = Silu(gate[d]) * up[d];
            var down = Linear(gate, weights[p + "mlp.down_proj.weight"], null, h);
            for (var d = 0; d < h; d++) x[i][d] += down[d];
        }
    }
}
