using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;
using VLOrleans.Grains.Inference;

namespace VLOrleans.Silo.Endpoints.OpenAi;

/// <summary>
/// Log-probability entries in OpenAI's JSON shape. The one-shot grain makes them (<see cref="CompletionLogprobs"/>,
/// on the silo that has the tokenizer); this turns them into the wire view (<c>bytes</c> as a list of numbers), and
/// reads engine tokens directly where a caller has the engine at hand.
/// </summary>
public sealed class LogprobViews(QwenTokenizer tokenizer, IReadOnlyList<int> stopTokenIds, bool keepStopTokens)
{
    private readonly CompletionLogprobs _entries = new(tokenizer, stopTokenIds, keepStopTokens);

    /// <summary>The entry for a generated token, or null for what OpenAI leaves out (see <see cref="CompletionLogprobs.Of"/>).</summary>
    public TokenLogprobView? Of(TokenGenerated token) => _entries.Of(token) is { } entry ? View(entry) : null;

    /// <inheritdoc cref="CompletionLogprobs.PlaceholderText"/>
    public static string PlaceholderText(int id) => CompletionLogprobs.PlaceholderText(id);

    public static TokenLogprobView View(CompletionLogprob entry) =>
        new(entry.Token, entry.Logprob, Ints(entry.Bytes), entry.TopLogprobs.Select(t => new TopLogprobView(t.Token, t.Logprob, Ints(t.Bytes))).ToArray());

    private static int[] Ints(byte[] bytes)
    {
        var ints = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) ints[i] = bytes[i];
        return ints;
    }
}
