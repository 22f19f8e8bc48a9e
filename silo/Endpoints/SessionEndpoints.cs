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
/// The session REST API (<c>/api/v1/sessions</c>): create, read, delete, upload images, ask — each a call to the
/// session's grain (<see cref="IChatSessionGrain"/>). Every route acts as the caller's owner (<see cref="ApiKeys"/>):
/// another key's session is 404. Errors are exceptions mapped once by
/// <see cref="ProblemMapping"/> (session_not_found 404, session_busy 409, image rejections 422/413, queue_full 429,
/// invalid_request 400, image_not_found 404).
/// </summary>
public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/sessions");
        group.MapPost("/", CreateSession);
        group.MapGet("/{id}", GetSession);
        group.MapDelete("/{id}", DeleteSession);
        group.MapPost("/{id}/images", UploadImage);
        group.MapPost("/{id}/messages", Ask);
        return app;
    }

    /// <summary><c>POST /api/v1/sessions</c> → 201 <c>{"id": …}</c>.</summary>
    public static async Task<Created<SessionCreated>> CreateSession(HttpContext context, IGrainFactory grains, ApiKeys keys)
    {
        var id = SessionIds.New();
        await grains.GetGrain<IChatSessionGrain>(id).CreateAsync(Owner(context, keys), context.RequestAborted);
        return TypedResults.Created($"/api/v1/sessions/{id}", new SessionCreated(id));
    }

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
        var events = session.AskAsync(owner, request, context.RequestAborted).GetAsyncEnumerator(context.RequestAborted);
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
