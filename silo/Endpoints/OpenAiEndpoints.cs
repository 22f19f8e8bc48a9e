using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation.Constraints;
using VLOrleans.Grains.Inference;
using VLOrleans.Silo.Endpoints.OpenAi;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Hosting;
using VLOrleans.Silo.Streaming;

namespace VLOrleans.Silo.Endpoints;

/// <summary>
/// The OpenAI-compatible API: <c>POST /v1/chat/completions</c> (text and image_url parts, SSE streaming,
/// logprobs, usage, response_format, tools) and <c>GET /v1/models</c>. Stateless — each request carries the whole conversation — but the
/// vision cache makes a resent image cost no second encoder run. Completions go through the silo's
/// <see cref="IOneShotGrain"/> like every other question. Errors use OpenAI's envelope
/// (<see cref="OpenAiErrors"/>). A closed connection cancels the generation and frees its KV slot.
/// </summary>
public static class OpenAiEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapOpenAiEndpoints(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").AddEndpointFilter(OpenAiErrors.FilterAsync).WithTags("OpenAI")
            .WithMetadata([.. new[] { 400, 401, 413, 422, 429, 503 }.Select(status => new ProducesResponseTypeMetadata(status, typeof(OpenAiErrorEnvelope), ["application/json"]))]); // OpenAPI: the error envelope
        v1.MapPost("/chat/completions", CreateChatCompletionAsync);
        v1.MapGet("/models", ListModels);
        return app;
    }

    /// <summary>The dependencies every handler here uses (bound from DI with <c>[AsParameters]</c>).</summary>
    public sealed record Services(InferenceGrain Inference, IGrainFactory Grains, ImageUrlLoader Images, IOptions<VloOptions> Settings)
    {
        public VloOptions Options => Settings.Value;
    }

    public static Ok<ModelList> ListModels([AsParameters] Services s)
    {
        var created = s.Inference.IsReady ? new DateTimeOffset(Directory.GetLastWriteTimeUtc(s.Inference.Engine.Package.Folder)).ToUnixTimeSeconds() : 0;
        return TypedResults.Ok(new ModelList([new ModelEntry(s.Options.OpenAi.ModelName, created, "vlorleans")]));
    }

    public static async Task<Results<Ok<ChatCompletion>, SseResult>> CreateChatCompletionAsync(HttpContext http, [AsParameters] Services s)
    {
        var cancellation = http.RequestAborted;
        var request = await BoundedJson.ReadAsync<ChatCompletionRequest>(http.Request, s.Options.Limits.MaxRequestBytes, Json, cancellation);
        ServedModel.Check(request.Model, s.Options.OpenAi);
        var chat = ChatCompletionTranslator.Translate(request, s.Options.Limits);
        var tools = ToolRequests.ParsesCalls(chat.Request.Tools, chat.Request.ToolChoice) ? new ToolCallMode(chat.Request.ParallelToolCalls) : null;
        var images = new List<byte[]>(chat.ImageUrls.Count);
        foreach (var image in chat.ImageUrls) images.Add(await s.Images.LoadAsync(image.Url, image.Param, cancellation));

        // The silo's stateless one-shot worker answers (OneShotGrain says why a stateless worker): it decodes and encodes
        // the images, resolves the settings against its model and queues the request on its engine. A client that
        // disconnects cancels this token, which cancels the grain's enumeration, the generation, and frees the slot.
        var items = s.Grains.GetGrain<IOneShotGrain>(0).CompleteAsync(chat.WithImages(images), cancellation).GetAsyncEnumerator(cancellation);
        CompletionAccepted accepted;
        try
        {
            // Refusals (bad image, queue_full, context_length_exceeded) arrive before this first item: nothing is sent yet,
            // so the error filter still answers them with their HTTP status.
            accepted = await items.MoveNextAsync() && items.Current is CompletionAccepted first
                ? first
                : throw new InvalidOperationException("the one-shot grain's completion did not start with CompletionAccepted");
        }
        catch
        {
            await items.DisposeAsync();
            throw;
        }

        var id = "chatcmpl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var model = s.Options.OpenAi.ModelName;
        if (request.Stream)
        {
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("VLOrleans.Silo.OpenAi");
            // Headers at once, keep-alive comments while the first token is pending (SseResult).
            return new SseResult(SseFrames.DataOnly(StreamChunksAsync(items, id, created, model, request.StreamOptions?.IncludeUsage ?? false, tools, logger, cancellation)),
                TimeSpan.FromSeconds(s.Options.Limits.SseKeepAliveSeconds));
        }

        await using (items)
        {
            var text = new StringBuilder();
            var entries = chat.Request.Logprobs ? new List<TokenLogprobView>() : null;
            while (await items.MoveNextAsync())
            {
                switch (items.Current)
                {
                    case CompletionDelta delta:
                        text.Append(delta.Text);
                        if (delta.Logprob is { } entry) entries?.Add(LogprobViews.View(entry));
                        break;
                    case CompletionFinished done:
                        var (message, finish) = tools is null
                            ? (new AssistantMessage(text.ToString()), done.FinishReason)
                            : ToolCallAnswers.Whole(text.ToString(), done.FinishReason, tools.ParallelCalls);
                        var choice = new ChatCompletionChoice(0, message, entries is null ? null : new ChoiceLogprobs(entries), finish);
                        return TypedResults.Ok(new ChatCompletion(id, created, model, [choice], Usage(done)) { SystemFingerprint = accepted.Fingerprint });
                }
            }
        }
        throw new OperationCanceledException("the generation ended without a completion", cancellation);
    }

    /// <summary>
    /// The SSE body: a first chunk with the role, one chunk per token (content delta, and its logprobs when asked),
    /// a last chunk with <c>finish_reason</c>, a usage chunk (empty choices) when <c>stream_options.include_usage</c>,
    /// then <c>[DONE]</c>. A model failure mid-stream becomes an error object in the stream, since the 200 is sent.
    /// With <paramref name="tools"/>, the text goes through a <see cref="ToolCallStreamParser"/>: prose as content
    /// deltas (a possible "&lt;tool_call&gt;" held back until decided), each call as one tool-call delta once its
    /// closing tag is read, and <c>tool_calls</c> as the finish reason when there were calls.
    /// Owns <paramref name="items"/> (already past its <see cref="CompletionAccepted"/>) and disposes it.
    /// </summary>
    private static async IAsyncEnumerable<string> StreamChunksAsync(IAsyncEnumerator<CompletionItem> items, string id, long created, string model,
        bool includeUsage, ToolCallMode? tools, ILogger logger, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string Chunk(ChunkDelta delta, ChoiceLogprobs? lp, string? finish) =>
            JsonSerializer.Serialize(new ChatCompletionChunk(id, created, model, [new ChunkChoice(0, delta, lp, finish)], null), Json);
        var parser = tools is null ? null : new ToolCallStreamParser();
        var callCount = 0;
        IEnumerable<string> ToolChunks(IReadOnlyList<ToolCallStreamEvent> events)
        {
            foreach (var e in events)
            {
                if (e is ContentDelta prose) yield return Chunk(new ChunkDelta(null, prose.Text), null, null);
                else if (e is ToolCallCompleted call && (tools!.ParallelCalls || callCount == 0))
                {
                    callCount++;
                    yield return Chunk(new ChunkDelta(null, null) { ToolCalls = [ToolCallAnswers.Delta(call)] }, null, null);
                }
            }
        }

        try
        {
            yield return Chunk(new ChunkDelta("assistant", ""), null, null);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string? error = null;
                CompletionItem? next = null;
                try
                {
                    if (await items.MoveNextAsync()) next = items.Current;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "A streamed completion failed after its first chunk");
                    error = JsonSerializer.Serialize(OpenAiErrors.Envelope(StatusCodes.Status500InternalServerError, "generation_failed", "The model failed while answering: " + e.Message, null), Json);
                }
                if (error is not null)
                {
                    yield return error;
                    break;
                }
                if (next is CompletionDelta delta)
                {
                    if (parser is not null)
                    {
                        foreach (var chunk in ToolChunks(parser.Push(delta.Text))) yield return chunk;
                        continue;
                    }
                    yield return Chunk(new ChunkDelta(null, delta.Text), delta.Logprob is { } entry ? new ChoiceLogprobs([LogprobViews.View(entry)]) : null, null);
                }
                else if (next is CompletionFinished done)
                {
                    if (parser is not null)
                    {
                        foreach (var chunk in ToolChunks(parser.Finish())) yield return chunk;
                    }
                    yield return Chunk(new ChunkDelta(null, null), null, callCount > 0 ? ToolCallAnswers.FinishOf(done.FinishReason) : done.FinishReason);
                    if (includeUsage) yield return JsonSerializer.Serialize(new ChatCompletionChunk(id, created, model, [], Usage(done)), Json);
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
            await items.DisposeAsync();
        }
        yield return "[DONE]";
    }

    /// <summary>The answer is read for tool calls (the request has tools, tool_choice is not none).</summary>
    private sealed record ToolCallMode(bool ParallelCalls);

    private static CompletionUsage Usage(CompletionFinished done) => new(done.PromptTokens, done.CompletionTokens, done.PromptTokens + done.CompletionTokens,
        new PromptTokensDetails(done.CachedPromptTokens), new CompletionTokensDetails(0));
}
