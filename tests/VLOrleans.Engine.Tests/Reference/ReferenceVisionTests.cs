using VLOrleans.Engine.Tests.TinyModels;

namespace VLOrleans.Engine.Tests.Reference;

/// <summary>Invariants of the reference vision tower on the tiny model.</summary>
public sealed class ReferenceVisionTests
{
    [Fact]
    public void Images_encoded_together_equal_each_encoded_alone()
    {
        // Attention is block-diagonal per image (and per frame), so batching images must not mix them.
        using var weights = new ReferenceWeights(TinyModelFiles.Qwen3VlTiny);
        var vision = new ReferenceVision(weights);
        var a = ReferenceTextTests.Pixels(4 * 4 * 1536, salt: 1);
        var b = ReferenceTextTests.Pixels(2 * 6 * 1536, salt: 2);
        var together = vision.Encode([.. a, .. b], [(1, 4, 4), (1, 2, 6)]);
        var first = vision.Encode(a, [(1, 4, 4)]);
        var second = vision.Encode(b, [(1, 2, 6)]);
        Assert.Equal((7, 64), (together.ImageFeatures.GetLength(0), together.ImageFeatures.GetLength(1)));
        Assert.Equal(3, together.Deepstack.Length);
        for (var j = -1; j < 3; j++)
        {
            var t = j < 0 ? together.ImageFeatures : together.Deepstack[j];
            var f = j < 0 ? first.ImageFeatures : first.Deepstack[j];
            var s = j < 0 ? second.ImageFeatures : second.Deepstack[j];
            for (var d = 0; d < 64; d++)
            {
                for (var r = 0; r < 4; r++) Assert.Equal(f[r, d], t[r, d], 1e-6);
                for (var r = 0; r < 3; r++) Assert.Equal(s[r, d], t[4 + r, d], 1e-6);
            }
        }
    }

    [Fact]
    public void Frames_attend_only_within_themselves()
    {
        // t = 2: two frames of the same image; each frame's tokens equal the one-frame encoding of the same
        // pixels (the position table repeats per frame and rotary ignores the frame index).
        using var weights = new ReferenceWeights(TinyModelFiles.Qwen3VlTiny);
        var vision = new ReferenceVision(weights);
        var frame0 = ReferenceTextTests.Pixels(2 * 4 * 1536, salt: 3);
        var frame1 = ReferenceTextTests.Pixels(2 * 4 * 1536, salt: 4);
        var both = vision.Encode([.. frame0, .. frame1], [(2, 2, 4)]);
        var only1 = vision.Encode(frame1, [(1, 2, 4)]);
        for (var d = 0; d < 64; d++)
            for (var r = 0; r < 2; r++) Assert.Equal(only1.ImageFeatures[r, d], both.ImageFeatures[2 + r, d], 1e-6);
    }

    [Fact]
    public void Output_depends_on_patch_position()
    {
        // The same patch content at two places of an image must come out different (position table + 2D rotary).
        using var weights = new ReferenceWeights(TinyModelFiles.Qwen3VlTiny);
        var row = ReferenceTextTests.Pixels(1536, salt: 5);
        var pixels = Enumerable.Range(0, 16).SelectMany(_ => row).ToArray();
        var output = new ReferenceVision(weights).Encode(pixels, [(1, 4, 4)]).ImageFeatures;
        double diff = 0;
        for (var d = 0; d < 64; d++) diff = Math.Max(diff, Math.Abs(output[0, d] - output[3, d]));
        Assert.True(diff > 1e-3, $"max difference {diff}");
    }
}
