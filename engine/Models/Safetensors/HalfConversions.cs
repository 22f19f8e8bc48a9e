using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Models.Safetensors;

/// <summary>Widening of the 16-bit float formats checkpoints use (bf16, fp16) to float32, and the reverse.</summary>
public static class HalfConversions
{
    /// <summary>bf16 is the top half of an IEEE float32, so widening is a 16-bit shift (exact).</summary>
    public static void BFloat16ToSingle(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var bits = MemoryMarshal.Cast<byte, ushort>(source);
        if (bits.Length != destination.Length) throw new ArgumentException("length mismatch");
        var output = MemoryMarshal.Cast<float, uint>(destination);
        for (var i = 0; i < bits.Length; i++) output[i] = (uint)bits[i] << 16;
    }

    /// <summary>Round-to-nearest-even narrowing of float32 to bf16 (NaN stays NaN).</summary>
    public static ushort SingleToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        var rounding = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    public static void Float16ToSingle(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var halves = MemoryMarshal.Cast<byte, Half>(source);
        if (halves.Length != destination.Length) throw new ArgumentException("length mismatch");
        for (var i = 0; i < halves.Length; i++) destination[i] = (float)halves[i];
    }

    /// <summary>Reads any float dtype (F32, F16, BF16, F64) into float32.</summary>
    public static void ToSingle(SafetensorsDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case SafetensorsDType.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case SafetensorsDType.BF16:
                BFloat16ToSingle(source, destination);
                break;
            case SafetensorsDType.F16:
                Float16ToSingle(source, destination);
                break;
            case SafetensorsDType.F64:
                var doubles = MemoryMarshal.Cast<byte, double>(source);
                for (var i = 0; i < doubles.Length; i++) destination[i] = (float)doubles[i];
                break;
            default:
                throw new NotSupportedException($"{dtype} is not a floating-point type");
        }
    }

    /// <summary>Writes float32 values as bytes of the given float dtype (little-endian).</summary>
    public static void FromSingle(SafetensorsDType dtype, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (dtype)
        {
            case SafetensorsDType.F32:
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case SafetensorsDType.BF16:
                for (var i = 0; i < source.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], SingleToBFloat16(source[i]));
                break;
            case SafetensorsDType.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(destination);
                for (var i = 0; i < source.Length; i++) halves[i] = (Half)source[i];
                break;
            default:
                throw new NotSupportedException($"{dtype} is not a writable float type");
        }
    }
}
