using VLOrleans.Engine.Models.Safetensors;
using VLOrleans.Engine.Tests.TinyModels;

namespace VLOrleans.Engine.Tests.Reference;

/// <summary>The reference text decoder: a hand-computable one-layer model, and invariants on the tiny model.</summary>
public sealed class ReferenceTextTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vlo-ref-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// H = 4, one head of 4, vocab 3 (e0 = [1,0,0,0], e1 = [0,2,0,0], e2 = [0,0,1,0], tied), norms 1.
    /// q_proj = k_proj = 0, so q = k = 0 after q/k norm and RoPE, scores are all 0 and attention averages v over
    /// the visible tokens; v_proj = o_proj = I. MLP with intermediate 1: gate reads n[0], up reads n[1], down writes
    /// dimension 2, i.e. h[2] += silu(n0)·n1 where n = RMSNorm(h).
    /// Sequence [0, 1], eps 1e-6:
    ///   t0: h = e0 + RMSNorm(e0) = [3,0,0,0]; MLP silu(2)·0 = 0; final RMSNorm → [2,0,0,0]; logits [2, 0, 0]
    ///   t1: h = e1 + (RMSNorm(e0) + RMSNorm(e1))/2 = [0,2,0,0] + ([2,0,0,0] + [0,2,0,0])/2 = [1,3,0,0];
    ///       n = [1,3,0,0]/√2.5 = [0.632456, 1.897367, 0, 0]; h[2] += silu(0.632456)·1.897367 = 0.783653;
    ///       final n = [1,3,0.783653,0]/√((1+9+0.614113)/4) = [0.613885, 1.841660, 0.481074, 0];
    ///       logits = [0.613885, 2·1.841660, 0.481074] = [0.613885, 3.683319, 0.481074]
    /// (with eps the exact values are 1.99999956 and 0.61388545, 3.68331945, 0.48107442).
    /// </summary>
    [Fact]
    public void One_layer_hand_computed_logits()
    {
        WriteHandModel(_dir);
        using var weights = new ReferenceWeights(_dir);
        var text = new ReferenceText(weights);
        var logits = text.Prefill(text.NewCache(), [0, 1], [[0, 1], [0, 1], [0, 1]]);
        double[] expected0 = [1.9999995555545185, 0, 0];
        double[] expected1 = [0.6138854499792485, 3.6833194526073068, 0.48107442188035243];
        for (var v = 0; v < 3; v++)
        {
            Assert.Equal(expected0[v], logits[0, v], 1e-6);
            Assert.Equal(expected1[v], logits[1, v], 1e-6);
        }
    }

    private static void WriteHandModel(string dir)
    {
        File.WriteAllText(Path.Combine(dir, "config.json"), """
        {"model_type":"qwen3_vl","tie_word_embeddings":true,
         "text_config":{"hidden_size":4,"intermediate_size":1,"num_hidden_layers":1,"num_attention_heads":1,"num_key_value_heads":1,
           "head_dim":4,"vocab_size":3,"rms_norm_eps":1e-6,"rope_theta":10000,"rope_scaling":{"mrope_interleaved":true,"mrope_section":[2,0,0],"rope_type":"default"}},
         "vision_config":{"depth":0,"hidden_size":4,"intermediate_size":4,"num_heads":1,"out_hidden_size":4}}
        """);
        float[] identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
        var p = "model.language_model.layers.0.";
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"),
        [
            SafetensorsTensorSource.FromSingle("model.language_model.embed_tokens.weight", [3, 4], [1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0]),
            SafetensorsTensorSource.FromSingle(p + "input_layernorm.weight", [4], [1, 1, 1, 1]),
            SafetensorsTensorSource.FromSingle(p + "post_attention_layernorm.weight", [4], [1, 1, 1, 1]),
            SafetensorsTensorSource.FromSingle(p + "self_attn.q_proj.weight", [4, 4], new float[16]),
            SafetensorsTensorSource.FromSingle(p + "self_attn.k_proj.weight", [4, 4], new float[16]),
            SafetensorsTensorSource.FromSingle(p + "self_attn.v_proj.weight", [4, 4], identity),
            SafetensorsTensorSource.FromSingle(p + "self_attn.o_proj.weight", [4, 4], identity),
            SafetensorsTensorSource.FromSingle(p + "self_attn.q_norm.weight", [4], [1, 1, 1, 1]),
            SafetensorsTensorSource.FromSingle(p + "self_attn.k_norm.weight", [4], [1, 1, 1, 1]),
            SafetensorsTensorSource.FromSingle(p + "mlp.gate_proj.weight", [1, 4], [1, 0, 0, 0]),
            SafetensorsTensorSource.FromSingle(p + "mlp.up_proj.weight", [1, 4], [0, 1, 0, 0]),
            SafetensorsTensorSource.FromSingle(p + "mlp.down_proj.weight", [4, 1], [0, 0, 1, 0]),
            SafetensorsTensorSource.FromSingle("model.language_model.norm.weight", [4], [1, 1, 1, 1]),
        ]);
    }

    private static readonly long[] Prompt = [151644, 872, 198, 14990, 11, 1246, 525, 498, 30, 151645, 198, 151644, 77091, 198];

    private static long[][] TextPositions(int length, long start = 0)
    {
        var p = Enumerable.Range(0, length).Select(i => start + i).ToArray();
        return [p, (long[])p.Clone(), (long[])p.Clone()];
    }

    [Fact]
    public void Prefill_equals_shorter_prefill_then_token_by_token_decode()
    {
        using var weights = new ReferenceWeights(TinyModelFiles.Qwen3VlTiny);
        var text = new ReferenceText(weights);
        var full = text.Prefill(text.NewCache(), Prompt, TextPositions(Prompt.Length));
        const int k = 5;
        var cache = text.NewCache();
        text.Prefill(cache, Prompt[..k], TextPositions(k));
        for (var s = k; s < Prompt.Length; s++)
        {
            var logits = text.Decode(cache, Prompt[s], ropeDelta: 0);
            Assert.Equal(s + 1, cache.Length);
            for (var v = 0; v < logits.Length; v += 97) Assert.Equal(full[s, v], logits[v], 1e-5);
        }
    }

    [Fact]
    public void Changing_a_later_token_leaves_earlier_logits_unchanged()
    {
        using var weights = new ReferenceWeights(TinyModelFiles.Qwen3VlTiny);
        var text = new ReferenceText(weights);
        var a = text.Prefill(text.NewCache(), Prompt, TextPositions(Prompt.Length));
        var changed = (long[])Prompt.Clone();
        changed[8] = 1000;
        var b = text.Prefill(text.NewCache(), changed, TextPositions(Prompt.Length));
        for (var s = 0; s < 8; s++)
            for (var v = 0; v < a.GetLength(1); v += 13) Assert.Equal(a[s, v], b[s, v]);
        Assert.True(MaxDiff(a, b, 8) > 1e-3, "the changed token must change its own logits");
        Assert.True(MaxDiff(a, b, 12) > 1e-3, "and later ones");
    }

    [Fact]
    public void Image_prompt_prefill_equals_prefill_then_decode_with_rope_delta_and_deepstack_only_touches_later_rows()
    {
        using var weights = new ReferenceWeights(TinyModelFiles.Qwen3VlTiny);
        var vision = new ReferenceVision(weights).Encode(Pixels(4 * 4 * 1536), [(1, 4, 4)]);
        var text = new ReferenceText(weights);
        // <|im_start|>user\n<|vision_start|> 4×<|image_pad|> <|vision_end|> text… ; the last 3 tokens are decoded
        long[] ids = [151644, 872, 198, 151652, 151655, 151655, 151655, 151655, 151653, 74785, 419, 13, 151645, 198, 151644, 77091, 198];
        var (pos, _) = ReferenceRopeIndex.Compute(ids, [(1, 4, 4)], weights.Config);
        var full = text.Prefill(text.NewCache(), ids, pos, vision.ImageFeatures, vision.Deepstack);

        var prefix = ids[..14];
        var (prefixPos, delta) = ReferenceRopeIndex.Compute(prefix, [(1, 4, 4)], weights.Config);
        // text 0..3, the 2×2 image at base 4 (T 4, H/W 4..5), then 6..11 for the 6 text tokens: delta = 11 + 1 − 14
        Assert.Equal(-2, delta);
        var cache = text.NewCache();
        text.Prefill(cache, prefix, prefixPos, vision.ImageFeatures, vision.Deepstack);
        for (var s = 14; s < ids.Length; s++)
        {
            var logits = text.Decode(cache, ids[s], delta);
            for (var v = 0; v < logits.Length; v += 97) Assert.Equal(full[s, v], logits[v], 1e-5);
        }

        // DeepStack adds at image rows (4..7) after layers 0..2: rows before are untouched, rows from 4 on move
        var plain = text.Prefill(text.NewCache(), ids, pos, vision.ImageFeatures, deepstack: null);
        Assert.Equal(0, MaxDiff(full, plain, 3));
        Assert.True(MaxDiff(full, plain, 4) > 1e-3);
        Assert.True(MaxDiff(full, plain, 16) > 1e-3);
    }

    [Fact]
    public void Sequences_of_a_batch_are_independent()
    {
        using var weights = new ReferenceWeights(TinyModelFiles.Qwen3VlTiny);
        var text = new ReferenceText(weights);
        long[] other = [151644, 872, 198, 9707, 151645];
        var alone = text.Prefill(text.NewCache(), Prompt[..6], TextPositions(6));
        var caches = new[] { text.NewCache(), text.NewCache() };
        text.Prefill(caches[1], other, TextPositions(other.Length));
        var inBatch = text.Prefill(caches[0], Prompt[..6], TextPositions(6));
        text.Decode(caches[1], 30, 0);
        Assert.Equal(0, MaxDiff(alone, inBatch, 5));
        Assert.Equal((6, 6), (caches[0].Length, caches[1].Length));
    }

    internal static float[] Pixels(int count, int salt = 0)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = ((i + salt) * 7919L % 2001) / 1000f - 1;
        return values;
    }

    private static double MaxDiff(float[,] a, float[,] b, int row)
    {
        double max = 0;
        for (var v = 0; v < a.GetLength(1); v++) max = Math.Max(max, Math.Abs(a[row, v] - b[row, v]));
        return max;
    }
}
