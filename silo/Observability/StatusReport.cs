using System.Diagnostics;
using System.Text.Json.Serialization;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Grains.Inference;
using VLOrleans.Grains.Sessions;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Observability;

/// <summary><c>GET /api/v1/status</c>: what this node runs and how full it is, for people and dashboards.</summary>
public sealed record StatusReport(
    [property: JsonPropertyName("ready")] bool Ready,
    [property: JsonPropertyName("load_error")] string? LoadError,
    [property: JsonPropertyName("uptime_seconds")] double UptimeSeconds,
    [property: JsonPropertyName("model")] ModelStatus? Model,
    [property: JsonPropertyName("device")] DeviceStatus Device,
    [property: JsonPropertyName("memory")] MemoryStatus Memory,
    [property: JsonPropertyName("vision_cache")] VisionCacheStatus? VisionCache,
    [property: JsonPropertyName("slots")] SlotStatus? Slots,
    [property: JsonPropertyName("queue")] QueueStatus? Queue,
    [property: JsonPropertyName("sessions_active")] int SessionsActive)
{
    /// <summary>Set when the server runs the built-in random-weight demo model: what that means and how to serve a real one.</summary>
    [JsonPropertyName("demo")]
    public DemoStatus? Demo { get; init; }

    /// <summary>Where sessions live (<c>VLO:Store</c>): <c>sqlite</c>, or <c>memory</c> — lost when the server stops.</summary>
    [JsonPropertyName("store")]
    public StoreStatus Store { get; init; } = new("sqlite", true, "");

    /// <summary>The cluster this node belongs to: its role and every model node (a single server lists itself).</summary>
    [JsonPropertyName("cluster")]
    public Cluster.ClusterStatus? Cluster { get; init; }

    public static StatusReport Build(InferenceGrain inference, ThroughputSampler throughput, VloOptions options, ActiveSessionCount sessions)
    {
        using var process = Process.GetCurrentProcess();
        var engine = inference.IsReady ? inference.Engine : null;
        var gc = GC.GetGCMemoryInfo();
        var memory = new MemoryStatus(process.WorkingSet64, GC.GetTotalMemory(false), gc.HeapSizeBytes, process.PrivateMemorySize64);
        var device = new DeviceStatus(options.Engine.DecoderDevice, options.Engine.VisionDevice, options.Engine.CudaDeviceId, Environment.ProcessorCount,
            engine?.Options.DecoderThreads ?? options.Engine.DecoderThreads, engine?.Options.VisionThreads ?? options.Engine.VisionThreads,
            engine?.Options.PreprocessingThreads ?? options.Engine.PreprocessingThreads,
            engine?.Placement is { } p ? $"cuda:{p.Device.Index} {p.Device.Name}, {p.Device.FreeBytes / 1e9:0.0} of {p.Device.TotalBytes / 1e9:0.0} GB free at load, driver {p.Device.DriverVersion}" : null,
            engine?.Placement?.Reason, Engine.Onnx.OrtTelemetry.Status);
        var uptime = (DateTime.Now - process.StartTime).TotalSeconds;
        var demo = DemoModel.IsServed(options) ? new DemoStatus(DemoModel.Note, DemoModel.RealModelCommand) : null;
        if (engine is null)
            return new StatusReport(false, inference.LoadError, uptime, null, device, memory, null, null, null, sessions.Read()) { Demo = demo, Store = StoreStatus.Of(options) };

        var worker = engine.Worker.Statistics;
        var cache = engine.VisionCache.Statistics;
        var configured = !string.IsNullOrEmpty(options.Model.Variant);
        var model = new ModelStatus(
            Path.GetFullPath(engine.Package.Folder), engine.Family.ToString(), engine.Variant,
            configured ? "configured (VLO:Model:Variant)" : $"automatic: the most precise variant whose files fit VLO:Model:WeightMemoryBudgetBytes = {options.Model.WeightMemoryBudgetBytes}",
            engine.Package.VariantNames.ToDictionary(v => v, v => VisionLanguageEngine.VariantBytes(engine.Package, v)),
            engine.Package.Manifest.Vision.DeepstackCount > 0, engine.Package.Manifest.Vision.DeepstackCount, DeepStackNote(engine),
            engine.Package.Manifest.Format, engine.Options.MaxSequenceLength, options.OpenAi.ModelName, engine.KvCacheType, engine.DecodeGraph);
        return new StatusReport(true, null, uptime, model, device, memory,
            new VisionCacheStatus(cache.Count, cache.Bytes, cache.CapacityBytes, cache.Hits, cache.Misses, cache.Evictions, engine.Vision.EncodeCount),
            new SlotStatus(worker.Slots.Slots, worker.Slots.Busy, worker.Slots.Resident, worker.Slots.Evictions, worker.Slots.ResidentHits),
            new QueueStatus(worker.Waiting, engine.Options.MaxWaitingRequests, worker.Steps, worker.TokensGenerated, worker.PromptTokensPrefilled, throughput.TokensPerSecond),
            sessions.Read()) { Demo = demo, Store = StoreStatus.Of(options) };
    }

    /// <summary>Why a Qwen3-VL model runs without DeepStack, when it does: the onnx-community / transformers.js export has no
    /// DeepStack outputs or decoder inputs, so the visual features of ViT blocks 5/11/17 never reach decoder layers 0–2.</summary>
    private static string? DeepStackNote(VisionLanguageEngine engine) =>
        engine.Family == VLOrleans.Engine.Models.QwenVlFamily.Qwen3Vl && engine.Package.Manifest.Vision.DeepstackCount == 0
            ? $"not available: the {engine.Package.Manifest.Format} layout's graphs have no DeepStack features, so Qwen3-VL answers without them (less accurate than the original model)"
            : null;
}

