using System.Net.Http.Headers;
using VLOrleans.Client.Http;

namespace VLOrleans.Client;

/// <summary>
/// Client for a VLOrleans server: create or resume chat sessions (<see cref="ChatSession"/>), which upload images and
/// ask questions. Thread-safe; make one per server and share it.
/// <code>
/// using var client = VLOrleansClient.Create(new Uri("http://localhost:5000"), apiKey: "…");
/// var session = await client.CreateSessionAsync();
/// await session.UploadImageAsync(File.ReadAllBytes("parcel.jpg"), "parcel.jpg");
/// await foreach (var delta in session.StreamAsync("What is damaged?")) Console.Write(delta);
/// </code>
/// Errors arrive as <see cref="VLOrleansException"/> subclasses named after the server's problem codes.
/// </summary>
public sealed class VLOrleansClient : IDisposable
{
    private readonly RetryingSender _sender;
    private readonly HttpClient? _owned;

    /// <summary>Uses <paramref name="http"/> as configured (base address, Authorization). Note: to stop generation
    /// at once when a stream is abandoned, its handler should not drain responses (see <see cref="CreateHandler"/>).</summary>
    public VLOrleansClient(HttpClient http, VLOrleansClientOptions? options = null)
        : this(http, options, owned: false)
    {
    }

    private VLOrleansClient(HttpClient http, VLOrleansClientOptions? options, bool owned)
    {
        Options = options ?? new VLOrleansClientOptions();
        _sender = new RetryingSender(http, Options);
        _owned = owned ? http : null;
    }

    public VLOrleansClientOptions Options { get; }

    /// <summary>A client for the server at <paramref name="server"/>, sending <paramref name="apiKey"/> as a Bearer token.</summary>
    public static VLOrleansClient Create(Uri server, string? apiKey = null, VLOrleansClientOptions? options = null)
    {
        // Answers stream for as long as the model generates, so no overall timeout; each retryable call has its own.
        var http = new HttpClient(CreateHandler()) { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(apiKey)) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return new VLOrleansClient(http, options, owned: true);
    }

    /// <summary>
    /// The handler <see cref="Create"/> uses. By default a connection whose response was abandoned mid-body is kept
    /// and drained (up to 1 MiB or 2 s) for reuse; for a stream that keeps the server generating an answer nobody
    /// reads. With no draining the connection closes at once and the server cancels the turn.
    /// </summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        MaxResponseDrainSize = 0,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>True when the server answers its liveness probe.</summary>
    public async Task<bool> IsAliveAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _sender.Http.GetAsync("/healthz", cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    /// <summary>Creates a new, empty session (retried on transient failures: at worst an unused empty session is left).</summary>
    public async Task<ChatSession> CreateSessionAsync(CancellationToken cancellationToken = default)
    {
        var created = await _sender.SendForJsonAsync<SessionCreated>(
            () => new HttpRequestMessage(HttpMethod.Post, "/api/v1/sessions"), RetrySafety.Idempotent, cancellationToken).ConfigureAwait(false);
        return new ChatSession(created.Id, _sender);
    }

    /// <summary>Resumes an existing session after checking it exists for this caller.</summary>
    /// <exception cref="NotFoundException">No such session (or it belongs to another API key).</exception>
    public async Task<ChatSession> ResumeSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var session = new ChatSession(sessionId, _sender);
        await session.GetAsync(cancellationToken).ConfigureAwait(false);
        return session;
    }

    public void Dispose() => _owned?.Dispose();
}
