using VLOrleans.Engine.Generation.Constraints;
using VLOrleans.Engine.Generation.Kv;
using VLOrleans.Engine.Generation.Runner;
using VLOrleans.Engine.Generation.Telemetry;
using VLOrleans.Engine.Generation.Vision;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Imaging.Preprocessing;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.OnnxCommunity;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Generation;

/// <summary>
/// A loaded model, ready to answer: decoding and preprocessing of images, the vision encoder with its embedding
/// cache, the chat template and tokenizer, and the inference worker. The whole path of a question in a few calls:
/// <code>
/// await using var engine = VisionLanguageEngine.Load(new EngineOptions { ModelPath = "models/demo" });
/// var image = await engine.PrepareImageAsync(File.ReadAllBytes("parcel.jpg"));
/// var answer = engine.Ask([ChatMessage.User(new ImageContent(), new TextContent("What is damaged?"))], [image], new GenerationSettings());
/// await foreach (var e in answer.ReadAllAsync()) if (e is TokenGenerated t) Console.Write(t.TextDelta);
/// </code>
/// Thread-safe: any number of callers may prepare images and ask at once.
/// </summary>
public sealed class VisionLanguageEngine : IAsyncDisposable
{
    private readonly IModelRunner _runner;

    private VisionLanguageEngine(ModelPackage package, string variant, EngineOptions options, QwenTokenizer tokenizer,
        QwenImageProcessor processor, IVisionEncoder vision, IModelRunner runner, int slotCount, InferenceWorker worker, GenerationDefaults defaults)
    {
        Package = package;
        Variant = variant;
        Options = options;
        Tokenizer = tokenizer;
        Processor = processor;
        Vision = vision;
        _runner = runner;
        SlotCount = slotCount;
        Worker = worker;
        Defaults = defaults;
        Decoder = new ImageDecoder(options.ImageLimits);
        VisionCache = new VisionEmbeddingCache(options.VisionCacheBytes);
        _preparedIndex = new PreparedImageIndex();
        EngineGauges.ObserveVision(worker.Metrics.Meter, VisionCache, vision);
        ModelId = $"{Path.GetFullPath(package.Folder)}#{variant}";
        Constraints = new OutputConstraintCache(() => TokenVocabulary.For(tokenizer, runner.VocabSize, defaults.StopTokenIds));
    }

    private readonly PreparedImageIndex _preparedIndex;

    public ModelPackage Package { get; }

    public QwenVlFamily Family => Package.Config.Family;

    public string Variant { get; }

    /// <summary>Element type of the KV cache: "float32" or "float16".</summary>
    public string KvCacheType => _runner is DecoderRunner { KvCacheType: OnnxElementType.Float16 } ? "float16" : "float32";

    /// <summary>The weight format of the decode-step graph decode steps run on (e.g. "int4, block 128"), or null when the
    /// prefill graph decodes too.</summary>
    public string? DecodeGraph => _runner is DecoderRunner { HasDecodeGraph: true } && Package.Variant(Variant) is { } v
        ? v.DecodeBlockSize is { } block ? $"{v.DecodeWeights}, block {block}" : v.DecodeWeights
        : null;

    /// <summary>Identifies model and weights in cache keys (the same photo encoded by int4 and fp32 weights differs).</summary>
    public string ModelId { get; }

    public EngineOptions Options { get; }

    public QwenTokenizer Tokenizer { get; }

    public ImageDecoder Decoder { get; }

    public QwenImageProcessor Processor { get; }

    public IVisionEncoder Vision { get; }

    public VisionEmbeddingCache VisionCache { get; }

    public InferenceWorker Worker { get; }

    /// <summary>The engine's meter (<see cref="EngineMetrics.MeterName"/>) and what it has recorded.</summary>
    public EngineMetrics Metrics => Worker.Metrics;

    public GenerationDefaults Defaults { get; }

    public int SlotCount { get; }

    /// <summary>Output constraints compiled for this model's vocabulary, cached by their specification.</summary>
    public OutputConstraintCache Constraints { get; }

