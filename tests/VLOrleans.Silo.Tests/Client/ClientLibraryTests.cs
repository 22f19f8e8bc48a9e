using System.Net;
using System.Text;
using VLOrleans.Client;

namespace VLOrleans.Silo.Tests.Client;

/// <summary>VLOrleans.Client against the real server process on the tiny model: what a bot author relies on.</summary>
[Collection(ClientServerCollection.Name)]
public sealed class ClientLibraryTests(ClientServerFixture server)
{
    private static readonly AskOptions Greedy = new() { Temperature = 0, MaxTokens = 12 };

    [Fact]
    public async Task A_session_is_created_given_images_from_bytes_and_streams_and_resumed_by_another_client()
    {
        using var client = server.NewClient();
        var session = await client.CreateSessionAsync();
        Assert.Matches("^[0-9a-f]{32}$", session.Id);

        var photo = TinyModelServer.Photo("intel__gauge-1.jpg");
        var fromBytes = await session.UploadImageAsync(photo, "gauge.jpg");
        Assert.Matches("^[0-9a-f]{64}$", fromBytes.Id);
        Assert.Equal(("jpeg", "gauge.jpg", (long)photo.Length), (fromBytes.Format, fromBytes.FileName, fromBytes.Bytes));
        Assert.True(fromBytes.ImageTokens > 0);

        // The same bytes through a non-seekable stream: same content hash, and the session still has one image
        // (why an upload is safe to retry).
        var fromStream = await session.UploadImageAsync(new ForwardOnlyStream(photo), "again.jpg");
        Assert.Equal(fromBytes.Id, fromStream.Id);
        var png = await session.UploadImageAsync(new ForwardOnlyStream(TinyModelServer.Photo("libpng__toucan.png")), "toucan.png");
        Assert.Equal("png", png.Format);

        using var other = server.NewClient();
        var resumed = await other.ResumeSessionAsync(session.Id);
        var view = await resumed.GetAsync();
        Assert.Equal(session.Id, view.Id);
        Assert.Equal(new[] { fromBytes.Id, png.Id }.Order(StringComparer.Ordinal), view.Images.Select(i => i.Id).Order(StringComparer.Ordinal));
        Assert.Empty(view.Turns);

        var missing = await Assert.ThrowsAsync<NotFoundException>(() => other.ResumeSessionAsync(new string('0', 32)));
        Assert.Equal(("session_not_found", HttpStatusCode.NotFound), (missing.Code, missing.StatusCode));
    }

    [Fact]
    public async Task Streamed_deltas_join_to_the_stored_turn_and_follow_ups_reuse_the_session()
    {
        using var client = server.NewClient();
        var session = await client.CreateSessionAsync();
        var image = await session.UploadImageAsync(TinyModelServer.Photo("intel__gauge-1.jpg"), "gauge.jpg");

        var deltas = new List<string>();
        await foreach (var delta in session.StreamAsync("What does the gauge show?", Greedy)) deltas.Add(delta);
        Assert.True(deltas.Count >= 2, $"expected several deltas, got {deltas.Count}");

        var turns = await session.ListTurnsAsync();
        Assert.Equal(["user", "assistant"], turns.Select(t => t.Role));
        Assert.Equal(string.Concat(deltas), turns[1].Text);
        Assert.Equal([image.Id], turns[0].ImageIds);
        Assert.True(turns[1].Usage!.CompletionTokens >= 2);

        // A plain (non-streamed) follow-up: the stored turn comes back, and the session's KV was reused.
        var next = await session.AskAsync("And the needle?", Greedy);
        Assert.Equal((3, "assistant"), (next.Index, next.Role));
        Assert.True(next.Usage!.CachedPromptTokens > 0);
        Assert.Equal(next.Text, (await session.ListTurnsAsync())[3].Text);
    }

    [Fact]
    public async Task A_malformed_image_and_a_missing_image_are_typed_exceptions_with_the_server_codes()
    {
        using var client = server.NewClient();
        var session = await client.CreateSessionAsync();

        var notImage = await Assert.ThrowsAsync<ImageRefusedException>(() => session.UploadImageAsync(Encoding.ASCII.GetBytes("this is not an image at all"), "x.jpg"));
        Assert.Equal(("unsupported_format", HttpStatusCode.UnprocessableEntity), (notImage.Code, notImage.StatusCode));
        Assert.Contains("not a recognised image", notImage.Message);

        var noImage = await Assert.ThrowsAsync<NotFoundException>(() => session.AskAsync("this?", new AskOptions { ImageIds = [new string('f', 64)], MaxTokens = 2 }));
        Assert.Equal("image_not_found", noImage.Code);

        // Mid-stream-capable call refused before it starts: the same typed error, not a broken stream.
        var empty = await Assert.ThrowsAsync<InvalidRequestException>(async () =>
        {
            await foreach (var _ in session.StreamAsync("", Greedy)) { }
        });
        Assert.Equal(("invalid_request", HttpStatusCode.BadRequest), (empty.Code, empty.StatusCode));
        Assert.Empty(await session.ListTurnsAsync());
    }

    [Fact]
    public async Task Leaving_or_cancelling_a_stream_stops_the_turn_and_frees_the_session()
    {
        using var client = server.NewClient();
        var session = await client.CreateSessionAsync();
        var longAnswer = new AskOptions { Temperature = 0, MaxTokens = 400 };

        // 1. Leave the loop after two deltas (disposes the enumerator).
        var seen = 0;
        await foreach (var _ in session.StreamAsync("Tell me a very long story.", longAnswer))
            if (++seen == 2) break;
        Assert.Equal(2, seen);
        var first = await WhileBusyAsync(() => session.AskAsync("Still there?", Greedy));
        Assert.Equal(1, first.Index); // the abandoned turn stored nothing: the server stopped it

        // 2. Cancel the token after the first delta.
        using var cancel = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in session.StreamAsync("Another very long story, please.", longAnswer, cancel.Token)) cancel.Cancel();
        });
        var second = await WhileBusyAsync(() => session.AskAsync("And now?", Greedy));
        Assert.Equal(3, second.Index);
        Assert.Equal(4, (await session.ListTurnsAsync()).Count);
    }

    [Fact]
    public async Task Auth_failures_and_other_keys_sessions_are_typed()
    {
        using var anonymous = server.NewClient(apiKey: null);
        var none = await Assert.ThrowsAsync<UnauthorizedException>(() => anonymous.CreateSessionAsync());
        Assert.Equal(("unauthorized", HttpStatusCode.Unauthorized), (none.Code, none.StatusCode));

        using var wrong = server.NewClient(apiKey: "not-a-key");
        var bad = await Assert.ThrowsAsync<UnauthorizedException>(() => wrong.CreateSessionAsync());
        Assert.Equal("unauthorized", bad.Code);

        using var owner = server.NewClient();
        var session = await owner.CreateSessionAsync();
        using var stranger = server.NewClient(ClientServerFixture.OtherApiKey);
        var hidden = await Assert.ThrowsAsync<NotFoundException>(() => stranger.ResumeSessionAsync(session.Id));
        Assert.Equal("session_not_found", hidden.Code);
    }

    /// <summary>Closing a stream cancels its turn within a loop step; until then the session is briefly still busy.</summary>
    private static async Task<T> WhileBusyAsync<T>(Func<Task<T>> call)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                return await call();
            }
            catch (SessionInUseException) when (i < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>A stream that cannot seek or report its length, as a network or pipe stream.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1000));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
