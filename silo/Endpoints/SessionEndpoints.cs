using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VLOrleans.Contracts;
using VLOrleans.Silo.Endpoints.Sessions;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Hosting;
using VLOrleans.Silo.Security;
using VLOrleans.Silo.Streaming;

namespace VLOrleans.Silo.Endpoints;

/// <summary>
/// The session REST API (<c>/api/v1/sessions</c>): create, list, read, delete, upload and fetch images, ask, cancel —
/// each a call to the session's grain (<see cref="IChatSessionGrain"/>; the listing to <see cref="ISessionDirectoryGrain"/>).
/// Every route acts as the caller's owner (<see cref="ApiKeys"/>): another key's session is 404. Creation and asks take
/// an <c>Idempotency-Key</c> header (<see cref="IdempotencyKeys"/>). Errors are exceptions mapped once by
/// <see cref="ProblemMapping"/> (session_not_found 404, session_busy 409, turn_cancelled 409, image rejections 422/413,
/// idempotency_key_reused 422, queue_full 429, invalid_request 400, image_not_found 404).
/// </summary>
public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/sessions").WithTags("Sessions");
        group.MapPost("/", CreateSession).WithSessionDocs("Creates a chat session (Idempotency-Key: a retry returns the same session).", 400, 422);
        group.MapGet("/", ListSessions).WithSessionDocs("This API key's sessions, newest first, paged by limit and cursor.", 400);
        group.MapGet("/{id}", GetSession).WithSessionDocs("A session's turns (with usage, timings and boxes) and images.", 404);
        group.MapDelete("/{id}", DeleteSession).WithSessionDocs("Deletes a session, its turns and its image links.", 404, 409);
        group.MapPost("/{id}/images", UploadImage).Accepts<IFormFile>("multipart/form-data", "application/octet-stream", "image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp")
            .WithSessionDocs("Uploads an image (multipart file or raw body); it is encoded now.", 400, 404, 413, 422, 503);
        group.MapGet("/{id}/images/{imageId}", GetImage)
            .Produces(StatusCodes.Status200OK, null, "image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp").Produces(StatusCodes.Status304NotModified)
            .WithSessionDocs("An image's stored bytes (immutable: ETag, long cache lifetime).", 404);
        group.MapPost("/{id}/messages", Ask).Produces<AskEvent>(StatusCodes.Status200OK, "text/event-stream")
            .WithSessionDocs("Asks a question: the stored turn as JSON, or with stream: true Server-Sent Events (Idempotency-Key: a retry replays the turn).",
                400, 404, 409, 413, 422, 429, 503);
        group.MapPost("/{id}/cancel", CancelTurn).WithSessionDocs("Stops the session's running answer, from any connection; nothing is stored.", 404);
        return app;
    }

    /// <summary>The OpenAPI description of a session route: its summary and its problem+json refusals (401 when API keys are on).</summary>
    private static RouteHandlerBuilder WithSessionDocs(this RouteHandlerBuilder route, string summary, params int[] problems)
    {
        route.WithSummary(summary).ProducesProblem(StatusCodes.Status401Unauthorized);
        foreach (var status in problems) route.ProducesProblem(status);
        return route;
    }

    /// <summary><c>POST /api/v1/sessions</c> → 201 <c>{"id": …}</c>; with an Idempotency-Key the session that key made, if any.</summary>
    public static async Task<Created<SessionCreated>> CreateSession(HttpContext context, IGrainFactory grains, ApiKeys keys)
    {
        var owner = Owner(context, keys);
        var claim = IdempotencyKeys.Read(context.Request, "POST /api/v1/sessions");
        var id = SessionIds.New();
        var grain = grains.GetGrain<IChatSessionGrain>(id);
        if (claim is null) await grain.CreateAsync(owner, context.RequestAborted);
        else id = await grain.CreateAsync(owner, claim, context.RequestAborted);
        return TypedResults.Created($"/api/v1/sessions/{id}", new SessionCreated(id));
    }

    /// <summary><c>GET /api/v1/sessions?limit=20&amp;cursor=…</c> → <c>{"sessions": [{"id", "created_at"}], "next_cursor"}</c>, newest first.</summary>
    public static async Task<Ok<SessionPage>> ListSessions(HttpContext context, IGrainFactory grains, ApiKeys keys, string? limit = null, string? cursor = null)
    {
        var owner = Owner(context, keys);
        var count = 20;
        if (limit is not null && !int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count))
            throw RequestRejectedException.Invalid("limit must be a whole number between 1 and 100.", "limit");
        if (count is < 1 or > 100) throw RequestRejectedException.Invalid("limit must be a whole number between 1 and 100.", "limit");
        return TypedResults.Ok(await grains.GetGrain<ISessionDirectoryGrain>(0).ListAsync(owner, count, string.IsNullOrEmpty(cursor) ? null : cursor, context.RequestAborted));
    }

    /// <summary><c>GET /api/v1/sessions/{id}/images/{imageId}</c> → the bytes as uploaded. The id is the hash of the decoded
    /// pixels and the first bytes stored under it are kept, so the response never changes: an ETag (a matching
    /// If-None-Match is 304) and a year's private cache lifetime.</summary>
    public static async Task<FileContentHttpResult> GetImage(string id, string imageId, HttpContext context, IGrainFactory grains, ApiKeys keys)
    {
        var image = await Session(grains, id).GetImageAsync(Owner(context, keys), imageId, context.RequestAborted);
        // private: behind an API key the bytes are one owner's, so shared caches must not keep them.
        context.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        return TypedResults.File(image.Bytes, ContentTypeOf(image.Facts.Format), entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{image.Facts.Id}\""));
    }

    /// <summary><c>POST /api/v1/sessions/{id}/cancel</c> → <c>{"cancelled": true}</c> when a turn was running (its stream ends
    /// with turn_cancelled), false when none was.</summary>
    public static async Task<Ok<CancelResult>> CancelTurn(string id, HttpContext context, IGrainFactory grains, ApiKeys keys) =>
        TypedResults.Ok(new CancelResult(await Session(grains, id).CancelAsync(Owner(context, keys), context.RequestAborted)));

    private static string ContentTypeOf(string format) => format switch
    {
        "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        _ => "application/octet-stream",
    };

    /// <summary><c>GET /api/v1/sessions/{id}</c> → the session's turns and images.</summary>
    public static async Task<Ok<SessionView>> GetSession(string id, HttpContext context, IGrainFactory grains, ApiKeys keys) =>
        TypedResults.Ok(await Session(grains, id).GetAsync(Owner(context, keys), context.RequestAborted));

    /// <summary><c>DELETE /api/v1/sessions/{id}</c> → 204.</summary>
    public static async Task<NoContent> DeleteSession(string id, HttpContext context, IGrainFactory grains, ApiKeys keys)
    {
        await Session(grains, id).DeleteAsync(Owner(context, keys), context.RequestAborted);
        return TypedResults.NoContent();
    }

    /// <summary><c>POST /api/v1/sessions/{id}/images</c> (multipart file or raw body) → 201 with the image's facts and id.</summary>
    public static async Task<Created<ImageView>> UploadImage(string id, HttpContext context, IGrainFactory grains, ApiKeys keys, IOptions<VloOptions> options)
    {
        // Owner check first: a stranger's upload is refused before its body is read.
        var owner = Owner(context, keys);
        var session = Session(grains, id);
        await session.GetAsync(owner, context.RequestAborted);
        var (bytes, fileName) = await ImageUpload.ReadAsync(context.Request, options.Value.Limits.MaxImageBytes, context.RequestAborted);
        var image = await session.AddImageAsync(owner, bytes, fileName, context.RequestAborted);
        return TypedResults.Created($"/api/v1/sessions/{id}/images/{image.Id}", image);
    }

    /// <summary>
    /// <c>POST /api/v1/sessions/{id}/messages</c> with an <see cref="AskRequest"/> → the stored answer turn, or with
    /// <c>"stream": true</c> Server-Sent Events: <c>delta</c> events (<c>{"type":"delta","text":…}</c>), then one
    /// <c>done</c> event with the turn (or one <c>error</c> event with a problem code). Closing the connection cancels
    /// the generation and frees its slot; nothing is stored for a cancelled turn.
    /// </summary>
    public static async Task<Results<Ok<AskAnswer>, SseResult>> Ask(string id, HttpContext context,
        IGrainFactory grains, ApiKeys keys, IOptions<VloOptions> options)
    {
        var owner = Owner(context, keys);
        var session = Session(grains, id);
        var request = await ReadAskRequestAsync(context.Request, options.Value.Limits.MaxRequestBytes, context.RequestAborted);
        var claim = IdempotencyKeys.Read(context.Request, $"POST /api/v1/sessions/{id}/messages", request with { Stream = false });
        var answer = claim is null ? session.AskAsync(owner, request, context.RequestAborted) : session.AskAsync(owner, request, claim, context.RequestAborted);
        var events = answer.GetAsyncEnumerator(context.RequestAborted);
        try
        {
            // The first event (AskAccepted: checked and queued) is awaited before anything is written, so a busy
            // session, a bad image id or a full queue still becomes a proper problem response; the stream's headers
            // go out right after it, before the first token (SseResult).
            if (!await events.MoveNextAsync()) throw new InvalidOperationException("the session's answer ended without a completion");
            if (!request.Stream)
            {
                var current = events.Current;
                while (current is not AskCompleted && await events.MoveNextAsync()) current = events.Current;
                await events.DisposeAsync();
                return current is AskCompleted done
                    ? TypedResults.Ok(new AskAnswer(id, done.Turn))
                    : throw new InvalidOperationException("the session's answer ended without a completion");
            }
            if (events.Current is not AskAccepted) throw new InvalidOperationException("the session's answer did not start with AskAccepted");
            var json = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            return new SseResult(SessionSse.FramesAsync(events, json), TimeSpan.FromSeconds(options.Value.Limits.SseKeepAliveSeconds));
        }
        catch
        {
            await events.DisposeAsync();
            throw;
        }
    }

    private static async Task<AskRequest> ReadAskRequestAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes) throw new BadHttpRequestException($"The request is larger than the limit of {maxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBytes;
        // Read like every other JSON body (BoundedJson), so a refusal names the field as the client wrote it.
        return await BoundedJson.ReadAsync<AskRequest>(request, maxBytes, null, cancellationToken);
    }

    /// <summary>The session's grain; an id that cannot name a session is not found before any grain is activated for it.</summary>
    private static IChatSessionGrain Session(IGrainFactory grains, string id) =>
        SessionIds.IsValid(id) ? grains.GetGrain<IChatSessionGrain>(id) : throw new SessionNotFoundException(id);

    private static string Owner(HttpContext context, ApiKeys keys) =>
        keys.OwnerOf(context) ?? throw new InvalidOperationException("the API key middleware let an unauthenticated call through");
}