    public static VisionLanguageEngine Load(EngineOptions options)
    {
        // A folder in the onnx-community / transformers.js layout (no manifest of ours) runs through its own encoder and runner.
        var isOnnxCommunity = OnnxCommunityLayout.IsLayout(options.ModelPath);
        var package = isOnnxCommunity ? OnnxCommunityPackage.Open(options.ModelPath) : ModelPackage.Open(options.ModelPath);
        var placement = options.DecoderDevice == OnnxExecutionProvider.Cuda ? PlaceOnCuda(package, options) : null;
        if (placement is not null) options = options with { KvMemoryBudgetBytes = placement.KvMemoryBudgetBytes };
        var variant = options.Variant ?? placement?.Variant ?? ChooseVariant(package, options.WeightMemoryBudgetBytes);
        if (!package.VariantNames.Contains(variant))
            throw new ModelLoadException($"{package.Folder}: no weight variant '{variant}' (has {string.Join(", ", package.VariantNames)})");
        var tokenizer = QwenTokenizer.FromFile(Path.Combine(package.Folder, "tokenizer.json"));
        var processor = new QwenImageProcessor(QwenPreprocessorConfig.Load(Path.Combine(package.Folder, "preprocessor_config.json")), options.PreprocessingThreads);
        var defaults = GenerationDefaults.Load(package.Folder);
        var text = package.Config.Text;
        var bytesPerSlot = KvCacheBuffers.BytesPerSlot(package.KvCacheType(variant), text.LayerCount, text.KeyValueHeadCount, options.MaxSequenceLength, text.HeadDim);
        var slots = options.SlotCount > 0 ? options.SlotCount : KvSlotPool.SlotCountFor(options.KvMemoryBudgetBytes, bytesPerSlot, 16);

        IVisionEncoder? vision = null;
        IModelRunner? runner = null;
        var metrics = new EngineMetrics();
        try
        {
            var visionOptions = SessionOptions(options.VisionDevice, options.VisionThreads, options.VisionCudaDeviceId ?? options.CudaDeviceId);
            var decoderOptions = SessionOptions(options.DecoderDevice, options.DecoderThreads, options.CudaDeviceId);
            vision = isOnnxCommunity ? new PixelGridVisionEncoder(package, variant, visionOptions) : new VisionEncoder(package, variant, visionOptions);
            runner = isOnnxCommunity
                ? new PastPresentRunner(package, variant, slots, options.MaxSequenceLength, decoderOptions)
                : new DecoderRunner(package, variant, slots, options.MaxSequenceLength, decoderOptions, options.UseDecodeGraph, options.DecodeGraphMaxRows);
            var scheduler = new Scheduler(new KvSlotPool(slots), new SchedulerOptions
            {
                MaxWaiting = options.MaxWaitingRequests,
                PrefillChunkTokens = options.PrefillChunkTokens,
                MaxSequenceLength = options.MaxSequenceLength,
            });
            var worker = new InferenceWorker(runner, scheduler, () => new DetokenizerStream(tokenizer), metrics);
            return new VisionLanguageEngine(package, variant, options, tokenizer, processor, vision, runner, slots, worker, defaults) { Placement = placement };
        }
        catch
        {
            vision?.Dispose();
            runner?.Dispose();
            metrics.Dispose();
            throw;
        }
    }

    /// <summary>Where the decoder runs on CUDA and with which variant (null on the CPU): the status page's "why".</summary>
    public CudaPlacement? Placement { get; private init; }

