namespace VLOrleans.Engine.Models.TinyModels;

/// <summary>Finds the real Qwen tokenizer files (<c>make setup</c> puts them in <c>.deps/tokenizer-qwen3</c>) and copies them into a model folder.</summary>
public static class TinyModelTokenizer
{
    public static readonly string[] FileNames = ["tokenizer.json", "tokenizer_config.json"];

    /// <summary>The folder holding the tokenizer files: <paramref name="explicitFolder"/> if given, else the first
    /// <c>.deps/tokenizer-qwen3</c> above the program's folder or the current folder.</summary>
    public static string Locate(string? explicitFolder)
    {
        if (explicitFolder is not null)
        {
            RequireFiles(explicitFolder);
            return explicitFolder;
        }
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, ".deps", "tokenizer-qwen3");
                if (FileNames.All(f => File.Exists(Path.Combine(candidate, f)))) return candidate;
            }
        }
        throw new TinyModelException(TinyModelException.TokenizerMissing,
            $"the Qwen tokenizer (.deps/tokenizer-qwen3/{{{string.Join(",", FileNames)}}}) was not found above {AppContext.BaseDirectory}; run `make setup` or pass --tokenizer <dir>");
    }

    public static void CopyInto(string tokenizerFolder, string modelFolder)
    {
        foreach (var name in FileNames) File.Copy(Path.Combine(tokenizerFolder, name), Path.Combine(modelFolder, name), overwrite: true);
    }

    private static void RequireFiles(string folder)
    {
        var missing = FileNames.Where(f => !File.Exists(Path.Combine(folder, f))).ToArray();
        if (missing.Length > 0)
            throw new TinyModelException(TinyModelException.TokenizerMissing, $"{folder} lacks {string.Join(" and ", missing)}");
    }
}
