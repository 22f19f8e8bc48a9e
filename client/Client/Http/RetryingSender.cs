using System.Net;

namespace VLOrleans.Client.Http;

/// <summary>When repeating a request is safe.</summary>
internal enum RetrySafety
{
    /// <summary>Repeating changes nothing (GET, DELETE, an image upload — images are content-addressed, so a second
    /// upload of the same bytes updates the same row — or creating a session, where the worst case is an unused
    /// empty session): retry on connection failures, timeouts, 408/429/502/503/504.</summary>
    Idempotent,

    /// <summary>A question: retry only when the server refused it before starting (429 <c>queue_full</c>, 503
    /// <c>model_not_ready</c>). A connection failure might have started the turn, so it is not repeated.</summary>
    OnlyWhenRefused,
}

/// <summary>
/// Sends one logical request with retries and back-off: <c>Retry-After</c> when the server gives one (capped at
/// <see cref="VLOrleansClientOptions.MaxDelay"/>), else exponential from <see cref="VLOrleansClientOptions.BaseDelay"/>.
/// The request is rebuilt per attempt because an <see cref="HttpRequestMessage"/> cannot be sent twice.
/// </summary>
internal sealed class RetryingSender(HttpClient http, VLOrleansClientOptions options)
{
    public HttpClient Http => http;

    public VLOrleansClientOptions Options => options;

    /// <summary>Returns the first successful response (the caller owns it), or throws the typed error of the last failure.</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> makeRequest, RetrySafety safety,
        HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var canRetry = attempt < options.MaxRetries;
            HttpResponseMessage response;
            using (var request = makeRequest())
            {
                try
                {
                    response = await http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (canRetry && safety == RetrySafety.Idempotent && IsTransient(e, cancellationToken))
                {
                    await Task.Delay(Backoff(attempt, null), cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }
            if (response.IsSuccessStatusCode) return response;
            using (response)
            {
                var retryAfter = ProblemReader.RetryAfterOf(response.Headers);
                if (canRetry && IsRetryableStatus(response.StatusCode, safety) && (retryAfter is null || retryAfter <= options.MaxDelay))
                {
                    await Task.Delay(Backoff(attempt, retryAfter), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                throw await ProblemReader.ReadAsync(response, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>As <see cref="SendAsync"/>, then reads the JSON body as <typeparamref name="T"/>.</summary>
    public async Task<T> SendForJsonAsync<T>(Func<HttpRequestMessage> makeRequest, RetrySafety safety, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(makeRequest, safety, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await System.Text.Json.JsonSerializer.DeserializeAsync<T>(stream, cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? throw new VLOrleansException("invalid_response", $"The server answered {(int)response.StatusCode} with an empty body.", response.StatusCode);
    }

    private static bool IsRetryableStatus(HttpStatusCode status, RetrySafety safety) => safety switch
    {
        RetrySafety.OnlyWhenRefused => status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable,
        _ => status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
    };

    /// <summary>A refused connection or a timeout of HttpClient itself; never the caller's own cancellation.</summary>
    private static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } wait) return wait < options.MaxDelay ? wait : options.MaxDelay;
        var exponential = options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt) * (0.75 + 0.5 * Random.Shared.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Min(exponential, options.MaxDelay.TotalMilliseconds));
    }
}
