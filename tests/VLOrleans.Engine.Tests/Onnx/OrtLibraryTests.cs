using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Tests.TestSupport;

namespace VLOrleans.Engine.Tests.Onnx;

/// <summary>Finding and checking the native library; the expected version is what `make setup` recorded.</summary>
public sealed class OrtLibraryTests
{
    [Fact]
    public void LoadedLibraryIsTheOneSetupInstalled()
    {
        var recorded = File.ReadAllText(Path.Combine(RepoPaths.Deps, "onnxruntime", "VERSION")).Trim();
        Assert.Equal(recorded, OrtLibrary.Version);
        Assert.Equal("1.30.0", OrtLibrary.Version);
        if (Environment.GetEnvironmentVariable(OrtLibrary.EnvironmentVariable) is null or "")
        {
            Assert.Equal(Path.Combine(RepoPaths.Deps, "onnxruntime", OrtLibrary.FileName), OrtLibrary.LoadedPath);
        }
    }

    [Fact]
    public void CpuProviderIsAvailable() =>
        Assert.Contains("CPUExecutionProvider", OrtLibrary.GetAvailableProviders());

    [Fact]
    public void TryLoadAcceptsTheRealLibrary()
    {
        var path = Path.Combine(RepoPaths.Deps, "onnxruntime", OrtLibrary.FileName);
        Assert.True(OrtLibrary.TryLoad(path, out var version, out var error), error);
        Assert.Equal("1.30.0", version);
    }

    [Fact]
    public void TryLoadRejectsBogusPathsWithAReason()
    {
        Assert.False(OrtLibrary.TryLoad("/nonexistent/libonnxruntime.so.1", out _, out var missing));
        Assert.Contains("cannot be loaded", missing);

        // A real shared library that is not ONNX Runtime.
        var libc = new[] { "/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/usr/lib/libc.so.6" }.FirstOrDefault(File.Exists);
        if (libc is not null)
        {
            Assert.False(OrtLibrary.TryLoad(libc, out _, out var notOrt));
            Assert.Contains("no OrtGetApiBase", notOrt);
        }
        Assert.Equal("1.30.0", OrtLibrary.Version); // the process-wide library is unaffected
    }

    [Fact]
    public void MissingLibraryNamesEveryPathTriedAndMakeSetup()
    {
        var textFile = Path.Combine(RepoPaths.Root, "VLOrleans.sln"); // exists, but is no library
        var ex = Assert.Throws<OnnxRuntimeNotFoundException>(() => OrtLibrary.LoadFirst(["/nonexistent/a/libonnxruntime.so.1", textFile]));
        Assert.Equal(2, ex.Attempts.Count);
        Assert.Contains("/nonexistent/a/libonnxruntime.so.1: no such file", ex.Message);
        Assert.Contains(textFile + ": cannot be loaded", ex.Message);
        Assert.Contains("make setup", ex.Message);
        Assert.Contains(OrtLibrary.EnvironmentVariable, ex.Message);
    }

    [Fact]
    public void CandidateOrderIsBaseDirectoryThenDepsThenSystem()
    {
        if (Environment.GetEnvironmentVariable(OrtLibrary.EnvironmentVariable) is not (null or "")) return; // explicit path: the only candidate
        var candidates = OrtLibrary.CandidatePaths();
        Assert.Equal(
            [Path.Combine(AppContext.BaseDirectory, OrtLibrary.FileName), Path.Combine(RepoPaths.Deps, "onnxruntime", OrtLibrary.FileName), OrtLibrary.FileName],
            candidates);
    }
}
