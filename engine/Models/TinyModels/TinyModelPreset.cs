namespace VLOrleans.Engine.Models.TinyModels;

/// <summary>Sizes <see cref="TinyModelMaker"/> can write.</summary>
public enum TinyModelPreset
{
    /// <summary>A few MB, for tests: real 151936-row vocabulary (so the real tokenizer works), everything else minimal.</summary>
    Tiny,

    /// <summary>The real Qwen3-VL-2B shapes (~2.1 B parameters, ~4.3 GB bf16) with random weights.</summary>
    TwoB,

    /// <summary>The real Qwen3-VL-4B shapes (~4.4 B parameters, ~8.9 GB bf16) with random weights.</summary>
    FourB,
}

/// <summary>The preset names the command line uses (<c>tiny</c>, <c>2b</c>, <c>4b</c>).</summary>
public static class TinyModelPresets
{
    public static string ToName(this TinyModelPreset preset) => preset switch
    {
        TinyModelPreset.Tiny => "tiny",
        TinyModelPreset.TwoB => "2b",
        TinyModelPreset.FourB => "4b",
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, null),
    };

    public static TinyModelPreset Parse(string name) => name.ToLowerInvariant() switch
    {
        "tiny" => TinyModelPreset.Tiny,
        "2b" => TinyModelPreset.TwoB,
        "4b" => TinyModelPreset.FourB,
        _ => throw new TinyModelException(TinyModelException.UnknownPreset, $"unknown preset '{name}' (expected tiny, 2b or 4b)"),
    };
}
