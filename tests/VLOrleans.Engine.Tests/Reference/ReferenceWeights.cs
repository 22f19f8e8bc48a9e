using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Safetensors;

namespace VLOrleans.Engine.Tests.Reference;

/// <summary>A checkpoint folder's config and tensors, widened to float32 (exact for bf16) and cached on first use.</summary>
public sealed class ReferenceWeights : IDisposable
{
    private readonly SafetensorsCheckpoint _checkpoint;
    private readonly Dictionary<string, float[]> _cache = new(StringComparer.Ordinal);

    public ReferenceWeights(string folder)
    {
        Config = QwenVlConfig.Load(folder);
        _checkpoint = SafetensorsCheckpoint.Open(folder);
    }

    public QwenVlConfig Config { get; }

    public float[] this[string name]
    {
        get
        {
            lock (_cache)
            {
                if (!_cache.TryGetValue(name, out var values)) _cache[name] = values = _checkpoint.ReadSingle(name);
                return values;
            }
        }
    }

    public bool Contains(string name) => _checkpoint.Contains(name);

    public void Dispose() => _checkpoint.Dispose();
}
