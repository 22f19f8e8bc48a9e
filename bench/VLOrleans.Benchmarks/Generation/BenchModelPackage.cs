namespace VLOrleans.Benchmarks.Generation;

/// <summary>
/// The 2B-shaped random-weight package <c>vl bench --preset 2b</c> makes and caches (int4 and fp32 variants), or the
/// folder named by <c>VLO_BENCH_MODEL</c>. Speed does not depend on weight values, so random weights measure it.
/// </summary>
public static class BenchModelPackage
{
    public static string Folder
    {
        get
        {
            var folder = Environment.GetEnvironmentVariable("VLO_BENCH_MODEL") ?? Path.Combine(BenchPaths.Root, "data", "bench-models", "2b", "package");
            if (!File.Exists(Path.Combine(folder, "onnx", "manifest.json")))
                throw new DirectoryNotFoundException($"no model package at {folder}: run `vl bench --preset 2b` once (it converts and caches it), or set VLO_BENCH_MODEL");
            return folder;
        }
    }
}
