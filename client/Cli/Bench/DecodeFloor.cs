using VLOrleans.Engine.Models.Package;

namespace VLOrleans.Cli.Bench;

/// <summary>
/// The bandwidth floor of decode: one decode step reads every decoder weight once (the embedding table is a separate
/// graph, gathered one row per token, so it is not counted), so a step cannot take less than decoder bytes ÷ read
/// bandwidth, however many sequences share it. Compared with the measured time per output token (p50), which for a
/// batched configuration is the time of one step shared by all its sequences.
/// </summary>
public sealed record DecodeFloor(string Key, string Variant, double DecoderMegabytes, double FloorStepMilliseconds, double FloorTokensPerSecondSingleStream,
    double MeasuredTimePerOutputTokenMilliseconds, double ShareOfFloor)
{
    public static DecodeFloor Of(ConfigurationResult result, ModelPackage package, double readGigabytesPerSecond)
    {
        var graph = package.DecoderPath(result.Variant);
        var bytes = new FileInfo(graph).Length + (File.Exists(graph + ".data") ? new FileInfo(graph + ".data").Length : 0);
        var stepSeconds = bytes / (readGigabytesPerSecond * 1e9);
        var measured = result.TimePerOutputTokenP50;
        return new DecodeFloor(result.Key, result.Variant, bytes / 1e6, stepSeconds * 1000, 1 / stepSeconds, measured * 1000, stepSeconds / measured);
    }

}