    /// <summary>
    /// Checks the GPU before anything loads (a clear startup error naming the missing driver or device, and the libraries
    /// and versions the GPU package needs) and picks the variant by free device memory unless one was configured.
    /// A configured variant must be a CUDA graph: one with the engine's CPU attention op would run that op on the host
    /// and copy every layer's cache across PCIe each step.
    /// </summary>
    private static CudaPlacement? PlaceOnCuda(ModelPackage package, EngineOptions options)
    {
        var device = CudaDevice.Query(options.CudaDeviceId);
        if (!device.IsPresent)
            throw new ExecutionProviderUnavailableException(CudaRequirements.ProviderName, OrtLibrary.GetAvailableProviders(),
                detail: $"cuda:{options.CudaDeviceId}: {device.Error}. {CudaRequirements.Diagnose().Describe()}");
        if (options.Variant is { } configured)
        {
            if (package.VariantNames.Contains(configured) && package.Variant(configured).Attention is { } attention && attention != "gqa")
                throw new ModelLoadException($"variant '{configured}' attends with the engine's CPU kernel ({attention}); on CUDA use a cuda-* variant (vl convert --target cuda)");
            return new CudaPlacement(device, configured, options.KvMemoryBudgetBytes, $"cuda:{device.Index} {device.Name}: variant {configured} configured");
        }
        return CudaPlacement.Choose(device, package.VariantNames, options.KvMemoryBudgetBytes);
    }

    private static OnnxSessionOptions SessionOptions(OnnxExecutionProvider device, int threads, int cudaDevice) => new()
    {
        ExecutionProvider = device,
        IntraOpThreadCount = threads,
        CudaDeviceId = cudaDevice,
    };

    /// <summary>The most precise variant whose files fit the budget (fp32 → fp16 → int8 → w8a8 → int4); the smallest if none fits.</summary>
    public static string ChooseVariant(ModelPackage package, long budgetBytes)
    {
        string[] byPrecision = ["fp32", "fp16", "int8", "w8a8", "int4"]; // w8a8: int8 weights but int8 activations too
        var present = byPrecision.Where(package.VariantNames.Contains).Concat(package.VariantNames.Except(byPrecision)).ToArray();
        if (present.Length == 0) throw new ModelLoadException($"{package.Folder}: the package lists no weight variants");
        var sizes = present.ToDictionary(v => v, v => VariantBytes(package, v));
        return present.FirstOrDefault(v => sizes[v] <= budgetBytes) ?? present.MinBy(v => sizes[v])!;
    }

    /// <summary>Bytes of a variant's graphs and their external data on disk.</summary>
    public static long VariantBytes(ModelPackage package, string variant) =>
        new[] { package.VisionPath(variant), package.DecoderPath(variant), package.DecodeDecoderPath(variant) }.OfType<string>().Sum(ModelPackage.GraphBytes);

