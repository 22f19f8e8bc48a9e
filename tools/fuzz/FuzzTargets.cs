using System.Text.Json;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Imaging;
using VLOrleans.Silo.Endpoints;
using VLOrleans.Silo.Endpoints.OpenAi;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Fuzz;

/// <summary>
/// What each target feeds its input to, exactly as the server does, and which outcomes are fine: an exception the
/// server maps to a 4xx (<see cref="ProblemMapping.Classify"/>) is a proper refusal; anything else escaping — or a
/// native crash in a decoder — would be a 500 or a dead process, so it escapes here too and the fuzzer records it.
/// </summary>
public static class FuzzTargets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["image"] = DecodeImage,
        ["openai-json"] = OpenAiRequest,
        ["ask-json"] = AskRequestBody,
    };

    // Made on first use, never while Main looks a target up: the instrumented assemblies' code may run only once
    // SharpFuzz has set up AFL's coverage map (before that it writes through a null pointer).
    private static readonly Lazy<ImageDecoder> Decoder = new(() => new ImageDecoder(new ImageLimits()));
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly Lazy<LimitSettings> Limits = new(() => new LimitSettings());

    /// <summary>Upload bytes → header, limits, decode, orientation, colour (engine/Imaging).</summary>
    private static void DecodeImage(byte[] input) => Refusable(() => Decoder.Value.Decode(input));

    /// <summary>A <c>/v1/chat/completions</c> body → the request record → the engine's conversation and settings.</summary>
    private static void OpenAiRequest(byte[] input) => Refusable(() =>
    {
        var request = Json<ChatCompletionRequest>(input, Web, checkStrings: true);
        // Translating validates every field (sampling ranges included) the way the endpoint does before the grain call.
        ChatCompletionTranslator.Translate(request, Limits.Value);
    });

    /// <summary>A session ask body (<c>POST /api/v1/sessions/{id}/messages</c>, the hub's Ask).</summary>
    private static void AskRequestBody(byte[] input) => Refusable(() => Json<AskRequest>(input, null, checkStrings: false));

    /// <summary>As the endpoints read a body: strings checked first where the endpoint reads through BoundedJson (the
    /// OpenAI API; the session ask deserialises directly, with no value kept as JSON), then deserialised; invalid
    /// JSON is a 400 (a RequestRejectedException, as BoundedJson throws).</summary>
    private static T Json<T>(byte[] input, JsonSerializerOptions? options, bool checkStrings)
    {
        if (checkStrings) JsonStringCheck.EnsureValid(input);
        try
        {
            return JsonSerializer.Deserialize<T>(input, options) ?? throw RequestRejectedException.Invalid("The request body is JSON null.");
        }
        catch (JsonException e)
        {
            throw RequestRejectedException.Invalid($"The request body is not valid JSON for this endpoint: {e.Message}");
        }
    }

    private static void Refusable(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (ProblemMapping.Classify(e) is { Status: < 500 })
        {
            // a clear 4xx: what bad input should get
        }
    }
}
