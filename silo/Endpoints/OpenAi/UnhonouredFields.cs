using System.Text.Json;
using VLOrleans.Silo.Errors;

namespace VLOrleans.Silo.Endpoints.OpenAi;

/// <summary>
/// The fields of a chat request this server does not model, refused by name (400 <c>unsupported_parameter</c>) unless
/// they change nothing about the answer: a client that asks for <c>logit_bias</c>, <c>audio</c> or a legacy
/// <c>functions</c> list, or misspells <c>max_tokens</c>, learns it at once instead of getting an answer that quietly
/// ignored it. A field sent as null counts as not sent.
/// </summary>
public static class UnhonouredFields
{
    public const string Code = "unsupported_parameter";

    /// <summary>Top-level fields accepted as they are: identifiers and bookkeeping that never change an answer.</summary>
    private static readonly HashSet<string> Harmless = new(StringComparer.Ordinal) { "user", "safety_identifier", "prompt_cache_key", "metadata" };

    /// <summary>Refuses the first field of <paramref name="fields"/> that would change the answer (<paramref name="prefix"/>
    /// names where it is, e.g. <c>messages[2].</c>).</summary>
    public static void Check(Dictionary<string, JsonElement>? fields, string prefix, bool topLevel)
    {
        if (fields is null) return;
        foreach (var (name, value) in fields)
        {
            if (value.ValueKind == JsonValueKind.Null || (topLevel && IsHarmless(name, value))) continue;
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, Code,
                $"{prefix}{name} is not supported by this server, and it does not ignore fields silently: remove it.", prefix + name);
        }
    }

    /// <summary>Values that ask for what the server does anyway (text only, no bias, nothing stored, the default tier).</summary>
    private static bool IsHarmless(string name, JsonElement value) => name switch
    {
        _ when Harmless.Contains(name) => true,
        "store" => value.ValueKind == JsonValueKind.False,
        "service_tier" => value.ValueKind == JsonValueKind.String && value.GetString() is "auto" or "default",
        "modalities" => value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(m => m.ValueKind == JsonValueKind.String && m.GetString() == "text"),
        "logit_bias" => value.ValueKind == JsonValueKind.Object && !value.EnumerateObject().Any(),
        _ => false,
    };
}
