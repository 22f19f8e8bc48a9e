using System.Text.Json;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Tests.Onnx;

/// <summary>
/// <see cref="OnnxSessionOptions.ProfileFilePrefix"/> reaches ORT's EnableProfiling (OrtApi entry 14): disposing the
/// session leaves a Chrome-trace JSON named "{prefix}_{date}.json" whose node events name the op that ran — what
/// tools/perf/ort_profile_summary.py reads.
/// </summary>
public sealed class ProfilingTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vlo-profile-" + Guid.NewGuid().ToString("N"));

    public ProfilingTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void DisposingAProfiledSessionWritesItsNodeTimes()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("x", OnnxElementType.Float, "n", 2);
        builder.AddOutput("y", OnnxElementType.Float, "n", 2);
        builder.AddNode("Neg", ["x"], ["y"]);
        var prefix = Path.Combine(_folder, "neg");
        using (var session = OnnxSession.Load(builder.ToBytes(), new OnnxSessionOptions { IntraOpThreadCount = 1, ProfileFilePrefix = prefix }))
        {
            using var input = OnnxValue.CreateTensor(new float[] { 1, -2 }, 1, 2);
            using var output = session.Run(["x"], [input], "y")[0];
            Assert.Equal([-1f, 2f], output.ToArray<float>());
        }
        var file = Assert.Single(Directory.GetFiles(_folder, "neg_*.json"));
        using var trace = JsonDocument.Parse(File.ReadAllText(file));
        var ops = trace.RootElement.EnumerateArray()
            .Where(e => e.TryGetProperty("cat", out var cat) && cat.GetString() == "Node")
            .Select(e => e.GetProperty("args").GetProperty("op_name").GetString())
            .ToHashSet();
        Assert.Contains("Neg", ops);
    }
}
