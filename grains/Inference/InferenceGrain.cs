using VLOrleans.Engine.Generation;

namespace VLOrleans.Grains.Inference;

/// <summary>
/// The node's inference worker as the rest of the server sees it: the one loaded engine (model, vision cache,
/// worker). The host attaches the engine once it has loaded (loading a model, or building the demo model on first
/// run, can take a while); until then <see cref="Engine"/> throws <see cref="ModelNotReadyException"/> (HTTP 503)
/// and <c>/readyz</c> says not ready. Thread-safe.
/// </summary>
public sealed class InferenceGrain : IAsyncDisposable
{
    private volatile VisionLanguageEngine? _engine;
    private volatile string? _loadError;

    public bool IsReady => _engine is { Worker.IsRunning: true };

    /// <summary>Why loading failed, for /readyz and the status endpoint; null while loading or when loaded.</summary>
    public string? LoadError => _loadError;

    public VisionLanguageEngine Engine => _engine ?? throw new ModelNotReadyException(_loadError);

    public void Attach(VisionLanguageEngine engine)
    {
        if (Interlocked.CompareExchange(ref _engine, engine, null) is not null)
            throw new InvalidOperationException("an engine is already attached");
    }

    public void ReportLoadFailure(string error) => _loadError = error;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _engine, null) is { } engine) await engine.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The model is still loading (or failed to load): HTTP 503, code <c>model_not_ready</c>.</summary>
public sealed class ModelNotReadyException(string? loadError)
    : Exception(loadError is null ? "The model is still loading; retry shortly." : $"The model failed to load: {loadError}")
{
    public string? LoadError { get; } = loadError;
}
