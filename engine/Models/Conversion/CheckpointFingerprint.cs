using System.Security.Cryptography;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// Identifies the checkpoint a package was converted from, so a second <c>vl convert</c> into the same folder can tell
/// "another variant of the same model" (allowed) from "a different model, e.g. another fine-tune with the same shapes"
/// (refused: its graphs would not match the shared embedding table). SHA-256 over config.json and, per weights file
/// (sorted by name), its name, length and first and last MiB — cheap (a few MiB read) and different for any two
/// fine-tunes in practice, since the header and the first tensors' values are in the first MiB.
/// </summary>
public static class CheckpointFingerprint
{
    private const int SampleBytes = 1 << 20;

    public static string Compute(string folder)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(Path.Combine(folder, "config.json")));
        var buffer = new byte[SampleBytes];
        foreach (var path in Directory.GetFiles(folder, "*.safetensors").Order(StringComparer.Ordinal))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{Path.GetFileName(path)}:{stream.Length};"));
            hash.AppendData(buffer, 0, stream.ReadAtLeast(buffer, SampleBytes, throwOnEndOfStream: false));
            if (stream.Length > 2 * SampleBytes)
            {
                stream.Seek(-SampleBytes, SeekOrigin.End);
                hash.AppendData(buffer, 0, stream.ReadAtLeast(buffer, SampleBytes, throwOnEndOfStream: false));
            }
        }
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
