namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// Symmetric per-column int8 quantisation for <c>com.microsoft.DynamicQuantizeMatMul</c> (onnxruntime
/// docs/ContribOperators.md: B int8 [K, N], b_scale float [N] — one scale per output column, no zero point, so the
/// zero point is 0): column n of B is row n of HF's Linear weight [out, in]; its largest magnitude maps to ±127, so
/// w ≈ q·scale[n] with |error| ≤ scale[n]/2 and 0 exact. −128 is never produced, which keeps the code symmetric.
/// </summary>
public static class ColumnQuantizer
{
    public const int QMax = 127;

    /// <summary>The scale of one output column (one HF weight row): max |w| / 127 (0 for an all-zero row).</summary>
    public static float Scale(ReadOnlySpan<float> row)
    {
        var amax = 0f;
        foreach (var v in row) amax = Math.Max(amax, Math.Abs(v));
        return amax / QMax;
    }

    /// <summary>round-half-even(w / scale), clamped to ±127; 0 when the scale is 0.</summary>
    public static sbyte Quantize(float value, float scale)
    {
        if (scale == 0) return 0;
        var q = (int)MathF.Round(value / scale, MidpointRounding.ToEven);
        return (sbyte)Math.Clamp(q, -QMax, QMax);
    }
}
