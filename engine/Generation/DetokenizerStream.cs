using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Generation;

/// <summary>The tokenizer's UTF-8-safe incremental detokenizer as the worker's per-sequence text stream.
/// Special tokens are skipped so an answer never shows <c>&lt;|im_end|&gt;</c> and the like.</summary>
internal sealed class DetokenizerStream(QwenTokenizer tokenizer) : ITokenStreamDecoder
{
    private readonly IncrementalDetokenizer _inner = new(tokenizer, skipSpecialTokens: true);

    public string Push(int tokenId) => _inner.Push(tokenId);

    public string Flush() => _inner.Flush();
}
