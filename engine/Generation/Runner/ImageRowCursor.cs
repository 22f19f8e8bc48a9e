using VLOrleans.Engine.Generation.Vision;

namespace VLOrleans.Engine.Generation.Runner;

/// <summary>
/// Walks the image-feature rows that fill a prompt's <c>&lt;|image_pad|&gt;</c> positions: the k-th pad token of the
/// prompt takes row k of the concatenation of its images' features, in order (transformers' masked_scatter). A
/// prefill chunk that starts inside an image starts the cursor at the pads before it.
/// </summary>
internal struct ImageRowCursor
{
    private readonly IReadOnlyList<VisionEmbeddings> _images;
    private int _image;
    private int _row;

    public ImageRowCursor(IReadOnlyList<VisionEmbeddings> images, int padsBefore)
    {
        _images = images;
        _image = 0;
        _row = padsBefore;
        Normalize();
    }

    /// <summary>The current pad token's image and row; advances to the next.</summary>
    public (VisionEmbeddings Image, int Row) Next()
    {
        if (_image >= _images.Count)
            throw new InvalidOperationException("the prompt has more image tokens than its images have feature rows");
        var current = (_images[_image], _row);
        _row++;
        Normalize();
        return current;
    }

    private void Normalize()
    {
        while (_image < _images.Count && _row >= _images[_image].TokenCount)
        {
            _row -= _images[_image].TokenCount;
            _image++;
        }
    }
}