public sealed record DemoStatus(
    [property: JsonPropertyName("note")] string Note,
    [property: JsonPropertyName("real_model_command")] string RealModelCommand);

public sealed record ModelStatus(
    [property: JsonPropertyName("folder")] string Folder,
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("variant_choice")] string VariantChoice,
    [property: JsonPropertyName("variant_bytes")] IReadOnlyDictionary<string, long> VariantBytes,
    [property: JsonPropertyName("deepstack")] bool DeepStack,
    [property: JsonPropertyName("deepstack_layers")] int DeepStackLayers,
    [property: JsonPropertyName("deepstack_note")] string? DeepStackNote,
    [property: JsonPropertyName("layout")] string Layout,
    [property: JsonPropertyName("max_sequence_length")] int MaxSequenceLength,
    [property: JsonPropertyName("served_name")] string ServedName,
    [property: JsonPropertyName("kv_cache_type")] string KvCacheType,
    [property: JsonPropertyName("decode_graph")] string? DecodeGraph);

public sealed record DeviceStatus(
    [property: JsonPropertyName("decoder")] string Decoder,
    [property: JsonPropertyName("vision")] string Vision,
    [property: JsonPropertyName("cuda_device_id")] int CudaDeviceId,
    [property: JsonPropertyName("processor_count")] int ProcessorCount,
    [property: JsonPropertyName("decoder_threads")] int DecoderThreads,
    [property: JsonPropertyName("vision_threads")] int VisionThreads,
    [property: JsonPropertyName("preprocessing_threads")] int PreprocessingThreads,
    [property: JsonPropertyName("cuda_device")] string? CudaDevice,
    [property: JsonPropertyName("variant_reason")] string? VariantReason,
    [property: JsonPropertyName("onnxruntime_telemetry")] string OnnxRuntimeTelemetry);

public sealed record MemoryStatus(
    [property: JsonPropertyName("working_set_bytes")] long WorkingSetBytes,
    [property: JsonPropertyName("gc_allocated_bytes")] long GcAllocatedBytes,
    [property: JsonPropertyName("gc_heap_bytes")] long GcHeapBytes,
    [property: JsonPropertyName("private_bytes")] long PrivateBytes);

public sealed record VisionCacheStatus(
    [property: JsonPropertyName("entries")] int Entries,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("capacity_bytes")] long CapacityBytes,
    [property: JsonPropertyName("hits")] long Hits,
    [property: JsonPropertyName("misses")] long Misses,
    [property: JsonPropertyName("evictions")] long Evictions,
    [property: JsonPropertyName("encodes")] long Encodes);

public sealed record SlotStatus(
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("active")] int Active,
    [property: JsonPropertyName("resident")] int Resident,
    [property: JsonPropertyName("evictions")] long Evictions,
    [property: JsonPropertyName("resident_hits")] long ResidentHits);

public sealed record QueueStatus(
    [property: JsonPropertyName("waiting")] int Waiting,
    [property: JsonPropertyName("capacity")] int Capacity,
    [property: JsonPropertyName("steps")] long Steps,
    [property: JsonPropertyName("tokens_generated")] long TokensGenerated,
    [property: JsonPropertyName("prompt_tokens_prefilled")] long PromptTokensPrefilled,
    [property: JsonPropertyName("tokens_per_second")] double TokensPerSecond);

/// <summary>The session store: its kind, whether sessions survive a restart, and where they live, in words.</summary>
public sealed record StoreStatus(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("durable")] bool Durable,
    [property: JsonPropertyName("description")] string Description)
{
    public static StoreStatus Of(VloOptions options) =>
        new(StoreSelection.IsPostgres(options) ? "postgres" : StoreSelection.IsInMemory(options) ? StoreSelection.Memory : StoreSelection.Sqlite,
            !StoreSelection.IsInMemory(options) || StoreSelection.IsPostgres(options), StoreSelection.Describe(options));
}
