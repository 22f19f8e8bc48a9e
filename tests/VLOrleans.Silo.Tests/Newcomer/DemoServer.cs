namespace VLOrleans.Silo.Tests.Newcomer;

/// <summary>The real server with no model configured, i.e. serving its built-in demo model, as <c>make run</c> starts it.</summary>
public static class DemoServer
{
    /// <summary>A data folder whose demo model is already built: the tiny Qwen3-VL package the tests convert once (the
    /// same family, preset and fp32 weights the server's demo is made of), copied where the server builds its demo
    /// (data/models/demo-qwen3-vl-tiny), so a test does not convert it again.</summary>
    public static string NewDataFolder()
    {
        var data = TinyModelServer.NewDataFolder();
        var target = Path.Combine(data, "models", "demo-qwen3-vl-tiny");
        foreach (var file in Directory.GetFiles(TinyModelServer.PackageFolder, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(TinyModelServer.PackageFolder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        return data;
    }

    public static Task<ServerProcess> StartAsync(string dataFolder) => ServerProcess.StartAsync(new Dictionary<string, string>
    {
        ["VLO__DataPath"] = dataFolder,
        ["VLO__Engine__DecoderThreads"] = "1",
        ["VLO__Engine__VisionThreads"] = "1",
    });
}
