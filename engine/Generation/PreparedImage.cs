using VLOrleans.Engine.Generation.Vision;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Generation;

/// <summary>
/// An image ready to be asked about: what the decoder learned about it, its patch grid, and its embeddings (from
/// the cache, or encoded once). Immutable; a session keeps it for follow-up questions.
/// </summary>
public sealed record PreparedImage(ImageFacts Facts, GridThw Grid, VisionEmbeddings Embeddings, bool WasCached)
{
    /// <summary>Tag put on this image's pad tokens so KV reuse distinguishes photos (first 8 bytes of the pixel hash).</summary>
    public ulong Tag => Convert.ToUInt64(Facts.ContentHash[..16], 16);
}
