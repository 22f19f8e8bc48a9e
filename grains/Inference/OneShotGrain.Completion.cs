using System.Runtime.CompilerServices;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;
using VLOrleans.Grains.Sessions;

namespace VLOrleans.Grains.Inference;

/// <summary>
/// Stateless chat completions (<c>POST /v1/chat/completions</c>): the request's images are decoded, checked and
/// encoded here, on the silo whose engine answers (a prepared image never leaves its silo); its sampling overrides are
/// resolved against this model's defaults; a missing max_tokens becomes what the slot's context leaves after the
/// prompt. Engine refusals leave as <see cref="RequestProblemException"/> before <see cref="CompletionAccepted"/>.
/// The enumeration's state lives in this silo's activation, so every step must reach it: a caller inside a silo (the
/// co-hosted server) always does, since a stateless worker runs where it is called. An external Orleans client (a
/// future web node) whose steps may arrive through different gateways is not shown to: it would need a per-request
/// grain, or one gateway per completion (a step that misses the activation fails with EnumerationAbortedException).
/// </summary>
internal sealed partial class OneShotGrain
{
    // Completions streaming now. Orleans counts only incoming calls as activity and keeps an enumeration's state in this
    // activation: while one runs (between two of its steps too), the activation must not be collected.
    private int _streaming;

    // Failures cross to the caller translated (SessionProblems.AtBoundary): no engine type may.
    IAsyncEnumerable<CompletionItem> IOneShotGrain.CompleteAsync(CompletionRequest request, CancellationToken cancellationToken) =>
        SessionProblems.AtBoundary(CompleteCoreAsync(request, cancellationToken), cancellationToken);

    private async IAsyncEnumerable<CompletionItem> CompleteCoreAsync(CompletionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The generation stops when the caller cancels, and also when it merely stops enumerating (Orleans then disposes
        // this iterator without cancelling the token): either way the slot is freed at once.
        using var generation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var finished = false;
        if (_streaming++ == 0) DelayDeactivation(TimeSpan.MaxValue);
        try
        {
            var (engine, stream) = await StartAsync(request, generation.Token);
            var logprobs = request.Logprobs ? new CompletionLogprobs(engine.Tokenizer, engine.Defaults.StopTokenIds, request.IgnoreEos) : null;
            yield return new CompletionAccepted($"vlo-{engine.Family}-{engine.Variant}".ToLowerInvariant());
            await foreach (var e in stream.ReadAllAsync(generation.Token))
            {
                if (e is TokenGenerated token)
                {
                    var logprob = logprobs?.Of(token);
                    if (token.TextDelta.Length > 0 || logprob is not null) yield return new CompletionDelta(token.TextDelta, logprob);
                }
                else if (e is GenerationCompleted done)
                {
                    finished = true;
                    yield return new CompletionFinished(FinishReasonOf(done.Reason), done.Usage.PromptTokens, done.Usage.ReusedPromptTokens, done.Usage.CompletionTokens);
                    yield break;
                }
            }
            throw new OperationCanceledException("the generation ended without a completion", cancellationToken);
        }
        finally
        {
            if (!finished) await generation.CancelAsync();
            if (--_streaming == 0) DelayDeactivation(TimeSpan.Zero); // back to ordinary idle collection
        }
    }

    /// <summary>Prepares the images, renders the prompt and queues it; engine refusals become typed problems.</summary>
    private async Task<(VisionLanguageEngine Engine, GenerationStream Stream)> StartAsync(CompletionRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var engine = inference.Engine;
            var settings = Settings(engine.Defaults, request);
            var tools = RequestedOutput.PromptTools(engine.Family, request.Tools, request.ToolChoice);
            var images = new List<PreparedImage>();
            var messages = new List<ChatMessage>(request.Messages.Count);
            foreach (var message in request.Messages) messages.Add(await MessageAsync(engine, message, images, cancellationToken));

            var generation = engine.BuildRequest(messages, images, settings, sessionKey: null, tools);
            var budget = ConversationPrompt.AnswerBudget(request.MaxTokens, request.MaxTokensLimit, generation.Prompt.Count, engine.Options.MaxSequenceLength);
            return (engine, engine.Worker.Submit(generation with { MaxTokens = budget }, cancellationToken));
        }
        catch (Exception e) when (SessionProblems.Translate(e) is { } problem)
        {
            throw problem;
        }
    }

    private static GenerationSettings Settings(GenerationDefaults defaults, CompletionRequest request)
    {
        if (request.Messages is not { Count: > 0 }) throw SessionProblems.Invalid("messages must not be empty.");
        if (request.MaxTokensLimit < 1 || request.MaxTokens is < 1 || request.MaxTokens > request.MaxTokensLimit)
            throw SessionProblems.Invalid($"max_tokens must be between 1 and {request.MaxTokensLimit}.");
        if (request.TopLogprobs < 0 || (request.TopLogprobs > 0 && !request.Logprobs))
            throw SessionProblems.Invalid("top_logprobs must be 0 or positive, and needs logprobs.");
        var s = request.Sampling;
        GenerationSettings settings;
        try
        {
            settings = ConversationPrompt.Settings(defaults, request.MaxTokens ?? request.MaxTokensLimit,
                s.ToOverrides(), request.IgnoreEos);
        }
        catch (ArgumentException e) // only the sampling validation throws here: a request value out of range
        {
            throw SessionProblems.InvalidSampling(e);
        }
        var format = RequestedOutput.Of(request.ResponseFormat);
        var forcedCall = RequestedOutput.Of(request.Tools, request.ToolChoice, request.ParallelToolCalls);
        if (format is not null && forcedCall is not null)
            throw SessionProblems.Invalid("tool_choice forces a tool call, which response_format forbids: send one or the other.");
        return settings with
        {
            StopStrings = request.StopStrings,
            Logprobs = request.Logprobs,
            TopLogprobs = request.TopLogprobs,
            Output = format ?? forcedCall,
        };
    }

    private static Task<ChatMessage> MessageAsync(VisionLanguageEngine engine, CompletionMessage message, List<PreparedImage> images, CancellationToken cancellationToken) =>
        CompletionMessages.ToChatAsync(message, async bytes =>
        {
            var image = await engine.PrepareImageAsync(bytes, cancellationToken);
            images.Add(image);
            return new ImageContent(image.Facts.ContentHash);
        });

    private static string FinishReasonOf(FinishReason reason) => reason switch
    {
        FinishReason.Length => "length",
        _ => "stop", // cancelled: only seen when the caller is gone
    };
}
