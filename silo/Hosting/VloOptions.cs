using System.ComponentModel.DataAnnotations;
using VLOrleans.Engine.Generation;

namespace VLOrleans.Silo.Hosting;

/// <summary>
/// Every server setting, bound from the <c>VLO</c> configuration section (appsettings.json, or environment
/// variables such as <c>VLO__Model__Path=/models/qwen3-vl-2b</c>), validated at start-up (every nested section too,
/// <see cref="VloOptionsValidation"/>) so bad configuration stops the process with the setting's name instead of
/// failing later. docs/CONFIGURATION.md lists them all; a test keeps it in step with these classes.
/// To add a setting: a property here with its default, a validation attribute and a one-line summary, a row in
/// docs/CONFIGURATION.md, then read it where needed.
/// </summary>
public sealed class VloOptions
{
    public const string SectionName = "VLO";

    /// <summary>The only folder the server writes to: the session store, and the demo model on first run.</summary>
    [Required]
    public string DataPath { get; set; } = "data";

    /// <summary>Where sessions live: <c>sqlite</c> (<c>{DataPath}/sessions.db</c>) or <c>memory</c> (nothing written; sessions lost on restart).</summary>
    [RegularExpression("^(sqlite|memory)$")] public string Store { get; set; } = "sqlite";

    /// <summary>When non-empty, every API call needs <c>Authorization: Bearer &lt;key&gt;</c>, and a session is visible only under the key that created it.</summary>
    public string[] ApiKeys { get; set; } = [];

    /// <summary>Which model is served (<c>VLO:Model:…</c>).</summary>
    public ModelSettings Model { get; set; } = new();

    /// <summary>The inference engine: slots, memory budgets, threads, devices (<c>VLO:Engine:…</c>).</summary>
    public EngineSettings Engine { get; set; } = new();

    /// <summary>Request size and answer length limits (<c>VLO:Limits:…</c>).</summary>
    public LimitSettings Limits { get; set; } = new();

    /// <summary>Chat sessions (<c>VLO:Sessions:…</c>).</summary>
    public SessionSettings Sessions { get; set; } = new();

    /// <summary>The OpenAI-compatible /v1 API (<c>VLO:OpenAi:…</c>).</summary>
    public OpenAiSettings OpenAi { get; set; } = new();

    /// <summary>The server's own log lines (<c>VLO:Logging:…</c>; levels are the standard <c>Logging:LogLevel:…</c>).</summary>
    public LoggingSettings Logging { get; set; } = new();

    /// <summary>Where the browser UI's files come from (<c>VLO:Web:…</c>).</summary>
    public WebSettings Web { get; set; } = new();

    /// <summary>The Orleans runtime this server hosts (<c>VLO:Orleans:…</c>): ports, cluster and service ids, the dashboard.</summary>
    public OrleansSettings Orleans { get; set; } = new();

    /// <summary>What this process is: <c>all</c> (model, silo and API in one), <c>model</c> (silo + model) or <c>web</c> (API as an Orleans client).</summary>
    [Required, RegularExpression(VLOrleans.Silo.Cluster.NodeRoles.Pattern)]
    public string Role { get; set; } = "all";

    /// <summary>Redis membership and the PostgreSQL session store of a cluster (<c>VLO:Cluster:…</c>).</summary>
    public Cluster.ClusterSettings Cluster { get; set; } = new();
}

/// <summary>The Orleans silo co-hosted with the server (<c>VLO:Orleans:…</c>).</summary>
public sealed class OrleansSettings
{
    /// <summary>Silo-to-silo port; 0 = a free port chosen at start-up (one node on localhost clustering needs no fixed one).</summary>
    [Range(0, 65535)] public int SiloPort { get; set; }

    /// <summary>Port for Orleans clients (web nodes, issue 18); 0 = a free port chosen at start-up.</summary>
    [Range(0, 65535)] public int GatewayPort { get; set; }

    /// <summary>The Orleans cluster id: silos and clients with the same id form one cluster.</summary>
    [Required] public string ClusterId { get; set; } = "vlorleans";

    /// <summary>The Orleans service id: stays the same across deployments of one service (keys its stored state).</summary>
    [Required] public string ServiceId { get; set; } = "vlorleans";

    /// <summary>The Orleans Dashboard at /dashboard (behind the API key when keys are configured).</summary>
    public bool DashboardEnabled { get; set; } = true;

    /// <summary>Longest wait for one grain call (an upload's encode, an answer stream's next tokens) before it fails;
    /// Orleans' own default, 30 s, is shorter than a busy CPU server's queue.</summary>
    [Range(5, 86_400)] public int ResponseTimeoutSeconds { get; set; } = 600;
}

public sealed class ModelSettings
{
    /// <summary>A model package folder; empty = the built-in demo model (a tiny random-weight Qwen3-VL built on first run under DataPath).</summary>
    public string Path { get; set; } = "";

