namespace VLOrleans.Silo.Hosting;

/// <summary>
/// The honest words about the built-in demo model, in one place for the status JSON, the startup log and the UI's
/// banner: with no <c>VLO:Model:Path</c> the server answers with a tiny random-weight Qwen3-VL (every step is real,
/// the answers are gibberish), and one command serves a real model instead.
/// </summary>
public static class DemoModel
{
    public const string Note = "Demo model: a tiny Qwen3-VL with random weights, so its answers are gibberish (every step of the pipeline is real).";

    /// <summary>The one command that serves a real model (README "Using a real model": convert a checkpoint once first).</summary>
    public const string RealModelCommand = "VLO__Model__Path=models/qwen3-vl-2b make run";

    /// <summary>True when the server serves the demo model (no model package configured).</summary>
    public static bool IsServed(VloOptions options) => string.IsNullOrEmpty(options.Model.Path);
}
