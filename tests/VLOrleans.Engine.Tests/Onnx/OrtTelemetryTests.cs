using System.Diagnostics;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;
using VLOrleans.Engine.Tests.TestSupport;

namespace VLOrleans.Engine.Tests.Onnx;

/// <summary>
/// The official ONNX Runtime builds carry 1DS telemetry, on by default: at load they write /tmp/mat-debug-&lt;pid&gt;.log
/// and a device id plus an offline store under ~/.cache/Microsoft/DeveloperTools/.onnxruntime/. A fresh process loads
/// the library and runs a tiny model under strace; the trace must show the library loading (so the trace is real) and
/// none of those paths — with the telemetry switch the engine sets natively before the library loads.
/// </summary>
public sealed class OrtTelemetryTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vlo-telemetry-" + Guid.NewGuid().ToString("N"));

    public OrtTelemetryTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [StraceFact]
    public void ASessionLoadTouchesNoTelemetryFiles()
    {
        var strace = StraceFactAttribute.StracePath;

        var model = Path.Combine(_folder, "neg.onnx");
        File.WriteAllBytes(model, NegModel());
        var trace = Path.Combine(_folder, "trace.txt");
        var home = Path.Combine(_folder, "home"); // where ~/.cache would go, so a regression cannot write the real one
        Directory.CreateDirectory(home);

        var testAssembly = typeof(ChildProcessEntry).Assembly.Location;
        var start = new ProcessStartInfo(strace!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-f", "-qq", "-e", "trace=openat,open,creat,mkdir,mkdirat,rename,renameat,renameat2", "-o", trace,
                     DotnetHost(), "exec", testAssembly, ChildProcessEntry.SessionLoadCommand, model })
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["HOME"] = home;
        start.Environment.Remove(OrtTelemetry.OptInVariable);
        start.Environment.Remove(OrtTelemetry.DisableVariable); // the engine itself must set it, not the test's parent
        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        child.WaitForExit();
        Assert.True(child.ExitCode == 0, $"child exited {child.ExitCode}: {stdout.Result}{stderr.Result}");
        Assert.StartsWith("off:", stdout.Result.Trim());

        var lines = File.ReadAllLines(trace);
        Assert.Contains(lines, l => l.Contains("libonnxruntime.so\"", StringComparison.Ordinal) && !l.Contains("ENOENT", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("mat-debug", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("DeveloperTools", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(home, ".cache")), "ONNX Runtime created ~/.cache");
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
        : "dotnet";

    private static byte[] NegModel()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("x", OnnxElementType.Float, "n", 2);
        builder.AddOutput("y", OnnxElementType.Float, "n", 2);
        builder.AddNode("Neg", ["x"], ["y"]);
        return builder.ToBytes();
    }
}