    /// <summary>fp32, fp16, int8, int4 or w8a8 (onnx-community exports: q8, q4, …); empty = the most precise variant that fits <see cref="WeightMemoryBudgetBytes"/>.</summary>
    public string Variant { get; set; } = "";

    /// <summary>Bytes of weights the automatic variant choice may load (default 8 GiB).</summary>
    [Range(1, long.MaxValue)]
    public long WeightMemoryBudgetBytes { get; set; } = 8L << 30;
}

public sealed class EngineSettings
{
    /// <summary>KV cache slots, i.e. sequences decoded together; 0 = as many as <see cref="KvMemoryBudgetBytes"/> holds (at most 16).</summary>
    [Range(0, 256)] public int SlotCount { get; set; }

    /// <summary>Bytes of KV cache that decide the slot count when <see cref="SlotCount"/> is 0 (default 4 GiB).</summary>
    [Range(1, long.MaxValue)] public long KvMemoryBudgetBytes { get; set; } = 4L << 30;

    /// <summary>Longest prompt plus answer, in tokens, one slot holds.</summary>
    [Range(64, 262_144)] public int MaxSequenceLength { get; set; } = 4096;

    /// <summary>Requests that may wait for a slot; one more is refused with 429 queue_full.</summary>
    [Range(0, 100_000)] public int MaxWaitingRequests { get; set; } = 64;

    /// <summary>Prompt tokens prefilled per step, so a long prompt does not stall other sessions' decoding.</summary>
    [Range(16, 8192)] public int PrefillChunkTokens { get; set; } = 256;

    /// <summary>Bytes of image embeddings kept across sessions (same image = no second vision pass); 0 = no cache.</summary>
    [Range(0, long.MaxValue)] public long VisionCacheBytes { get; set; } = 512L << 20;

    /// <summary>false = a session's KV is not kept between its turns (benchmark baselines).</summary>
    public bool ReusePromptKv { get; set; } = true;

    /// <summary>Decode on the variant's decode-step graph when it has one (see EngineOptions.UseDecodeGraph).</summary>
    public bool UseDecodeGraph { get; set; } = true;

    /// <summary>Decode steps with more rows run on the prefill graph (see EngineOptions.DecodeGraphMaxRows).</summary>
    [Range(1, 1024)] public int DecodeGraphMaxRows { get; set; } = 7;

    /// <summary>ONNX Runtime intra-op threads of the decoder; 0 = one per core.</summary>
    [Range(0, 256)] public int DecoderThreads { get; set; }

    /// <summary>ONNX Runtime intra-op threads of the vision encoder; 0 = one per core.</summary>
    [Range(0, 256)] public int VisionThreads { get; set; }

    /// <summary>Threads decoding and resizing images; 0 = one per core.</summary>
    [Range(0, 256)] public int PreprocessingThreads { get; set; }

    /// <summary>cpu, cuda or cuda:N for decoder and vision together (VLO__Engine__Device=cuda:0); when set it overrides
    /// DecoderDevice, VisionDevice and CudaDeviceId. cuda needs the GPU build (-p:OnnxRuntimeFlavor=gpu).</summary>
    [RegularExpression("^(cpu|cuda(:[0-9]{1,2})?)$")] public string? Device { get; set; }

    /// <summary>cpu, cuda or cuda:N (cuda needs the GPU build: -p:OnnxRuntimeFlavor=gpu, or VLO_ORT_LIBRARY).</summary>
    [RegularExpression("^(cpu|cuda(:[0-9]{1,2})?)$")] public string DecoderDevice { get; set; } = "cpu";

    /// <summary>As DecoderDevice; may name another GPU than the decoder's.</summary>
    [RegularExpression("^(cpu|cuda(:[0-9]{1,2})?)$")] public string VisionDevice { get; set; } = "cpu";

    /// <summary>Which GPU the cuda devices use.</summary>
    [Range(0, 64)] public int CudaDeviceId { get; set; }
}

public sealed class LimitSettings
{
    /// <summary>Largest request body read (JSON with base64 images, or an upload), checked before reading it in full.</summary>
    [Range(1024, long.MaxValue)] public long MaxRequestBytes { get; set; } = 32L << 20;

    /// <summary>Largest encoded image accepted.</summary>
    [Range(1024, long.MaxValue)] public long MaxImageBytes { get; set; } = 20L << 20;

    /// <summary>Largest max_tokens a request may ask for.</summary>
    [Range(1, 1_000_000)] public int MaxAnswerTokens { get; set; } = 4096;

    /// <summary>Seconds a 429 tells the client to wait (Retry-After).</summary>
    [Range(1, 3600)] public int RetryAfterSeconds { get; set; } = 2;

    /// <summary>Seconds between <c>: keep-alive</c> comments on an SSE stream while no event is ready (e.g. the first token).</summary>
    [Range(1, 600)] public int SseKeepAliveSeconds { get; set; } = 5;

