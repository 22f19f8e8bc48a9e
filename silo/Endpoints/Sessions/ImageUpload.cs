using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using VLOrleans.Silo.Errors;

namespace VLOrleans.Silo.Endpoints.Sessions;

/// <summary>
/// Reads an uploaded image — a multipart form's first file, or the raw body — never holding more than the limit:
/// a declared Content-Length over the limit is refused before a byte is read, and the read itself stops at the
/// limit (chunked bodies have no length to check). Multipart framing gets 64 KiB of slack over the image limit.
/// </summary>
internal static class ImageUpload
{
    private const long MultipartSlackBytes = 64 << 10;

    public static async Task<(byte[] Bytes, string? FileName)> ReadAsync(HttpRequest request, long maxImageBytes, CancellationToken cancellationToken)
    {
        var isMultipart = request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true;
        var maxBody = maxImageBytes + (isMultipart ? MultipartSlackBytes : 0);
        if (request.ContentLength > maxBody) throw TooLarge(maxImageBytes);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBody;
        if (!isMultipart) return (await ReadCappedAsync(request.Body, maxImageBytes, cancellationToken).ConfigureAwait(false), null);

        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) throw RequestRejectedException.Invalid("multipart/form-data without a boundary.");
        var reader = new MultipartReader(boundary, request.Body);
        while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition()) continue;
            var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
            return (await ReadCappedAsync(section.Body, maxImageBytes, cancellationToken).ConfigureAwait(false), string.IsNullOrEmpty(fileName) ? null : fileName);
        }
        throw RequestRejectedException.Invalid("The multipart form has no file part; send the image as a file field (or as the raw body).");
    }

    private static async Task<byte[]> ReadCappedAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw TooLarge(maxBytes);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static BadHttpRequestException TooLarge(long maxBytes) =>
        new($"The image is larger than the limit of {maxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
}
