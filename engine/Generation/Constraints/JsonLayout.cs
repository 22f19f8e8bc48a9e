namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// The exact separators constrained JSON is written with. There is no other whitespace: a grammar that allowed
/// free whitespace would let a model spend its whole token budget on spaces and never close the value.
/// </summary>
public sealed record JsonLayout(byte[] ItemSeparator, byte[] KeySeparator)
{
    /// <summary>Python json.dumps' default (", " and ": "): what Qwen's chat template writes tool-call arguments
    /// with (<c>tojson</c>), so the layout the models saw most in training.</summary>
    public static JsonLayout Spaced { get; } = new(", "u8.ToArray(), ": "u8.ToArray());

    /// <summary>No spaces at all (",", ":").</summary>
    public static JsonLayout Compact { get; } = new(","u8.ToArray(), ":"u8.ToArray());
}
