using System.Diagnostics;
using Microsoft.Extensions.Options;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.TinyModels;
using VLOrleans.Grains.Inference;

namespace VLOrleans.Silo.Hosting;

/// <summary>
/// Loads the model in the background at start-up and attaches it to the <see cref="InferenceGrain"/>, so the
/// process answers /healthz at once and /readyz once the model is loaded. With no model configured it builds the
/// demo model — a tiny random-weight Qwen3-VL (make-tiny-model + convert) — under the data folder on first run and
/// reuses it afterwards, so a fresh machine serves within a minute.
/// </summary>
public sealed partial class EngineHostedService(IOptions<VloOptions> options, InferenceGrain inference, ILogger<EngineHostedService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            var settings = options.Value;
            var clock = Stopwatch.StartNew();
            var modelPath = string.IsNullOrEmpty(settings.Model.Path) ? EnsureDemoModel(settings.DataPath) : settings.Model.Path;
            var engine = VisionLanguageEngine.Load(settings.ToEngineOptions(modelPath));
            inference.Attach(engine);
            LogLoaded(logger, engine.Package.Folder, engine.Family, engine.Variant, engine.SlotCount, clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is ModelLoadException or IOException or InvalidOperationException or ArgumentException or Engine.Onnx.OnnxRuntimeException
            or Engine.Onnx.OnnxRuntimeNotFoundException or Engine.Onnx.ExecutionProviderUnavailableException)
        {
            inference.ReportLoadFailure(e.Message);
            LogLoadFailed(logger, e.Message);
        }
    }, stoppingToken);

    /// <summary>The demo model's package folder under <paramref name="dataPath"/>, built once (seconds) and cached.</summary>
    public static string EnsureDemoModel(string dataPath)
    {
        var root = Path.Combine(Path.GetFullPath(dataPath), "models");
        var package = Path.Combine(root, "demo-qwen3-vl-tiny");
        if (File.Exists(Path.Combine(package, "onnx", "manifest.json"))) return package;
        var checkpoint = Path.Combine(root, "demo-qwen3-vl-tiny-hf");
        TinyModelMaker.Write(QwenVlFamily.Qwen3Vl, TinyModelPreset.Tiny, checkpoint);
        ModelConverter.Convert(checkpoint, package, new ConversionOptions { Weights = WeightFormat.Fp32 });
        return package;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await inference.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Folder} loaded ({Family}, {Variant}, {Slots} KV slots) in {Seconds:F1} s")]
    private static partial void LogLoaded(ILogger logger, string folder, QwenVlFamily family, string variant, int slots, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model failed to load: {Error}")]
    private static partial void LogLoadFailed(ILogger logger, string error);
}
