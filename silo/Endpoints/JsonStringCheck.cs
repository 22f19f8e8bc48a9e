using System.Text.Json;
using VLOrleans.Silo.Errors;

namespace VLOrleans.Silo.Endpoints;

/// <summary>
/// Checks every string of a JSON body before it is deserialised. Parts of a request kept as <see cref="JsonElement"/>
/// (an OpenAI message's content, a stop list) are decoded only when read, and System.Text.Json then throws an
/// <see cref="InvalidOperationException"/> for invalid UTF-8 bytes or an unpaired <c>\uD800</c> escape — a 500. Found by
/// fuzzing (tools/fuzz, target openai-json); checked once here, such a body is a 400 like any other malformed JSON.
/// </summary>
public static class JsonStringCheck
{
    /// <exception cref="ArgumentException">A string holds invalid UTF-8 or an unpaired surrogate (message names its byte offset).</exception>
    public static void EnsureValid(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName) _ = reader.GetString();
            }
        }
        catch (InvalidOperationException e)
        {
            throw RequestRejectedException.Invalid($"The request body has a string that is not valid text near byte {reader.TokenStartIndex}: {e.Message}");
        }
        catch (JsonException)
        {
            // malformed JSON: the deserialiser reports it with its own position
        }
    }
}
