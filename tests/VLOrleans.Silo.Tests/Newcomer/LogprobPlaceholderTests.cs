using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Models.TinyModels;
using VLOrleans.Engine.Text;
using VLOrleans.Silo.Endpoints.OpenAi;

namespace VLOrleans.Silo.Tests.Newcomer;

/// <summary><c>top_logprobs</c> entries for ids past the tokenizer's vocabulary (151,669 entries; the embedding
/// table has 151,936 rows) carry a stable placeholder instead of an empty token string.</summary>
public sealed class LogprobPlaceholderTests
{
    private static readonly Lazy<QwenTokenizer> Tokenizer = new(() =>
        QwenTokenizer.FromFile(Path.Combine(TinyModelTokenizer.Locate(null), "tokenizer.json")));

    [Fact]
    public void Ids_past_the_vocabulary_read_as_unused_placeholders_with_no_bytes_while_real_tokens_keep_their_text()
    {
        var views = new LogprobViews(Tokenizer.Value, stopTokenIds: [], keepStopTokens: false);
        var hello = Tokenizer.Value.Encode("Hello")[0];
        var token = new TokenGenerated(151_705, "", -0.5f, [new TokenLogprob(151_705, -0.5f), new TokenLogprob(hello, -1.5f), new TokenLogprob(151_935, -2f)]);

        var view = views.Of(token)!;

        Assert.Equal("<|unused_151705|>", view.Token);
        Assert.Empty(view.Bytes);
        Assert.Equal(["<|unused_151705|>", "Hello", "<|unused_151935|>"], view.TopLogprobs.Select(t => t.Token).ToArray());
        Assert.Equal("Hello"u8.ToArray().Select(b => (int)b).ToArray(), view.TopLogprobs[1].Bytes);
        Assert.Empty(view.TopLogprobs[2].Bytes);
    }
}