    /// <summary>With API keys: requests one key may have running at once (the rest wait in its queue).</summary>
    [Range(1, 100_000)] public int PerKeyConcurrentRequests { get; set; } = 8;

    /// <summary>With API keys: requests one key may have waiting for a running place; beyond it, 429 <c>rate_limited</c>.</summary>
    [Range(0, 100_000)] public int PerKeyQueuedRequests { get; set; } = 16;
}

public sealed class SessionSettings
{
    /// <summary>Most recent turns kept in the prompt (older turns leave it; their images are released unless still referenced).</summary>
    [Range(1, 1000)] public int RecentTurns { get; set; } = 8;

    /// <summary>An idle session grain is collected by Orleans after this long (its state stays in the store).</summary>
    [Range(1, 86_400)] public int IdleTimeoutSeconds { get; set; } = 600;

    /// <summary>false = a session lets go of its images' embeddings after each turn, so a follow-up re-encodes them
    /// unless the vision cache has them (benchmark baselines: with VisionCacheBytes = 0 nothing caches embeddings).</summary>
    public bool KeepImageEmbeddings { get; set; } = true;
}

public sealed class OpenAiSettings
{
    /// <summary>Hosts whose http(s) image URLs may be fetched; empty = only data: URLs are accepted.</summary>
    public string[] AllowedImageHosts { get; set; } = [];

    /// <summary>The model name /v1/models lists and responses carry.</summary>
    public string ModelName { get; set; } = "vlorleans";

    /// <summary>Other model names /v1/chat/completions accepts for the served model (any other name is 404 model_not_found).</summary>
    public string[] ModelAliases { get; set; } = [];
}

public sealed class LoggingSettings
{
    /// <summary>One log line per HTTP request: method, route, status, duration, session id, problem code (never prompt
    /// text or image bytes). Refusals log at Warning, server errors at Error, probes and static files at Debug.</summary>
    public bool Requests { get; set; } = true;
}

public sealed class WebSettings
{
    /// <summary>The folder holding the UI's index.html; empty = a <c>web/</c> folder beside the executable or above it.</summary>
    public string Path { get; set; } = "";

    /// <summary>The folder holding signalr.min.js; empty = <c>.deps/web/signalr/</c> beside the executable or above it.</summary>
    public string VendorPath { get; set; } = "";
}

/// <summary>Turns the validated settings into the engine's options.</summary>
public static class EngineOptionsMapping
{
    public static EngineOptions ToEngineOptions(this VloOptions options, string modelPath) => new()
    {
        ModelPath = modelPath,
        Variant = string.IsNullOrEmpty(options.Model.Variant) ? null : options.Model.Variant,
        WeightMemoryBudgetBytes = options.Model.WeightMemoryBudgetBytes,
        SlotCount = options.Engine.SlotCount,
        KvMemoryBudgetBytes = options.Engine.KvMemoryBudgetBytes,
        MaxSequenceLength = options.Engine.MaxSequenceLength,
        MaxWaitingRequests = options.Engine.MaxWaitingRequests,
        PrefillChunkTokens = options.Engine.PrefillChunkTokens,
        VisionCacheBytes = options.Engine.VisionCacheBytes,
        ReusePromptKv = options.Engine.ReusePromptKv,
        UseDecodeGraph = options.Engine.UseDecodeGraph,
        DecodeGraphMaxRows = options.Engine.DecodeGraphMaxRows,
        DecoderThreads = options.Engine.DecoderThreads,
        VisionThreads = options.Engine.VisionThreads,
        PreprocessingThreads = options.Engine.PreprocessingThreads,
        DecoderDevice = DecoderDevice(options.Engine).Provider,
        VisionDevice = VisionDevice(options.Engine).Provider,
        CudaDeviceId = DecoderDevice(options.Engine).IsCuda ? DecoderDevice(options.Engine).Index : options.Engine.CudaDeviceId,
        VisionCudaDeviceId = VisionDevice(options.Engine).IsCuda ? VisionDevice(options.Engine).Index : null,
        ImageLimits = new Engine.Imaging.ImageLimits { MaxEncodedBytes = options.Limits.MaxImageBytes },
    };

    private static Engine.Onnx.OnnxDevice DecoderDevice(EngineSettings engine) => Resolve(engine.Device ?? engine.DecoderDevice, engine.CudaDeviceId);

    private static Engine.Onnx.OnnxDevice VisionDevice(EngineSettings engine) => Resolve(engine.Device ?? engine.VisionDevice, engine.CudaDeviceId);

    // A bare "cuda" means the configured CudaDeviceId; "cuda:N" names the GPU itself.
    private static Engine.Onnx.OnnxDevice Resolve(string name, int cudaDeviceId) =>
        name == "cuda" ? new(Engine.Onnx.OnnxExecutionProvider.Cuda, cudaDeviceId) : Engine.Onnx.OnnxDevice.Parse(name);
}
