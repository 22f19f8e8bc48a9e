using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;

namespace VLOrleans.Grains.Inference;

/// <summary>
/// Engine tokens as OpenAI log-probability entries, made on the silo that has the tokenizer. The token string is the
/// token's text on its own (a token that is part of a UTF-8 character shows U+FFFD, as OpenAI's does) and the bytes
/// are its exact UTF-8 bytes, so a client that concatenates the bytes of every entry gets the answer's bytes.
/// </summary>
public sealed class CompletionLogprobs(QwenTokenizer tokenizer, IReadOnlyList<int> stopTokenIds, bool keepStopTokens)
{
    /// <summary>The entry for a generated token, or null for what OpenAI leaves out: the stop token that ended the
    /// answer, and the engine's end-of-stream text flush (token id -1).</summary>
    public CompletionLogprob? Of(TokenGenerated token)
    {
        if (token.TokenId < 0 || (!keepStopTokens && stopTokenIds.Contains(token.TokenId))) return null;
        var top = token.TopLogprobs is { } alternatives
            ? alternatives.Select(a => new CompletionTopLogprob(Text(a.TokenId), a.Logprob, Bytes(a.TokenId))).ToArray()
            : [];
        return new CompletionLogprob(Text(token.TokenId), token.Logprob, Bytes(token.TokenId), top);
    }

    /// <summary>The token string of an id past the tokenizer's vocabulary (a padding row of the embedding table, which a
    /// random-weight model does pick): a stable, recognisable name in the style of Qwen's reserved tokens rather than an
    /// empty string, which reads as a bug. Its bytes stay empty: it adds nothing to the answer.</summary>
    public static string PlaceholderText(int id) => $"<|unused_{id}|>";

    // Ids past the tokenizer's vocabulary (padding rows of the embedding table) stand for no text.
    private bool IsText(int id) => (uint)id < (uint)tokenizer.VocabularyCount;

    private string Text(int id) => IsText(id) ? tokenizer.Decode([id]) : PlaceholderText(id);

    private byte[] Bytes(int id) => IsText(id) ? tokenizer.BytesOf(id).ToArray() : [];
}
