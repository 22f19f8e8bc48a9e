using System.Text.Json.Nodes;

namespace VLOrleans.Engine.Models.TinyModels;

/// <summary>
/// What differs per Qwen-VL family when generating a random checkpoint: the json files and the tensor list
/// (names and shapes in the family's Hugging Face layout). <see cref="TinyModelMaker"/> does the rest
/// (random values, bf16, sharding, tokenizer). Add Qwen2/2.5-VL by implementing this once more.
/// </summary>
public interface ITinyModelFamilySpec
{
    QwenVlFamily Family { get; }

    /// <summary>config.json as the family's Hugging Face checkpoints ship it.</summary>
    JsonObject Config(TinyModelPreset preset);

    JsonObject PreprocessorConfig(TinyModelPreset preset);

    JsonObject GenerationConfig(TinyModelPreset preset);

    /// <summary>Every weight tensor, in the order they are written.</summary>
    IReadOnlyList<TinyTensorSpec> Tensors(TinyModelPreset preset);

    /// <summary>Std of <see cref="TinyInit.Weight"/> tensors and of the noise on <see cref="TinyInit.NormScale"/> tensors.</summary>
    (double WeightStd, double NormNoiseStd) InitScale(TinyModelPreset preset);
}
