using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VLOrleans.Contracts;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Endpoints;

/// <summary>
/// The one-shot API the seed projects used: <c>POST /api/v1/chat</c> with <c>{"image": base64, "question": …}</c>
/// → <c>{"response", "timestamp", "model"}</c>, answered by the silo's <see cref="IOneShotGrain"/>. No session; the
/// vision cache still makes a resent image cheap.
/// Errors are problem+json (<see cref="ProblemMapping"/>).
/// </summary>
public static class ChatEndpoints
{
    public static IEndpointRouteBuilder MapChatEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/chat", AskAsync).WithTags("One-shot").WithSummary("Answers one question about one image (no session).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Ok<OneShotAnswer>> AskAsync(HttpContext http, IGrainFactory grains, IOptions<VloOptions> options)
    {
        var settings = options.Value;
        var cancellation = http.RequestAborted;
        var request = await BoundedJson.ReadAsync<OneShotQuestion>(http.Request, settings.Limits.MaxRequestBytes, null, cancellation);
        if (string.IsNullOrWhiteSpace(request.Question)) throw RequestRejectedException.Invalid("question must be a non-empty string.", "question");
        if (request.MaxTokens is { } m && (m < 1 || m > settings.Limits.MaxAnswerTokens))
            throw RequestRejectedException.Invalid($"max_tokens must be between 1 and {settings.Limits.MaxAnswerTokens}.", "max_tokens");

        var image = string.IsNullOrEmpty(request.Image) ? null : Base64(request.Image);
        // The silo's stateless one-shot worker (OneShotGrain says why a stateless worker): it runs where this request
        // arrived, on this silo's engine.
        var answer = await grains.GetGrain<IOneShotGrain>(0).AskAsync(new OneShotRequest(request.Question, image, request.MaxTokens ?? 512), cancellation);
        return TypedResults.Ok(new OneShotAnswer(answer.Text, DateTimeOffset.UtcNow, settings.OpenAi.ModelName));
    }

    /// <summary>Plain base64, or a data URL (browsers produce those from a file input).</summary>
    private static byte[] Base64(string image)
    {
        var comma = image.StartsWith("data:", StringComparison.OrdinalIgnoreCase) ? image.IndexOf(',', StringComparison.Ordinal) : -1;
        try
        {
            return Convert.FromBase64String(comma >= 0 ? image[(comma + 1)..] : image);
        }
        catch (FormatException)
        {
            throw RequestRejectedException.Invalid("image must be base64 (or a base64 data URL).", "image");
        }
    }
}

public sealed record OneShotQuestion
{
    [JsonPropertyName("image")] public string? Image { get; init; }
    [JsonPropertyName("question")] public string? Question { get; init; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; init; }
}

public sealed record OneShotAnswer(
    [property: JsonPropertyName("response")] string Response,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp,
    [property: JsonPropertyName("model")] string Model);
