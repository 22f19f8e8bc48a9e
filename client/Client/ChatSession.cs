using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using VLOrleans.Client.Http;

namespace VLOrleans.Client;

/// <summary>
/// One chat session on the server: its images and turns live there, so this object is only a handle (cheap, and
/// resumable from <see cref="Id"/> by another process with <see cref="VLOrleansClient.ResumeSessionAsync"/>). The server
/// answers one question per session at a time (a second gets <see cref="SessionInUseException"/>).
/// </summary>
public sealed class ChatSession
{
    private static readonly JsonSerializerOptions RequestJson = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly RetryingSender _sender;

    internal ChatSession(string id, RetryingSender sender)
    {
        Id = id;
        _sender = sender;
    }

    /// <summary>The session id (32 hex digits).</summary>
    public string Id { get; }

    private string Path => $"/api/v1/sessions/{Uri.EscapeDataString(Id)}";

    /// <summary>The session's turns (oldest first, with usage and timings on answers) and images.</summary>
    public Task<SessionView> GetAsync(CancellationToken cancellationToken = default) =>
        _sender.SendForJsonAsync<SessionView>(() => new HttpRequestMessage(HttpMethod.Get, Path), RetrySafety.Idempotent, cancellationToken);

    /// <summary>The session's turns, oldest first: user and assistant alternate.</summary>
    public async Task<IReadOnlyList<TurnView>> ListTurnsAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync(cancellationToken).ConfigureAwait(false)).Turns;

    /// <summary>Deletes the session with its turns.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var _ = await _sender.SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, Path), RetrySafety.Idempotent,
            HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the session's running answer, whichever connection streams it (that stream then ends with the
    /// problem code <c>turn_cancelled</c>; nothing is stored). Returns whether an answer was running.</summary>
    public async Task<bool> CancelAsync(CancellationToken cancellationToken = default) =>
        (await _sender.SendForJsonAsync<CancelResult>(() => new HttpRequestMessage(HttpMethod.Post, $"{Path}/cancel"), RetrySafety.Idempotent,
            cancellationToken).ConfigureAwait(false)).Cancelled;

    /// <summary>An image of the session as uploaded (its bytes never change: the id is the hash of its pixels).</summary>
    public async Task<byte[]> GetImageBytesAsync(string imageId, CancellationToken cancellationToken = default)
    {
        using var response = await _sender.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"{Path}/images/{Uri.EscapeDataString(imageId)}"),
            RetrySafety.Idempotent, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Uploads an image; it is attached to the next question (unless that names its images). Returns what the decoder
    /// learned, and the image id (the hash of its pixels). Retried on transient failures: the server stores images by
    /// content, so a repeat upload of the same bytes changes nothing.
    /// </summary>
    /// <exception cref="ImageRefusedException">The server rejected the bytes; the code says why.</exception>
    public Task<ImageView> UploadImageAsync(ReadOnlyMemory<byte> bytes, string? fileName = null, CancellationToken cancellationToken = default) =>
        _sender.SendForJsonAsync<ImageView>(() =>
        {
            var content = new MultipartFormDataContent();
            var file = new ReadOnlyMemoryContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Add(file, "file", fileName ?? "image");
            return new HttpRequestMessage(HttpMethod.Post, $"{Path}/images") { Content = content };
        }, RetrySafety.Idempotent, cancellationToken);

    /// <summary>As <see cref="UploadImageAsync(ReadOnlyMemory{byte}, string?, CancellationToken)"/> from a stream, which is read
    /// to its end first (at most <see cref="VLOrleansClientOptions.MaxImageBytes"/>) so a retry can send the same bytes.</summary>
    public async Task<ImageView> UploadImageAsync(Stream image, string? fileName = null, CancellationToken cancellationToken = default)
    {
        var limit = _sender.Options.MaxImageBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await image.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
                throw new ImageRefusedException("too_large", $"The image stream is longer than the client's limit of {limit} bytes.", null);
            buffer.Write(chunk, 0, read);
        }
        return await UploadImageAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), fileName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks a question and waits for the whole answer (the stored assistant turn, with usage and timings).
    /// Retried only when the server refused it before starting (queue full, model loading).</summary>
    public async Task<TurnView> AskAsync(string text, AskOptions? options = null, CancellationToken cancellationToken = default) =>
        (await _sender.SendForJsonAsync<AskAnswer>(() => AskMessage(text, options, stream: false), RetrySafety.OnlyWhenRefused, cancellationToken)
            .ConfigureAwait(false)).Turn;

    /// <summary>
    /// Asks a question and streams the answer's text deltas as they are generated. Cancelling the token, or leaving the
    /// loop early (disposing the enumerator), closes the connection, and the server stops generating and stores nothing.
    /// </summary>
    public async IAsyncEnumerable<string> StreamAsync(string text, AskOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in StreamEventsAsync(text, options, cancellationToken).ConfigureAwait(false))
            if (e is AskDelta delta) yield return delta.Text;
    }

    /// <summary>
    /// As <see cref="StreamAsync"/>, with the end: <see cref="AskDelta"/>s, then one <see cref="AskCompleted"/> carrying
    /// the stored turn (usage, timings). An error the server reports mid-stream is thrown as its typed exception.
    /// A refused start (429/503) is retried; once the stream has started nothing is repeated.
    /// </summary>
    public async IAsyncEnumerable<AskEvent> StreamEventsAsync(string text, AskOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var response = await _sender.SendAsync(() => AskMessage(text, options, stream: true), RetrySafety.OnlyWhenRefused,
            HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (item.EventType)
            {
                case "delta":
                    yield return new AskDelta(ReadDeltaText(item.Data));
                    break;
                case "done":
                    yield return JsonSerializer.Deserialize<AskCompleted>(item.Data)
                        ?? throw new VLOrleansException("invalid_response", "The server's done event had no turn.");
                    yield break;
                case "error":
                    var failed = JsonSerializer.Deserialize<AskFailed>(item.Data);
                    throw ProblemCodeMap.ToException(failed?.Code, failed?.Message ?? "The answer failed.", null, null);
            }
        }
        throw new VLOrleansException("stream_ended", "The answer stream ended before the answer was complete (connection lost or server stopped).");
    }

    private static string ReadDeltaText(string data)
    {
        using var json = JsonDocument.Parse(data);
        return json.RootElement.TryGetProperty("text", out var text) ? text.GetString() ?? "" : "";
    }

    private HttpRequestMessage AskMessage(string text, AskOptions? options, bool stream)
    {
        var request = new AskRequest
        {
            Text = text,
            ImageIds = options?.ImageIds,
            MaxTokens = options?.MaxTokens,
            Temperature = options?.Temperature,
            TopP = options?.TopP,
            TopK = options?.TopK,
            Seed = options?.Seed,
            Stream = stream,
            ResponseFormat = options?.ResponseSchema is { } schema
                ? new System.Text.Json.Nodes.JsonObject
                {
                    ["type"] = "json_schema",
                    ["json_schema"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "answer", ["schema"] = System.Text.Json.Nodes.JsonNode.Parse(schema.GetRawText()) },
                }
                : null,
        };
        return new HttpRequestMessage(HttpMethod.Post, $"{Path}/messages") { Content = JsonContent.Create(request, options: RequestJson) };
    }
}
