using System.Diagnostics;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Tests.TestSupport;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Imaging;

/// <summary>
/// Mutation fuzzing over small corpus files of every format: bit flips, truncations, byte
/// insertions, header byte and 32-bit field edits, and spliced duplicates. Every input must either
/// decode into a consistent image or be refused with <see cref="ImageRejectedException"/>; any
/// other exception fails. Deterministic (seeded); `VLO_FUZZ_ITERATIONS` (default 3000) and
/// `VLO_FUZZ_SEED` (default 20261122) change the run; a 50 s wall-clock cap keeps it bounded.
/// Failing inputs are written to the temp folder for replay.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan WallClockCap = TimeSpan.FromSeconds(50);

    // Lower caps than the defaults keep a mutated header that declares, say, 8000x8000 from costing
    // hundreds of MB per iteration; the paths (checks, scaling) are the same.
    private static readonly ImageLimits FuzzLimits = ImageLimits.Default with { MaxPixels = 16L * 1024 * 1024, MaxDecodePixels = 2L * 1024 * 1024 };

    private static readonly string[] Seeds =
    [
        "real/intel__gauge-1.jpg", "real/libpng__toucan.png", "real/pillow__flower.webp", "real/pubtabnet__PMC4003957_018_00.png",
        "malformed/pillow__pil_sample_cmyk.jpg", "malformed/ljt__testimgari.jpg", "malformed/pillow__truncated_jpeg.jpg",
        "malformed/wuffs__muybridge.gif", "malformed/pillow__bmp_g_pal1.bmp", "malformed/pillow__bmp_g_pal8rle.bmp",
        "malformed/pillow__bmp_q_rgba32.bmp", "malformed/libvips__looks-like-svg.webp", "malformed/libwebp__bad_palette_index.webp",
        "malformed/sharp__animated-loop-3.webp", "malformed/ljt__monkey12.jpg", "malformed/wuffs__peacock.progressive.truncated.jpeg",
        "malformed/pillow__png_decompression_dos.png", "malformed/jpegjs__cmyk-grey.jpg",
    ];

    [Fact]
    public void Mutated_inputs_decode_consistently_or_are_refused()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("VLO_FUZZ_ITERATIONS"), out var n) ? n : 3000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("VLO_FUZZ_SEED"), out var s) ? s : 20261122;
        var corpus = Seeds.Select(f => File.ReadAllBytes(RepoPaths.SharedFile("images", f.Split('/')[0], f.Split('/')[1])))
            .Concat(Directory.GetFiles(Path.Combine(RepoPaths.Fixtures, "imaging")).Where(f => !f.EndsWith(".json", StringComparison.Ordinal)).Select(File.ReadAllBytes))
            .Append(PngBuilder.Build(2, 1, 16, 6, [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]]))
            .ToArray();
        var random = new Random(seed);
        var decoder = new ImageDecoder(FuzzLimits);
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        var executed = 0;
        for (; executed < iterations && clock.Elapsed < WallClockCap; executed++)
        {
            var input = Mutate(corpus[random.Next(corpus.Length)], random);
            try
            {
                var result = decoder.Decode(input);
                var problem = Inconsistency(result);
                if (problem is not null) failures.Add(Save(executed, input, problem));
                Count(outcomes, "decoded");
            }
            catch (ImageRejectedException e)
            {
                Count(outcomes, e.Code);
            }
            catch (Exception e)
            {
                failures.Add(Save(executed, input, $"{e.GetType().Name}: {e.Message}"));
            }
        }
        output.WriteLine($"fuzz: {executed} executions in {clock.Elapsed.TotalSeconds:0.0} s (seed {seed}); outcomes: {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))}");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.True(executed >= Math.Min(iterations, 200), $"only {executed} executions ran");
    }

    private static string? Inconsistency(DecodedImage result)
    {
        var image = result.Image;
        var facts = result.Facts;
        if (image.Pixels.LongLength != 3L * image.Width * image.Height) return "pixel buffer size";
        if (facts.DecodedWidth != image.Width || facts.DecodedHeight != image.Height) return "decoded size facts";
        if ((long)facts.FileWidth * facts.FileHeight > FuzzLimits.MaxPixels) return "declared size above MaxPixels";
        if ((long)image.Width * image.Height > (long)facts.OriginalWidth * facts.OriginalHeight) return "decoded larger than original";
        if (facts.Orientation is < 1 or > 8) return "orientation";
        return facts.ContentHash.Length == 64 ? null : "hash";
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var data = original.ToList();
        var edits = 1 + random.Next(3);
        for (var e = 0; e < edits && data.Count > 0; e++)
        {
            // Half the edits hit the first 256 bytes, where the headers live.
            int Position() => random.Next(2) == 0 ? random.Next(Math.Min(256, data.Count)) : random.Next(data.Count);
            switch (random.Next(6))
            {
                case 0: // bit flips
                    for (var k = 1 + random.Next(8); k > 0; k--)
                    {
                        var p = Position();
                        data[p] ^= (byte)(1 << random.Next(8));
                    }
                    break;
                case 1: // truncation to a random length
                    var keep = random.Next(data.Count);
                    data.RemoveRange(keep, data.Count - keep);
                    break;
                case 2: // insertion of random bytes
                    var insert = new byte[1 + random.Next(16)];
                    random.NextBytes(insert);
                    data.InsertRange(Position(), insert);
                    break;
                case 3: // header byte edits with boundary values
                    byte[] interesting = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE];
                    for (var k = 1 + random.Next(4); k > 0; k--)
                        data[random.Next(Math.Min(128, data.Count))] = random.Next(3) == 0 ? (byte)random.Next(256) : interesting[random.Next(interesting.Length)];
                    break;
                case 4: // a 32-bit field (length, width, height, offset) set to a boundary value, either byte order
                    uint[] fields = [0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 0x10000, 0xFFFF, 0x8000, 65535 * 2];
                    var value = fields[random.Next(fields.Length)];
                    var at = random.Next(Math.Max(1, Math.Min(256, data.Count) - 4));
                    var bytes = BitConverter.GetBytes(value);
                    if (random.Next(2) == 0) Array.Reverse(bytes);
                    for (var k = 0; k < 4 && at + k < data.Count; k++) data[at + k] = bytes[k];
                    break;
                default: // splice: duplicate a slice elsewhere
                    var from = random.Next(data.Count);
                    var length = Math.Min(1 + random.Next(512), data.Count - from);
                    data.InsertRange(Position(), data.GetRange(from, length));
                    break;
            }
        }
        return [.. data];
    }

    private static void Count(SortedDictionary<string, int> outcomes, string key) =>
        outcomes[key] = outcomes.TryGetValue(key, out var c) ? c + 1 : 1;

    private static string Save(int iteration, byte[] input, string problem)
    {
        var path = Path.Combine(Path.GetTempPath(), $"vlo-fuzz-failure-{iteration}.bin");
        File.WriteAllBytes(path, input);
        return $"#{iteration}: {problem} (input saved to {path})";
    }
}
