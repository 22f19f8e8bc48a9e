using VLOrleans.Engine.Models.Safetensors;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// How far a conversion is: <paramref name="Step"/> (embed_tokens, vision (w8a8), decoder (w8a8), …), checkpoint tensors
/// started out of all the conversion will read, the same in bytes (the basis for an ETA: time goes with bytes read and
/// converted), and bytes of graph files written so far.
/// </summary>
public sealed record ConversionProgress(string Step, int TensorsDone, int TensorCount, long SourceBytesDone, long SourceBytesTotal, long BytesWritten)
{
    /// <summary>0..1 of the conversion's reading done.</summary>
    public double Fraction => SourceBytesTotal <= 0 ? 0 : Math.Min(1, (double)SourceBytesDone / SourceBytesTotal);
}

/// <summary>
/// Counts checkpoint tensors as the graph builders first touch them (every access goes through
/// <see cref="CheckpointTensors.Info"/>) and reports a <see cref="ConversionProgress"/> on each new one. The work is
/// one pass over every tensor, plus a second pass over the text tensors when a decode-step graph is written.
/// Thread-safe: builders may read tensors from several threads.
/// </summary>
internal sealed class ConversionProgressTracker(IProgress<ConversionProgress>? progress, IReadOnlyCollection<SafetensorsTensorInfo> tensors, bool secondTextPass)
{
    private readonly object _gate = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly int _tensorCount = tensors.Count + (secondTextPass ? tensors.Count(t => !IsVision(t.Name)) : 0);
    private readonly long _bytesTotal = tensors.Sum(t => t.ByteLength) + (secondTextPass ? tensors.Where(t => !IsVision(t.Name)).Sum(t => t.ByteLength) : 0);
    private string _step = "";
    private string? _outputFolder;
    private int _tensorsDone;
    private long _bytesDone;

    /// <summary>A new step; <paramref name="newPass"/> = its tensors are read again (the decode-step graph).</summary>
    public void Step(string step, string outputFolder, bool newPass = false)
    {
        lock (_gate)
        {
            _step = step;
            _outputFolder = outputFolder;
            if (newPass) _seen.Clear();
            Report();
        }
    }

    /// <summary>The conversion is complete (some tensors may never be read, e.g. an untied lm_head's embedding in the
    /// decode-step pass, so the counts are set to their totals).</summary>
    public void Finish(string outputFolder)
    {
        lock (_gate)
        {
            _step = "done";
            _outputFolder = outputFolder;
            _tensorsDone = _tensorCount;
            _bytesDone = _bytesTotal;
            Report();
        }
    }

    public void Touched(SafetensorsTensorInfo info)
    {
        if (progress is null) return;
        lock (_gate)
        {
            if (!_seen.Add(info.Name)) return;
            _tensorsDone++;
            _bytesDone += info.ByteLength;
            Report();
        }
    }

    private void Report()
    {
        if (progress is null) return;
        progress.Report(new ConversionProgress(_step, Math.Min(_tensorsDone, _tensorCount), _tensorCount, Math.Min(_bytesDone, _bytesTotal), _bytesTotal, BytesIn(_outputFolder)));
    }

    private static long BytesIn(string? folder) =>
        folder is not null && Directory.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles().Sum(f => f.Length) : 0;

    private static bool IsVision(string name) => name.StartsWith("model.visual.", StringComparison.Ordinal) || name.StartsWith("visual.", StringComparison.Ordinal);
}
