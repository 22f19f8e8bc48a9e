using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;

namespace VLOrleans.Grains.Sessions;

/// <summary>Turns what the engine learned about an image into what the API shows.</summary>
internal static class ImageViews
{
    public static ImageView From(PreparedImage image, string? fileName)
    {
        var facts = image.Facts;
        var camera = string.Join(' ', new[] { facts.CameraMake, facts.CameraModel }.Where(s => !string.IsNullOrWhiteSpace(s)));
        return new ImageView(facts.ContentHash, facts.Format.ToString().ToLowerInvariant(), facts.OriginalWidth, facts.OriginalHeight,
            facts.EncodedBytes, facts.Orientation, facts.HadAlpha, camera.Length == 0 ? null : camera, facts.DateTimeOriginal,
            image.Embeddings.TokenCount, fileName);
    }
}
