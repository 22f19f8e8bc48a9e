using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Tests.TestSupport;

/// <summary>
/// The test assembly's entry point, for tests that need a fresh process (a process-wide library loaded from scratch,
/// traced with strace): <c>dotnet exec VLOrleans.Engine.Tests.dll &lt;command&gt; …</c>. Under the test runner it is
/// never called.
/// </summary>
public static class ChildProcessEntry
{
    /// <summary>Loads <c>args[1]</c> (a model taking float x[n,2] to y) and runs it once; exit 0 when y = −x.</summary>
    public const string SessionLoadCommand = "ort-session-load";

    public static int Main(string[] args)
    {
        if (args is not [SessionLoadCommand, var modelPath]) return 64; // EX_USAGE
        using var session = OnnxSession.Load(modelPath, new OnnxSessionOptions { IntraOpThreadCount = 1 });
        using var x = OnnxValue.CreateTensor(new float[] { 1, -2 }, 1, 2);
        using var y = session.Run(["x"], [x], "y")[0];
        Console.WriteLine(OrtTelemetry.Status);
        return y.ToArray<float>() is [-1f, 2f] ? 0 : 1;
    }
}
