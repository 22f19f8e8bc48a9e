using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace VLOrleans.Silo.Streaming;

/// <summary>
/// A Server-Sent Events response that commits its headers at once and keeps an idle connection alive: the status,
/// <c>text/event-stream</c> and the no-cache headers are flushed before the first event is awaited, and while no
/// event is ready (a long prefill before the first token) a <c>: keep-alive</c> comment goes out every
/// <see cref="KeepAlive"/> — without both, proxies and clients that wait seconds for a first byte give up on a slow
/// CPU answer. Comments are ignored by every SSE parser. Owns <see cref="Frames"/>: disposing the response's
/// enumeration (the client went away, the request was aborted) disposes it, which cancels the generation upstream.
/// </summary>
public sealed class SseResult(IAsyncEnumerable<SseFrame> frames, TimeSpan keepAlive) : IResult
{
    private static ReadOnlySpan<byte> KeepAliveComment => ": keep-alive\n\n"u8;

    public IAsyncEnumerable<SseFrame> Frames { get; } = frames;

    public TimeSpan KeepAlive { get; } = keepAlive;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass each event on as it comes
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);

        await using var items = Frames.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            var next = items.MoveNextAsync();
            // Most frames are ready at once (a token every few ms): only a wait that lasts gets a timer.
            if (!next.IsCompleted)
            {
                var pending = next.AsTask();
                while (!await WaitAsync(pending, KeepAlive, cancellationToken).ConfigureAwait(false))
                {
                    await response.Body.WriteAsync(KeepAliveComment.ToArray(), cancellationToken).ConfigureAwait(false);
                    await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                next = new ValueTask<bool>(pending);
            }
            if (!await next.ConfigureAwait(false)) break;
            await response.Body.WriteAsync(Encode(items.Current), cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True once <paramref name="pending"/> has finished; false when <paramref name="interval"/> passed first. The
    /// request's token ends the enumeration upstream too, so on an abort this still waits for <paramref name="pending"/>
    /// (an async iterator must not be disposed while a step runs) and lets its outcome surface.</summary>
    private static async Task<bool> WaitAsync(Task<bool> pending, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(interval);
        try
        {
            await pending.WaitAsync(timer.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested)
        {
            if (pending.IsCompleted) return true; // it finished as the timer fired: its outcome is read by the caller
            if (!cancellationToken.IsCancellationRequested) return false;
            await ((Task)pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
    }

    /// <summary>The event's wire form: <c>event:</c> (when named), one <c>data:</c> line per line of its text, a blank line.</summary>
    public static byte[] Encode(SseFrame frame)
    {
        var text = new StringBuilder();
        if (frame.EventType is { } type) text.Append("event: ").Append(type).Append('\n');
        foreach (var line in frame.Data.Split('\n')) text.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        text.Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
