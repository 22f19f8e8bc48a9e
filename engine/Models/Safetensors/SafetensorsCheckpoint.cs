using System.Text.Json;

namespace VLOrleans.Engine.Models.Safetensors;

/// <summary>
/// A Hugging Face checkpoint's weights: one <c>model.safetensors</c>, or shards listed by
/// <c>model.safetensors.index.json</c> (<c>{"weight_map": {tensor: shard file}}</c>). Tensor names map to
/// the file holding them; every shard is memory-mapped, nothing is read until asked for.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _owner;

    private SafetensorsCheckpoint(List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> owner)
    {
        _files = files;
        _owner = owner;
    }

    public IEnumerable<string> TensorNames => _owner.Keys;

    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>Opens a checkpoint folder (index or single file) or a single .safetensors path.</summary>
    public static SafetensorsCheckpoint Open(string path)
    {
        if (File.Exists(path)) return FromFiles([path]);
        if (!Directory.Exists(path)) throw new ModelLoadException($"{path}: no such checkpoint file or folder");
        var index = Path.Combine(path, IndexFileName);
        if (File.Exists(index)) return FromIndex(path, index);
        var single = Path.Combine(path, SingleFileName);
        if (File.Exists(single)) return FromFiles([single]);
        var any = Directory.GetFiles(path, "*.safetensors").Order(StringComparer.Ordinal).ToArray();
        if (any.Length == 0) throw new ModelLoadException($"{path}: no {IndexFileName}, {SingleFileName} or other .safetensors file");
        return FromFiles(any);
    }

    private static SafetensorsCheckpoint FromIndex(string folder, string indexPath)
    {
        HashSet<string> shardNames;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            shardNames = document.RootElement.GetProperty("weight_map").EnumerateObject()
                .Select(p => p.Value.GetString() ?? throw new ModelLoadException($"{indexPath}: weight_map entry '{p.Name}' is not a file name"))
                .ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ModelLoadException($"{indexPath}: not a valid safetensors index ({e.Message})", e);
        }
        foreach (var shard in shardNames)
        {
            // The index comes from a download; never let it point outside the checkpoint folder.
            if (shard.Contains('/') || shard.Contains('\\') || shard is "." or "..")
                throw new ModelLoadException($"{indexPath}: shard name '{shard}' must be a plain file name");
        }
        return FromFiles(shardNames.Order(StringComparer.Ordinal).Select(s => Path.Combine(folder, s)).ToArray());
    }

    private static SafetensorsCheckpoint FromFiles(string[] paths)
    {
        var files = new List<SafetensorsFile>();
        var owner = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var path in paths)
            {
                if (!File.Exists(path)) throw new ModelLoadException($"{path}: shard listed by the index is missing");
                var file = SafetensorsFile.Open(path);
                files.Add(file);
                foreach (var info in file.Tensors)
                {
                    if (!owner.TryAdd(info.Name, file))
                        throw new ModelLoadException($"tensor '{info.Name}' appears in both {owner[info.Name].Path} and {path}");
                }
            }
        }
        catch
        {
            foreach (var file in files) file.Dispose();
            throw;
        }
        return new SafetensorsCheckpoint(files, owner);
    }

    public bool Contains(string name) => _owner.ContainsKey(name);

    public SafetensorsFile FileOf(string name) =>
        _owner.TryGetValue(name, out var file) ? file : throw new ModelLoadException($"checkpoint has no tensor named '{name}'");

    public SafetensorsTensorInfo GetInfo(string name) => FileOf(name).GetInfo(name);

    public float[] ReadSingle(string name) => FileOf(name).ReadSingle(name);

    public void Dispose()
    {
        foreach (var file in _files) file.Dispose();
    }
}
