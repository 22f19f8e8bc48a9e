using System.Xml.Linq;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Tests.TestSupport;

namespace VLOrleans.Engine.Tests.Onnx;

/// <summary>Finding and checking the native library; the expected version is the one Directory.Packages.props pins.</summary>
public sealed class OrtLibraryTests
{
    /// <summary>The Microsoft.ML.OnnxRuntime version the repository asks NuGet for (not what the code under test reports).</summary>
    private static string PinnedVersion() =>
        XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "Microsoft.ML.OnnxRuntime").Attribute("Version")!.Value;

    [Fact]
    public void LoadedLibraryIsTheNuGetPackagesNativeAsset()
    {
        Assert.Equal(PinnedVersion(), OrtLibrary.Version);
        if (Environment.GetEnvironmentVariable(OrtLibrary.EnvironmentVariable) is null or "")
        {
            // deps.json maps the package's runtimes/<rid>/native/libonnxruntime.so into the test output folder.
            Assert.EndsWith("/native/" + OrtLibrary.FileName, OrtLibrary.LoadedPath);
            Assert.True(File.Exists(OrtLibrary.LoadedPath), OrtLibrary.LoadedPath);
        }
    }

    [Fact]
    public void CpuProviderIsAvailable() =>
        Assert.Contains("CPUExecutionProvider", OrtLibrary.GetAvailableProviders());

    [Fact]
    public void TryLoadAcceptsTheRealLibrary()
    {
        Assert.True(OrtLibrary.TryLoad(OrtLibrary.LoadedPath, out var version, out var error), error);
        Assert.Equal(PinnedVersion(), version);
    }

    [Fact]
    public void TryLoadRejectsBogusPathsWithAReason()
    {
        Assert.False(OrtLibrary.TryLoad("/nonexistent/libonnxruntime.so", out _, out var missing));
        Assert.Contains("cannot be loaded", missing);

        // A real shared library that is not ONNX Runtime.
        var libc = new[] { "/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/usr/lib/libc.so.6" }.FirstOrDefault(File.Exists);
        if (libc is not null)
        {
            Assert.False(OrtLibrary.TryLoad(libc, out _, out var notOrt));
            Assert.Contains("no OrtGetApiBase", notOrt);
        }
        Assert.Equal(PinnedVersion(), OrtLibrary.Version); // the process-wide library is unaffected
    }

    [Fact]
    public void MissingLibraryNamesEveryPathTriedAndTheRemedy()
    {
        var textFile = Path.Combine(RepoPaths.Root, "VLOrleans.sln"); // exists, but is no library
        var ex = Assert.Throws<OnnxRuntimeNotFoundException>(() => OrtLibrary.LoadFirst(["/nonexistent/a/libonnxruntime.so", textFile]));
        Assert.Equal(2, ex.Attempts.Count);
        Assert.Contains("/nonexistent/a/libonnxruntime.so: no such file", ex.Message);
        Assert.Contains(textFile + ": cannot be loaded", ex.Message);
        Assert.Contains("Microsoft.ML.OnnxRuntime", ex.Message);
        Assert.Contains(OrtLibrary.EnvironmentVariable, ex.Message);
    }

    [Fact]
    public void CandidateOrderIsThePackageThenTheBaseDirectory()
    {
        if (Environment.GetEnvironmentVariable(OrtLibrary.EnvironmentVariable) is not (null or "")) return; // explicit path: the only candidate
        Assert.Equal([OrtLibrary.PackageCandidate, Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so")], OrtLibrary.CandidatePaths());
    }

    [Fact]
    public void NoOnnxRuntimeComesFromNpmAnyMore()
    {
        var setup = File.ReadAllText(Path.Combine(RepoPaths.Root, "scripts", "setup.sh"));
        Assert.DoesNotContain("onnxruntime-node", setup);
    }
}
