using System.Text.Json;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Tests.TestSupport;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Tests.Text;

/// <summary>
/// Position ids against transformers.js 4.3.1's get_rope_index (tests/fixtures/text/rope_index_golden.json from
/// tools/reference/text/make_rope_index_golden.mjs: 1, 2, 3 images of different and non-square grids, text
/// before/between/after, multi-turn, batches of 2 and 3 with left padding and a text-only row). For images the
/// three families give the same positions, so every case is checked for all three.
/// </summary>
public sealed class RopeIndexGoldenTests
{
    public sealed record GoldenCase(string Name, string[] Rows, int[][] InputIds, int[][] Mask, GridThw[] Grids, long[] Positions, long[] Deltas)
    {
        public override string ToString() => Name;
    }

    private static readonly Lazy<GoldenCase[]> Cases = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "text", "rope_index_golden.json")));
        static int[][] Matrix(JsonElement e) => e.EnumerateArray().Select(r => r.EnumerateArray().Select(x => x.GetInt32()).ToArray()).ToArray();
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new GoldenCase(
            c.GetProperty("name").GetString()!,
            c.GetProperty("rows").EnumerateArray().Select(r => r.GetString()!).ToArray(),
            Matrix(c.GetProperty("input_ids")),
            Matrix(c.GetProperty("attention_mask")),
            Matrix(c.GetProperty("image_grid_thw")).Select(g => new GridThw(g[0], g[1], g[2])).ToArray(),
            c.GetProperty("position_ids").EnumerateArray().Select(x => x.GetInt64()).ToArray(),
            c.GetProperty("rope_deltas").EnumerateArray().Select(x => x.GetInt64()).ToArray())).ToArray();
    });

    public static TheoryData<string, QwenVlFamily> CaseIds()
    {
        var data = new TheoryData<string, QwenVlFamily>();
        foreach (var c in Cases.Value)
            foreach (var f in Enum.GetValues<QwenVlFamily>()) data.Add(c.Name, f);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Matches_transformers_js(string name, QwenVlFamily family)
    {
        var c = Cases.Value.Single(x => x.Name == name);
        var batch = c.InputIds.Length;
        var seq = c.InputIds[0].Length;
        var ids = c.InputIds.SelectMany(r => r).ToArray();
        var mask = c.Mask.SelectMany(r => r).ToArray();

        var result = RopeIndex.Compute(family, ids, batch, mask, c.Grids);

        Assert.Equal(c.Deltas, result.RopeDeltas);
        for (var d = 0; d < 3; d++)
        {
            for (var b = 0; b < batch; b++)
            {
                for (var s = 0; s < seq; s++)
                {
                    var expected = mask[b * seq + s] == 1 ? c.Positions[(d * batch + b) * seq + s] : 1;   // HF pads with 1 (TJS 0)
                    Assert.True(expected == result[d, b, s], $"plane {d} row {b} slot {s}: expected {expected}, got {result[d, b, s]}");
                }
            }
        }
    }

    [Fact]
    public void Continuation_from_the_next_position_equals_computing_the_whole_prompt()
    {
        // A follow-up turn prefilled onto a kept cache: split the two-image multi-turn prompt after the first
        // assistant answer and continue from (cache length + delta) of the first part.
        var c = Cases.Value.Single(x => x.Name == "multi_turn_images");
        var ids = c.InputIds[0];
        var assistantTurn = Array.IndexOf(ids, SpecialTokens.ImStart, Array.IndexOf(ids, SpecialTokens.VisionEnd));
        var split = Array.IndexOf(ids, SpecialTokens.ImStart, assistantTurn + 1);   // the second user turn, with the second image
        Assert.True(split > assistantTurn && Array.IndexOf(ids, SpecialTokens.ImagePad, split) > split);
        var first = RopeIndex.Compute(QwenVlFamily.Qwen3Vl, ids.AsSpan(0, split), [c.Grids[0]]);
        var start = RopeIndex.DecodePosition(split, first.RopeDeltas[0]);

        var rest = ids.AsSpan(split);
        var t = new long[rest.Length];
        var h = new long[rest.Length];
        var w = new long[rest.Length];
        var next = RopeIndex.ComputeContinuation(QwenVlFamily.Qwen3Vl, rest, start, [c.Grids[1]], t, h, w);

        var seq = ids.Length;
        for (var s = 0; s < rest.Length; s++)
        {
            Assert.Equal(c.Positions[0 * seq + split + s], t[s]);
            Assert.Equal(c.Positions[1 * seq + split + s], h[s]);
            Assert.Equal(c.Positions[2 * seq + split + s], w[s]);
        }
        Assert.Equal(seq + c.Deltas[0], next);
    }

    [Fact]
    public void Expanding_our_own_rendering_gives_the_reference_prompt_ids()
    {
        // The reference expanded <|image_pad|> in text before tokenising; we expand token ids after. Same ids.
        var c = Cases.Value.Single(x => x.Name == "three_images_text_around");
        var messages = new[]
        {
            ChatMessage.System("Be exact."),
            ChatMessage.User(new TextContent("Before."), new ImageContent(), new TextContent("Between one and two."),
                new ImageContent(), new ImageContent(), new TextContent("After all three.")),
        };
        var prompt = ChatTemplates.For(QwenVlFamily.Qwen3Vl).Render(messages, addGenerationPrompt: true);
        var ids = ImagePlaceholderExpander.Expand(SharedTokenizer.Instance.Encode(prompt), c.Grids);
        Assert.Equal(c.InputIds[0], ids);
    }
}
