namespace VLOrleans.Engine.Text;

/// <summary>Stable reason codes for <see cref="TextException"/> (mapped once by the server to problem codes).</summary>
public enum TextErrorCode
{
    /// <summary>A tokenizer file is missing, unreadable or not the expected shape.</summary>
    TokenizerFileInvalid,
    /// <summary>A token id passed to decoding is negative or beyond the vocabulary.</summary>
    TokenIdOutOfRange,
    /// <summary>A chat message is not renderable (unknown role, missing tool call name, ...).</summary>
    InvalidChatMessage,
    /// <summary>The number of image/video placeholders does not match the grids supplied.</summary>
    PlaceholderCountMismatch,
    /// <summary>An image/video grid (t, h, w) is not positive or not divisible by the merge size.</summary>
    InvalidGrid,
    /// <summary>Token ids, mask and batch shape disagree.</summary>
    InvalidShape,
}

/// <summary>Bad input to tokenization, templating or position ids; <see cref="Code"/> is stable, the message is for people.</summary>
public sealed class TextException(TextErrorCode code, string message, Exception? inner = null) : Exception(message, inner)
{
    public TextErrorCode Code { get; } = code;
}
