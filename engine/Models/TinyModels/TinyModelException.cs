namespace VLOrleans.Engine.Models.TinyModels;

/// <summary>A tiny model could not be written; <see cref="Reason"/> is a stable code, the message says what to do.</summary>
public sealed class TinyModelException : Exception
{
    public const string UnknownPreset = "unknown_preset";
    public const string UnsupportedFamily = "unsupported_family";
    public const string TokenizerMissing = "tokenizer_missing";

    public TinyModelException(string reason, string message) : base(message) => Reason = reason;

    public string Reason { get; }
}
