using VLOrleans.Engine.Tests.TestSupport;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Tests.Text;

/// <summary>The real Qwen tokenizer (.deps/tokenizer-qwen3/tokenizer.json), loaded once for all text tests.</summary>
internal static class SharedTokenizer
{
    private static readonly Lazy<QwenTokenizer> Lazy = new(() => QwenTokenizer.FromFile(RepoPaths.QwenTokenizerJson));

    public static QwenTokenizer Instance => Lazy.Value;
}
