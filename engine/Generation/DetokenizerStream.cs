using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Generation;

/// <summary>The tokenizer's UTF-8-safe incremental detokenizer as the worker's per-sequence text stream.
/// Special tokens are skipped so an answer never shows <c>&lt;|im_end|&gt;</c> and the like. Ids past the tokenizer's
/// vocabulary add no text: Qwen's embedding table is padded to 151,936 rows but the tokenizer has 151,669 ids, and a
/// model (random weights, or a bad sample) can pick a padding row — that must not throw on the worker's thread.</summary>
internal sealed class DetokenizerStream(QwenTokenizer tokenizer) : ITokenStreamDecoder
{
    private readonly IncrementalDetokenizer _inner = new(tokenizer, skipSpecialTokens: true);

    public string Push(int tokenId) => (uint)tokenId < (uint)tokenizer.VocabularyCount ? _inner.Push(tokenId) : "";

    public string Flush() => _inner.Flush();
}
