using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Tests.Reference;
using VLOrleans.Engine.Tests.TinyModels;
using VLOrleans.Engine.Text;
using static VLOrleans.Engine.Tests.Generation.TinyEngine;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>
/// The whole engine on the tiny Qwen3-VL model: bytes → decode → preprocess → vision (cached) → prompt → batched
/// prefill/decode through the converted ONNX graphs. Behaviour is asserted on tokens and counters, never on time.
/// </summary>
public sealed class EngineTests
{
    [Fact]
    public async Task Greedy_answer_about_a_photo_equals_the_reference_forward()
    {
        await using var engine = Load(slots: 1);
        var bytes = Photo("skimage__chelsea.png");
        var image = await engine.PrepareImageAsync(bytes);
        ChatMessage[] messages = [UserAsking("What animal is this?", 1)];
        var request = engine.BuildRequest(messages, [image], Greedy(6), null);
        var (tokens, _, _) = await Collect(engine.Ask(messages, [image], Greedy(6)));

        // The reference: the same pixel values and prompt, the plain double-precision forward, greedy by argmax.
        using var weights = new ReferenceWeights(TinyModelFiles.Qwen3VlTiny);
        var processed = engine.Processor.Process(new ImageDecoder().Decode(bytes).Image);
        var vision = new ReferenceVision(weights).Encode(processed.PixelValues, [(image.Grid.T, image.Grid.H, image.Grid.W)]);
        var text = new ReferenceText(weights);
        var cache = text.NewCache();
        var ids = request.Prompt.Ids.Select(i => (long)i).ToArray();
        var s = ids.Length;
        long[][] positions = [request.PositionIds[..s], request.PositionIds[s..(2 * s)], request.PositionIds[(2 * s)..]];
        var last = text.Prefill(cache, ids, positions, vision.ImageFeatures, vision.Deepstack, lastTokenOnly: true);
        var expected = new List<int> { ArgMax(Enumerable.Range(0, last.GetLength(1)).Select(v => last[0, v]).ToArray()) };
        while (expected.Count < 6) expected.Add(ArgMax(text.Decode(cache, expected[^1], request.RopeDelta)));
        Assert.Equal(expected, tokens);
    }

    private static int ArgMax(float[] row) => Array.IndexOf(row, row.Max());

    [Fact]
    public async Task A_batch_of_different_conversations_gives_each_the_tokens_it_gets_alone()
    {
        string[] photos = ["skimage__chelsea.png", "skimage__coffee.png", "yolov5__bus.jpg"];
        var questions = new (string Question, int? Photo, int Tokens)[]
        {
            ("What animal is this?", 0, 9), ("Describe the drink.", 1, 4), ("Hello there, who are you?", null, 12), ("How many people?", 2, 7),
        };
        await using var engine = Load(slots: 4, chunk: 16);
        var images = new List<PreparedImage>();
        foreach (var p in photos) images.Add(await engine.PrepareImageAsync(Photo(p)));
        GenerationStream Ask((string Question, int? Photo, int Tokens) q) => q.Photo is { } p
            ? engine.Ask([UserAsking(q.Question, 1)], [images[p]], Greedy(q.Tokens))
            : engine.Ask([UserAsking(q.Question, 0)], [], Greedy(q.Tokens));

        var alone = new List<int[]>();
        foreach (var q in questions) alone.Add((await Collect(Ask(q))).Tokens);
        // Together: they join at different steps (16-token prefill chunks) and leave at different lengths.
        var together = await Task.WhenAll(questions.Select(q => Collect(Ask(q))));
        for (var i = 0; i < questions.Length; i++) Assert.Equal(alone[i], together[i].Tokens);
        Assert.True(engine.Worker.Statistics.Steps > 0);
    }