    /// <summary>
    /// Decodes (limits checked from the header first), preprocesses and encodes an image — or finds its embeddings
    /// in the cache, so the same photo is encoded once for every session and stateless request while cached.
    /// </summary>
    /// <exception cref="ImageRejectedException">The bytes are not an acceptable image (the reason code says why).</exception>
    public Task<PreparedImage> PrepareImageAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default) =>
        PrepareDecodedAsync(Decoder.Decode(bytes.Span), cancellationToken);

    /// <summary>As <see cref="PrepareImageAsync"/> for an image already decoded (e.g. resized by a benchmark).</summary>
    public async Task<PreparedImage> PrepareDecodedAsync(DecodedImage decoded, CancellationToken cancellationToken = default)
    {
        var image = decoded.Image;
        var grid = Processor.GetGrid(image.Height, image.Width);
        var (resizedHeight, resizedWidth) = Processor.GetResizedSize(image.Height, image.Width);
        var key = new VisionCacheKey(decoded.Facts.ContentHash, $"{Family}:{resizedHeight}x{resizedWidth}", ModelId);
        // The encoding is shared with every concurrent caller for this image: it runs with the cache's token (cancelled
        // once no caller wants it), never with this caller's, whose disconnect must not fail the others.
        var (embeddings, cached) = await VisionCache.GetOrEncodeAsync(key, async encodeToken =>
        {
            var processed = await Task.Run(() => Processor.Process(image), encodeToken).ConfigureAwait(false);
            return await Vision.EncodeAsync(processed.PixelValues, (grid.T, grid.H, grid.W), encodeToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        var gridThw = new GridThw(grid.T, grid.H, grid.W);
        _preparedIndex.Remember(decoded.Facts, gridThw, key, VisionCache);
        return new PreparedImage(decoded.Facts, gridThw, embeddings, cached);
    }

    /// <summary>
    /// The prepared form of an image this engine prepared before, by its id (the pixel hash), while the vision cache
    /// still holds its embeddings — without the bytes: nothing is read, decoded or hashed again. False when the engine
    /// never prepared it or the cache let its embeddings go; then prepare it from its bytes.
    /// </summary>
    public bool TryReusePrepared(string contentHash, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PreparedImage? image) =>
        _preparedIndex.TryGet(contentHash, VisionCache, out image);

    /// <summary>
    /// Renders the conversation with the model's chat template, expands each image to its tokens, computes M-RoPE
    /// positions, and queues the answer. <paramref name="images"/> are the conversation's images in order of
    /// appearance. With a <paramref name="sessionKey"/> the KV stays resident so the session's next turn prefills
    /// only its new tokens.
    /// </summary>
    /// <exception cref="GenerationRejectedException">Queue full, or the conversation does not fit a slot.</exception>
    public GenerationStream Ask(IReadOnlyList<ChatMessage> messages, IReadOnlyList<PreparedImage> images, GenerationSettings settings,
        string? sessionKey = null, CancellationToken cancellationToken = default)
    {
        return Worker.Submit(BuildRequest(messages, images, settings, sessionKey), cancellationToken);
    }

    /// <summary>The request <see cref="Ask"/> queues (exposed for tests and benchmarks).</summary>
    /// <param name="tools">Tool definitions the chat template renders into the system turn (Qwen3-VL; null: none).</param>
    public GenerationRequest BuildRequest(IReadOnlyList<ChatMessage> messages, IReadOnlyList<PreparedImage> images, GenerationSettings settings, string? sessionKey,
        IReadOnlyList<System.Text.Json.JsonElement>? tools = null)
    {
        var grids = images.Select(i => i.Grid).ToArray();
        var ids = QwenVlPrompt.Encode(Tokenizer, Family, messages, addGenerationPrompt: true, grids, tools: tools);
        var rope = RopeIndex.Compute(Family, ids, grids);
        var tags = new ulong[ids.Length];
        var imageTokenId = Package.Config.ImageTokenId;
        int image = 0, used = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            if (ids[i] != imageTokenId) continue;
            while (image < images.Count && used == images[image].Embeddings.TokenCount)
            {
                image++;
                used = 0;
            }
            if (image == images.Count) throw new GenerationRejectedException(GenerationRejection.ImageMismatch, "The conversation has more image tokens than images were given.");
            tags[i] = images[image].Tag;
            used++;
        }
        return new GenerationRequest
        {
            // Without a session key the slot is wiped after the turn: that is how ReusePromptKv = false disables reuse.
            SessionKey = Options.ReusePromptKv ? sessionKey : null,
            Prompt = new PromptTokens(ids, tags),
            PositionIds = rope.Positions,
            RopeDelta = rope.RopeDeltas[0],
            Images = images.Select(i => i.Embeddings).ToArray(),
            Sampling = settings.Sampling ?? Defaults.Sampling,
            MaxTokens = settings.MaxTokens,
            StopTokenIds = Defaults.StopTokenIds,
            StopStrings = settings.StopStrings,
            IgnoreStopTokens = settings.IgnoreEos,
            Logprobs = settings.Logprobs,
            TopLogprobs = settings.TopLogprobs,
            Constraint = settings.Output is { } output ? Constraints.Compile(output) : null,
        };
    }

    /// <summary>Drops a session's resident KV (the session was deleted or its history changed).</summary>
    public void ForgetSession(string sessionKey) => Worker.Scheduler.Slots.ForgetOwner(sessionKey);

    public async ValueTask DisposeAsync()
    {
        await Worker.DisposeAsync().ConfigureAwait(false);
        _runner.Dispose();
        Vision.Dispose();
        Metrics.Dispose(); // made by Load and lent to the worker, which does not dispose what it was given
    }
}
