using System.Buffers;
using System.Text.Json;
using VLOrleans.Silo.Errors;

namespace VLOrleans.Silo.Endpoints;

/// <summary>
/// Reads a JSON request body with a byte cap, refusing it (413, <c>body_too_large</c>) before it is read in full:
/// a declared Content-Length over the cap is refused without reading a byte, and a chunked body is counted as it
/// arrives. Kestrel's <c>MaxRequestBodySize</c> enforces the same cap underneath; this makes the failure ours
/// (a clear message) and bounds the buffer we allocate.
/// </summary>
public static class BoundedJson
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, long maxBytes, JsonSerializerOptions? options, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared && declared > maxBytes) throw TooLarge(declared, maxBytes);
        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is { } n ? (int)Math.Max(n, 1) : 16 * 1024);
        while (true)
        {
            var span = buffer.GetMemory(64 * 1024);
            var read = await request.Body.ReadAsync(span, cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes) throw TooLarge(null, maxBytes);
        }
        if (buffer.WrittenCount == 0) throw RequestRejectedException.Invalid("The request body is empty; send a JSON object.");
        JsonStringCheck.EnsureValid(buffer.WrittenSpan);
        try
        {
            return JsonSerializer.Deserialize<T>(buffer.WrittenSpan, options) ?? throw RequestRejectedException.Invalid("The request body is JSON null; send a JSON object.");
        }
        catch (JsonException e)
        {
            throw JsonFieldErrors.Rejected(e, buffer.WrittenSpan); // the field as the client wrote it, never a .NET type
        }
    }

    private static BadHttpRequestException TooLarge(long? declared, long maxBytes) => new(
        declared is { } d
            ? $"The request body has {d} bytes; this server accepts at most {maxBytes} (VLO:Limits:MaxRequestBytes)."
            : $"The request body exceeds {maxBytes} bytes (VLO:Limits:MaxRequestBytes).",
        StatusCodes.Status413PayloadTooLarge);
}
