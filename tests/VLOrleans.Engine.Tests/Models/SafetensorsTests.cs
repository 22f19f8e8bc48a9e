using System.Buffers.Binary;
using System.Text;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Safetensors;

namespace VLOrleans.Engine.Tests.Models;

public sealed class SafetensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vlo-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Builds a file byte by byte from the format description, independent of our writer.</summary>
    private static byte[] HandBuilt(string headerJson, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    [Fact]
    public void Reads_a_hand_built_file_with_bf16_f16_f32_and_i64()
    {
        // bf16 0x3F80 = 1.0, 0xC040 = -3.0, 0x4049 = 3.140625; f16 0x3C00 = 1.0, 0xC500 = -5.0; f32 0.5; i64 7
        byte[] data =
        [
            0x80, 0x3F, 0x40, 0xC0, 0x49, 0x40, 0x00, 0x00,   // bf16[3] (+2 pad bytes belong to nothing)
            0x00, 0x3C, 0x00, 0xC5,                           // f16[2]
            0x00, 0x00, 0x00, 0x3F,                           // f32[1]
            7, 0, 0, 0, 0, 0, 0, 0,                           // i64[1]
        ];
        var json = """{"__metadata__":{"format":"pt"},"b":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]},"h":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]},"f":{"dtype":"F32","shape":[],"data_offsets":[12,16]},"i":{"dtype":"I64","shape":[1],"data_offsets":[16,24]}}""";
        var path = Path.Combine(_dir, "hand.safetensors");
        File.WriteAllBytes(path, HandBuilt(json, data));

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal([1.0f, -3.0f, 3.140625f], file.ReadSingle("b"));
        Assert.Equal([1.0f, -5.0f], file.ReadSingle("h"));
        Assert.Equal([1L, 2L], file.GetInfo("h").Shape);
        Assert.Equal([0.5f], file.ReadSingle("f"));
        Assert.Empty(file.GetInfo("f").Shape);
        Assert.Equal([7L], file.ReadInt64("i"));
    }

    [Fact]
    public void Writer_output_reads_back_exactly_for_values_representable_in_each_dtype()
    {
        // Values chosen to be exact in bf16 (8 significant bits) and fp16 (11 bits).
        float[] values = [0f, 1f, -2.5f, 0.15625f, 96f, -0.0078125f];
        var path = Path.Combine(_dir, "rt.safetensors");
        SafetensorsWriter.Write(path,
        [
            SafetensorsTensorSource.FromSingle("a.bf16", [2, 3], values, SafetensorsDType.BF16),
            SafetensorsTensorSource.FromSingle("a.f16", [6], values, SafetensorsDType.F16),
            SafetensorsTensorSource.FromSingle("a.f32", [3, 2], values),
        ], new Dictionary<string, string> { ["format"] = "pt" });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(values, file.ReadSingle("a.bf16"));
        Assert.Equal(values, file.ReadSingle("a.f16"));
        Assert.Equal(values, file.ReadSingle("a.f32"));
        Assert.Equal(SafetensorsDType.BF16, file.GetInfo("a.bf16").DType);
        Assert.Equal([2L, 3L], file.GetInfo("a.bf16").Shape);
        // The data section starts 8-byte aligned (header padded with spaces).
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(path));
        Assert.Equal(0UL, (8 + headerLength) % 8);
    }

    [Theory]
    // float32 bits → bf16 bits by round-to-nearest-even, worked by hand:
    [InlineData(0x3F800000u, (ushort)0x3F80)] // 1.0 exact
    [InlineData(0x3F808000u, (ushort)0x3F80)] // halfway, lower bit even → stays
    [InlineData(0x3F818000u, (ushort)0x3F82)] // halfway, lower bit odd → rounds up
    [InlineData(0x3F808001u, (ushort)0x3F81)] // just above halfway → up
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)] // float max rounds to +inf, as torch does
    public void Bf16_narrowing_rounds_to_nearest_even(uint floatBits, ushort expected) =>
        Assert.Equal(expected, HalfConversions.SingleToBFloat16(BitConverter.UInt32BitsToSingle(floatBits)));

    [Fact]
    public void Sharded_checkpoint_splits_by_size_and_resolves_every_tensor()
    {
        var rng = new Random(7);
        var tensors = Enumerable.Range(0, 5).Select(i =>
        {
            var v = Enumerable.Range(0, 100).Select(_ => (float)rng.NextDouble()).ToArray();
            return (Name: $"layer.{i}.weight", Values: v);
        }).ToArray();
        // 100 floats = 400 bytes each; a 900-byte limit gives shards of 2, 2, 1.
        SafetensorsWriter.WriteSharded(_dir, tensors.Select(t => SafetensorsTensorSource.FromSingle(t.Name, [10, 10], t.Values)).ToArray(), maxShardBytes: 900);

        Assert.True(File.Exists(Path.Combine(_dir, "model.safetensors.index.json")));
        Assert.Equal(3, Directory.GetFiles(_dir, "model-*-of-00003.safetensors").Length);
        using var checkpoint = SafetensorsCheckpoint.Open(_dir);
        Assert.Equal(3, checkpoint.Files.Count);
        foreach (var (name, values) in tensors) Assert.Equal(values, checkpoint.ReadSingle(name));
        Assert.EndsWith("model-00003-of-00003.safetensors", checkpoint.FileOf("layer.4.weight").Path);
    }

    [Fact]
    public void Ranged_reads_walk_a_tensor_in_pieces()
    {
        var values = Enumerable.Range(0, 64).Select(i => (float)i).ToArray();
        var path = Path.Combine(_dir, "r.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsTensorSource.FromSingle("w", [8, 8], values, SafetensorsDType.BF16)]);
        using var file = SafetensorsFile.Open(path);
        var row = new float[8];
        file.ReadSingle(file.GetInfo("w"), 5 * 8, row);
        Assert.Equal(new float[] { 40, 41, 42, 43, 44, 45, 46, 47 }, row);
    }

    public static TheoryData<string, byte[]> CorruptFiles() => new()
    {
        { "too short", [1, 2, 3] },
        { "header length beyond file", HandBuilt("{}", []).Select((b, i) => i == 0 ? (byte)0xFF : b).ToArray() },
        { "header not JSON", HandBuilt("{not json", []) },
        { "offsets beyond data", HandBuilt("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", new byte[8]) },
        { "shape disagrees with bytes", HandBuilt("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}""", new byte[16]) },
        { "unknown dtype", HandBuilt("""{"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}""", new byte[4]) },
        { "missing field", HandBuilt("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""", new byte[4]) },
    };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void Corrupt_files_fail_with_a_model_load_exception_naming_the_file(string what, byte[] bytes)
    {
        var path = Path.Combine(_dir, "bad.safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains("bad.safetensors", e.Message);
        Assert.False(string.IsNullOrWhiteSpace(what));
    }

    [Fact]
    public void Index_that_points_outside_the_folder_is_refused()
    {
        File.WriteAllText(Path.Combine(_dir, "model.safetensors.index.json"), """{"weight_map":{"w":"../etc/passwd"}}""");
        var e = Assert.Throws<ModelLoadException>(() => SafetensorsCheckpoint.Open(_dir));
        Assert.Contains("plain file name", e.Message);
    }
}