    [Fact]
    public async Task Chunked_prefill_gives_the_same_tokens_as_one_shot()
    {
        var bytes = Photo("yolov5__zidane.jpg");
        ChatMessage[] messages = [UserAsking("Who is in the picture?", 1)];
        int[] Run(VisionLanguageEngine e, PreparedImage image) => Collect(e.Ask(messages, [image], Greedy(8))).GetAwaiter().GetResult().Tokens;
        await using var oneShot = Load(slots: 1, chunk: 4096);
        await using var chunked = Load(slots: 1, chunk: 7); // 7 splits the image's pad run in the middle
        var expected = Run(oneShot, await oneShot.PrepareImageAsync(bytes));
        var actual = Run(chunked, await chunked.PrepareImageAsync(bytes));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task A_lone_stream_in_a_high_slot_decodes_from_that_slot_and_leaves_the_resident_sessions_intact()
    {
        // Sessions a and b keep their KV resident in slots 0 and 1, so the stateless question decodes alone in slot 2:
        // the decode batch then starts at slot 2 (one row, not three). Its tokens must equal a fresh engine's, and the
        // sessions' follow-ups (reusing slots 0 and 1) must equal the whole conversations computed afresh.
        await using var engine = Load(slots: 3);
        var image = await engine.PrepareImageAsync(Photo("skimage__coffee.png"));
        var conversations = new Dictionary<string, List<ChatMessage>>();
        foreach (var key in new[] { "a", "b" })
        {
            var conversation = new List<ChatMessage> { UserAsking($"Session {key}: what is this?", 1) };
            var answer = await Collect(engine.Ask(conversation, [image], Greedy(4), sessionKey: key));
            conversation.Add(ChatMessage.Assistant(answer.Text));
            conversation.Add(UserAsking("And then?", 0));
            conversations[key] = conversation;
        }

        var lone = await Collect(engine.Ask([UserAsking("Hello there, who are you?", 0)], [], Greedy(8)));
        var followUps = new Dictionary<string, int[]>();
        foreach (var (key, conversation) in conversations)
        {
            var followUp = await Collect(engine.Ask(conversation, [image], Greedy(4), sessionKey: key));
            Assert.True(followUp.Done.Usage.ReusedPromptTokens > 0, $"session {key} lost its resident KV");
            followUps[key] = followUp.Tokens;
        }

        await using var fresh = Load(slots: 1);
        var freshImage = await fresh.PrepareImageAsync(Photo("skimage__coffee.png"));
        Assert.Equal((await Collect(fresh.Ask([UserAsking("Hello there, who are you?", 0)], [], Greedy(8)))).Tokens, lone.Tokens);
        foreach (var (key, conversation) in conversations)
            Assert.Equal((await Collect(fresh.Ask(conversation, [freshImage], Greedy(4)))).Tokens, followUps[key]);
    }

    [Fact]
    public async Task Follow_up_on_the_same_image_runs_no_vision_and_prefills_only_the_new_tokens()
    {
        await using var engine = Load(slots: 2);
        var image = await engine.PrepareImageAsync(Photo("sam__dog.jpg"));
        Assert.False(image.WasCached);
        Assert.Equal(1, engine.Vision.EncodeCount);

        var conversation = new List<ChatMessage> { UserAsking("What is this?", 1) };
        var first = await Collect(engine.Ask(conversation, [image], Greedy(5), sessionKey: "s1"));
        conversation.Add(ChatMessage.Assistant(first.Text));
        conversation.Add(UserAsking("And its colour?", 0));

        // The follow-up re-sends the image bytes (as a stateless client would): the cache answers, no vision run.
        var again = await engine.PrepareImageAsync(Photo("sam__dog.jpg"));
        Assert.True(again.WasCached);
        Assert.Equal(1, engine.Vision.EncodeCount);

        var prefilledBefore = engine.Worker.Statistics.PromptTokensPrefilled;
        var second = await Collect(engine.Ask(conversation, [again], Greedy(5), sessionKey: "s1"));
        var prefilled = engine.Worker.Statistics.PromptTokensPrefilled - prefilledBefore;
        Assert.True(second.Done.Usage.ReusedPromptTokens >= first.Done.Usage.PromptTokens,
            $"reused {second.Done.Usage.ReusedPromptTokens} of turn 1's {first.Done.Usage.PromptTokens} prompt tokens");
        Assert.Equal(second.Done.Usage.PromptTokens - second.Done.Usage.ReusedPromptTokens, prefilled);
        Assert.Equal(1, engine.VisionCache.Statistics.Hits);

        // And the reused KV gives the same answer as computing the whole conversation afresh.
        await using var fresh = Load(slots: 1);
        var freshImage = await fresh.PrepareImageAsync(Photo("sam__dog.jpg"));
        var expected = await Collect(fresh.Ask(conversation, [freshImage], Greedy(5)));
        Assert.Equal(expected.Tokens, second.Tokens);
    }

    [Fact]
    public async Task Eviction_under_a_one_slot_budget_still_answers_correctly()
    {
        await using var engine = Load(slots: 1);
        var dog = await engine.PrepareImageAsync(Photo("sam__dog.jpg"));
        var truck = await engine.PrepareImageAsync(Photo("sam__truck.jpg"));
        var a = new List<ChatMessage> { UserAsking("What is this?", 1) };
        var b = new List<ChatMessage> { UserAsking("What vehicle?", 1) };
        var a1 = await Collect(engine.Ask(a, [dog], Greedy(4), "a"));
        a.AddRange([ChatMessage.Assistant(a1.Text), UserAsking("Is it big?", 0)]);
        await Collect(engine.Ask(b, [truck], Greedy(4), "b")); // takes the only slot: a's KV is evicted
        var a2 = await Collect(engine.Ask(a, [dog], Greedy(4), "a"));
        Assert.Equal(0, a2.Done.Usage.ReusedPromptTokens);
        Assert.True(engine.Worker.Statistics.Slots.Evictions >= 1);

        await using var fresh = Load(slots: 1);
        var expected = await Collect(fresh.Ask(a, [await fresh.PrepareImageAsync(Photo("sam__dog.jpg"))], Greedy(4)));
        Assert.Equal(expected.Tokens, a2.Tokens);
    }

    [Fact]
    public async Task Seeded_sampling_repeats_and_cancellation_mid_stream_frees_the_slot()
    {
        await using var engine = Load(slots: 1);
        ChatMessage[] messages = [UserAsking("Tell me a story.", 0)];
        var sampled = new GenerationSettings { MaxTokens = 10, IgnoreEos = true, Sampling = new SamplingParameters { Temperature = 1f, Seed = 7 } };
        var first = await Collect(engine.Ask(messages, [], sampled));
        var second = await Collect(engine.Ask(messages, [], sampled));
        Assert.Equal(first.Tokens, second.Tokens);
        var greedy = await Collect(engine.Ask(messages, [], Greedy(10)));
        Assert.NotEqual(greedy.Tokens, first.Tokens);

        using var cts = new CancellationTokenSource();
        var stream = engine.Ask(messages, [], Greedy(900), cancellationToken: cts.Token);
        var seen = 0;
        GenerationCompleted? done = null;
        await foreach (var e in stream.ReadAllAsync())
        {
            if (e is TokenGenerated && ++seen == 2) cts.Cancel();
            if (e is GenerationCompleted c) done = c;
        }
        Assert.Equal(FinishReason.Cancelled, done!.Reason);
        Assert.True(done.Usage.CompletionTokens < 900);
        Assert.Equal(0, engine.Worker.Statistics.Slots.Busy);
    }

    [Fact]
    public async Task A_rejected_image_says_why_and_a_conversation_too_long_for_a_slot_is_refused()
    {
        await using var engine = Load(slots: 1, maxLength: 64);
        var e = await Assert.ThrowsAsync<ImageRejectedException>(() => engine.PrepareImageAsync(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }));
        Assert.Equal("unsupported_format", e.Code);
        var image = await engine.PrepareImageAsync(Photo("skimage__chelsea.png"));
        var refused = Assert.Throws<GenerationRejectedException>(() => engine.Ask([UserAsking("What is it?", 1)], [image], Greedy(8)));
        Assert.Equal("context_length_exceeded", refused.Code);
    }
}
