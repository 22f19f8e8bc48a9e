using Microsoft.Extensions.Options;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Endpoints.OpenAi;

/// <summary>
/// Turns an OpenAI <c>image_url</c> into bytes. Data URLs (<c>data:image/…;base64,…</c>) are decoded in place.
/// http(s) URLs are refused unless their host is in <c>VLO:OpenAi:AllowedImageHosts</c> — fetching arbitrary URLs
/// would let any client make the server call into its own network — and an allowed one is fetched with a 10 s
/// timeout and the image size cap (<c>VLO:Limits:MaxImageBytes</c>) checked while reading.
/// </summary>
public sealed class ImageUrlLoader(IOptions<VloOptions> options, IHttpClientFactory httpClients)
{
    public const string HttpClientName = "image-url";
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);

    private readonly HashSet<string> _allowedHosts = options.Value.OpenAi.AllowedImageHosts.ToHashSet(StringComparer.OrdinalIgnoreCase);
    private readonly long _maxImageBytes = options.Value.Limits.MaxImageBytes;

    public async Task<byte[]> LoadAsync(string url, string param, CancellationToken cancellationToken)
    {
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase)) return DecodeDataUrl(url, param);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, IntakeCodes.InvalidImageUrl,
                "image_url must be a data URL (data:image/png;base64,…) or an http(s) URL.", param);
        if (!_allowedHosts.Contains(uri.Host))
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, IntakeCodes.ImageUrlNotAllowed,
                $"This server does not fetch images from {uri.Host}: send the image inline as a base64 data URL (data:image/jpeg;base64,…), or ask the operator to add the host to VLO:OpenAi:AllowedImageHosts.", param);
        return await FetchAsync(uri, param, cancellationToken).ConfigureAwait(false);
    }

    private static byte[] DecodeDataUrl(string url, string param)
    {
        // data:[<mediatype>][;base64],<data> — only base64 images make sense here.
        var comma = url.IndexOf(',', StringComparison.Ordinal);
        var header = comma < 0 ? "" : url[5..comma];
        if (comma < 0 || !header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, IntakeCodes.InvalidImageUrl,
                "image_url data URLs must be base64: data:image/<type>;base64,<data>.", param);
        try
        {
            return Convert.FromBase64String(url[(comma + 1)..]);
        }
        catch (FormatException)
        {
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, IntakeCodes.InvalidImageUrl, "image_url: the data after 'base64,' is not valid base64.", param);
        }
    }

    private async Task<byte[]> FetchAsync(Uri uri, string param, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FetchTimeout);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw FetchFailed(uri, $"it answered HTTP {(int)response.StatusCode}", param);
            if (response.Content.Headers.ContentLength > _maxImageBytes) throw FetchFailed(uri, $"the image has more than {_maxImageBytes} bytes", param);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            using var copy = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, timeout.Token).ConfigureAwait(false)) > 0)
            {
                copy.Write(buffer, 0, read);
                if (copy.Length > _maxImageBytes) throw FetchFailed(uri, $"the image has more than {_maxImageBytes} bytes", param);
            }
            return copy.ToArray();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw FetchFailed(uri, $"no answer within {FetchTimeout.TotalSeconds:F0} s", param);
        }
        catch (HttpRequestException e)
        {
            throw FetchFailed(uri, e.Message, param);
        }
    }

    private static RequestRejectedException FetchFailed(Uri uri, string why, string param) =>
        new(StatusCodes.Status400BadRequest, IntakeCodes.ImageFetchFailed, $"Could not fetch the image at {uri}: {why}.", param);
}
