using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VLOrleans.Engine.Generation;
using VLOrleans.Grains.Inference;
using VLOrleans.Silo.Endpoints.OpenAi;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Endpoints;

/// <summary>
/// The OpenAI-compatible API: <c>POST /v1/chat/completions</c> (text and image_url parts, SSE streaming,
/// logprobs, usage) and <c>GET /v1/models</c>. Stateless — each request carries the whole conversation — but the
/// vision cache makes a resent image cost no second encoder run. Errors use OpenAI's envelope
/// (<see cref="OpenAiErrors"/>). A closed connection cancels the generation and frees its KV slot.
/// </summary>
public static class OpenAiEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapOpenAiEndpoints(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").AddEndpointFilter(OpenAiErrors.FilterAsync);
        v1.MapPost("/chat/completions", CreateChatCompletionAsync);
        v1.MapGet("/models", ListModels);
        return app;
    }

    /// <summary>The dependencies every handler here uses (bound from DI with <c>[AsParameters]</c>).</summary>
    public sealed record Services(InferenceGrain Inference, ImageUrlLoader Images, IOptions<VloOptions> Settings)
    {
        public VloOptions Options => Settings.Value;
    }

    public static Ok<ModelList> ListModels([AsParameters] Services s)
    {
        var created = s.Inference.IsReady ? new DateTimeOffset(Directory.GetLastWriteTimeUtc(s.Inference.Engine.Package.Folder)).ToUnixTimeSeconds() : 0;
        return TypedResults.Ok(new ModelList([new ModelEntry(s.Options.OpenAi.ModelName, created, "vlorleans")]));
    }

    public static async Task<Results<Ok<ChatCompletion>, ServerSentEventsResult<string>>> CreateChatCompletionAsync(HttpContext http, [AsParameters] Services s)
    {
        var cancellation = http.RequestAborted;
        var request = await BoundedJson.ReadAsync<ChatCompletionRequest>(http.Request, s.Options.Limits.MaxRequestBytes, Json, cancellation);
        var engine = s.Inference.Engine;
        var chat = ChatCompletionTranslator.Translate(request, engine.Defaults, s.Options.Limits);

        // images: decoded, checked and encoded (or found in the vision cache) before the request is queued
        var prepared = new List<PreparedImage>(chat.ImageUrls.Count);
        foreach (var image in chat.ImageUrls)
        {
            var bytes = await s.Images.LoadAsync(image.Url, image.Param, cancellation);
            prepared.Add(await engine.PrepareImageAsync(bytes, cancellation));
        }

        var generation = engine.BuildRequest(chat.Messages, prepared, chat.Settings, sessionKey: null);
        // No max_tokens: as much as the slot's context leaves, within the server's answer limit (OpenAI's behaviour).
        if (chat.MaxTokens is null)
            generation = generation with { MaxTokens = Math.Max(1, Math.Min(s.Options.Limits.MaxAnswerTokens, engine.Options.MaxSequenceLength - generation.Prompt.Count)) };
        var stream = engine.Worker.Submit(generation, cancellation); // throws queue_full / context_length_exceeded before anything is sent

        var id = "chatcmpl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var logprobs = chat.Settings.Logprobs ? new LogprobViews(engine.Tokenizer, engine.Defaults.StopTokenIds, chat.Settings.IgnoreEos) : null;
        var model = s.Options.OpenAi.ModelName;
        if (request.Stream)
            return TypedResults.ServerSentEvents(StreamChunksAsync(stream, id, created, model, logprobs, request.StreamOptions?.IncludeUsage ?? false, cancellation));

        var text = new StringBuilder();
        var entries = logprobs is null ? null : new List<TokenLogprobView>();
        await foreach (var e in stream.ReadAllAsync(cancellation))
        {
            switch (e)
            {
                case TokenGenerated token:
                    text.Append(token.TextDelta);
                    if (logprobs?.Of(token) is { } entry) entries!.Add(entry);
                    break;
                case GenerationCompleted done:
                    var choice = new ChatCompletionChoice(0, new AssistantMessage(text.ToString()), entries is null ? null : new ChoiceLogprobs(entries), FinishReasonOf(done.Reason));
                    return TypedResults.Ok(new ChatCompletion(id, created, model, [choice], Usage(done.Usage)) { SystemFingerprint = Fingerprint(engine) });
            }
        }
        throw new OperationCanceledException("the generation ended without a completion", cancellation);
    }

    /// <summary>
    /// The SSE body: a first chunk with the role, one chunk per token (content delta, and its logprobs when asked),
    /// a last chunk with <c>finish_reason</c>, a usage chunk (empty choices) when <c>stream_options.include_usage</c>,
    /// then <c>[DONE]</c>. A model failure mid-stream becomes an error object in the stream, since the 200 is sent.
    /// </summary>
    private static async IAsyncEnumerable<string> StreamChunksAsync(GenerationStream stream, string id, long created, string model, LogprobViews? logprobs,
        bool includeUsage, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string Chunk(ChunkDelta delta, ChoiceLogprobs? lp, string? finish) =>
            JsonSerializer.Serialize(new ChatCompletionChunk(id, created, model, [new ChunkChoice(0, delta, lp, finish)], null), Json);

        yield return Chunk(new ChunkDelta("assistant", ""), null, null);
        var events = stream.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                string? error = null;
                GenerationEvent? next = null;
                try
                {
                    if (await events.MoveNextAsync()) next = events.Current;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    error = JsonSerializer.Serialize(OpenAiErrors.Envelope(StatusCodes.Status500InternalServerError, "generation_failed", "The model failed while answering: " + e.Message, null), Json);
                }
                if (error is not null)
                {
                    yield return error;
                    break;
                }
                if (next is TokenGenerated token)
                {
                    var entry = logprobs?.Of(token);
                    if (token.TextDelta.Length > 0 || entry is not null)
                        yield return Chunk(new ChunkDelta(null, token.TextDelta), entry is null ? null : new ChoiceLogprobs([entry]), null);
                }
                else if (next is GenerationCompleted done)
                {
                    yield return Chunk(new ChunkDelta(null, null), null, FinishReasonOf(done.Reason));
                    if (includeUsage) yield return JsonSerializer.Serialize(new ChatCompletionChunk(id, created, model, [], Usage(done.Usage)), Json);
                    break;
                }
                else
                {
                    break;
                }
            }
        }
        finally
        {
            await events.DisposeAsync();
        }
        yield return "[DONE]";
    }

    private static CompletionUsage Usage(GenerationUsage usage) => new(usage.PromptTokens, usage.CompletionTokens, usage.PromptTokens + usage.CompletionTokens,
        new PromptTokensDetails(usage.ReusedPromptTokens), new CompletionTokensDetails(0));

    private static string FinishReasonOf(FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        _ => "stop", // cancelled: only seen when the client is gone
    };

    /// <summary>Names model and weights, as OpenAI's system_fingerprint names its backend configuration.</summary>
    private static string Fingerprint(VisionLanguageEngine engine) => $"vlo-{engine.Family}-{engine.Variant}".ToLowerInvariant();
}
