using System.ClientModel;
using System.Text;
using OpenAI;
using OpenAI.Chat;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>
/// The official OpenAI .NET SDK (NuGet OpenAI) against the server: it is the independent reference for the wire
/// format — if it parses our answers, so do the clients people use.
/// </summary>
[Collection(TinyServerCollection.Name)]
public sealed class OpenAiSdkTests(TinyServerFixture fixture)
{
    private const int TopLogprobs = 3;

    private ChatClient Client() => new("vlorleans", new ApiKeyCredential("no-key-needed"),
        new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.BaseAddress, "/v1") });

    private static ChatMessage[] Question() =>
    [
        new SystemChatMessage("Answer briefly."),
        new UserChatMessage(
            ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(TinyModelServer.Photo("intel__gauge-1.jpg")), "image/jpeg"),
            ChatMessageContentPart.CreateTextPart("What does the gauge read?")),
    ];

    private static ChatCompletionOptions Greedy() => new()
    {
        Temperature = 0f,
        MaxOutputTokenCount = 12,
        IncludeLogProbabilities = true,
        TopLogProbabilityCount = TopLogprobs,
    };

    [Fact]
    public async Task Chat_with_an_image_streams_the_same_greedy_answer_it_returns_whole_with_consistent_logprobs()
    {
        var client = Client();
        ChatCompletion whole = (await client.CompleteChatAsync(Question(), Greedy())).Value;

        var text = whole.Content.Single().Text;
        Assert.Equal(ChatMessageRole.Assistant, whole.Role);
        Assert.Contains(whole.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length });
        Assert.True(whole.Usage.OutputTokenCount is >= 1 and <= 12);
        Assert.True(whole.Usage.InputTokenCount > 20, "the prompt holds the template, the question and the image's tokens");
        Assert.Equal(whole.Usage.InputTokenCount + whole.Usage.OutputTokenCount, whole.Usage.TotalTokenCount);
        Assert.Equal(0, whole.Usage.InputTokenDetails.CachedTokenCount); // stateless: no resident KV is reused
        // One entry per generated token; the stop token that ends an answer is not part of it (as with OpenAI).
        var logprobs = whole.ContentTokenLogProbabilities;
        Assert.Equal(whole.Usage.OutputTokenCount - (whole.FinishReason == ChatFinishReason.Stop ? 1 : 0), logprobs.Count);
        AssertLogprobsDescribe(text, logprobs);

        var streamed = new StringBuilder();
        var streamedLogprobs = new List<ChatTokenLogProbabilityDetails>();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        var updates = 0;
        await foreach (var update in client.CompleteChatStreamingAsync(Question(), Greedy()))
        {
            updates++;
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
            streamedLogprobs.AddRange(update.ContentTokenLogProbabilities);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(text, streamed.ToString());
        Assert.True(updates >= logprobs.Count + 2, "a chunk per token, plus the role and finish chunks");
        Assert.Equal(whole.FinishReason, finish);
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.OutputTokenCount, usage.OutputTokenCount);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(logprobs.Select(l => (l.Token, l.LogProbability)), streamedLogprobs.Select(l => (l.Token, l.LogProbability)));
    }

    /// <summary>
    /// What must hold of any answer's logprobs, whatever the weights: the bytes of the entries concatenate to the
    /// answer's UTF-8; every log-probability is ≤ 0; alternatives come most likely first, and their probabilities
    /// sum to at most 1; greedy decoding chose the most likely token every time.
    /// </summary>
    private static void AssertLogprobsDescribe(string text, IReadOnlyList<ChatTokenLogProbabilityDetails> logprobs)
    {
        var bytes = logprobs.SelectMany(l => Bytes(l.Utf8Bytes)).ToArray();
        Assert.Equal(Encoding.UTF8.GetBytes(text), bytes);
        foreach (var entry in logprobs)
        {
            Assert.True(entry.LogProbability <= 0f, $"{entry.Token}: {entry.LogProbability}");
            Assert.Equal(TopLogprobs, entry.TopLogProbabilities.Count);
            var tops = entry.TopLogProbabilities.Select(t => t.LogProbability).ToArray();
            Assert.Equal(tops.OrderDescending(), tops);
            Assert.True(tops.Sum(MathF.Exp) <= 1.0001f);
            Assert.Equal(entry.TopLogProbabilities[0].Token, entry.Token);
            Assert.Equal(entry.TopLogProbabilities[0].LogProbability, entry.LogProbability);
            Assert.Equal(Bytes(entry.TopLogProbabilities[0].Utf8Bytes), Bytes(entry.Utf8Bytes));
        }
    }

    private static byte[] Bytes(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? b.ToArray() : [];

    [Fact]
    public async Task Models_lists_the_served_model()
    {
        var models = new OpenAIClient(new ApiKeyCredential("no-key-needed"), new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.BaseAddress, "/v1") }).GetOpenAIModelClient();
        var list = (await models.GetModelsAsync()).Value;
        Assert.Equal("vlorleans", Assert.Single(list).Id);
    }
}
