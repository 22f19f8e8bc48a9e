using System.Text.Json;
using System.Text.Json.Serialization;

namespace VLOrleans.Contracts;

/// <summary>
/// What an answer must be, in OpenAI's <c>response_format</c> shape (the same JSON on <c>/v1/chat/completions</c>, a
/// session's ask and the hub's Ask): <c>{"type": "text"}</c> (free text, the default), <c>{"type": "json_object"}</c>
/// (any JSON object) or <c>{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}</c>. The engine
/// enforces it while sampling (constrained decoding), so the answer always parses and matches the schema.
/// </summary>
[GenerateSerializer, Immutable, Alias("vlo.ResponseFormat")]
public sealed record ResponseFormat
{
    public const string Text = "text";
    public const string JsonObject = "json_object";
    public const string JsonSchemaType = "json_schema";

    /// <summary><c>text</c>, <c>json_object</c> or <c>json_schema</c>; anything else is refused (400).</summary>
    [Id(0), JsonPropertyName("type")] public string? Type { get; init; }

    [Id(1), JsonPropertyName("json_schema")] public JsonSchemaFormat? JsonSchema { get; init; }
}

/// <summary>The <c>json_schema</c> member of a response format: the schema as JSON text, and whether it is strict
/// (every object closed with <c>additionalProperties: false</c>, every value typed).</summary>
[GenerateSerializer, Immutable, Alias("vlo.JsonSchemaFormat")]
public sealed record JsonSchemaFormat
{
    [Id(0), JsonPropertyName("name")] public string? Name { get; init; }

    [Id(1), JsonPropertyName("description")] public string? Description { get; init; }

    /// <summary>The JSON Schema as its JSON text (it crosses the grain boundary as a string).</summary>
    [Id(2), JsonPropertyName("schema"), JsonConverter(typeof(RawJsonConverter))] public string? Schema { get; init; }

    [Id(3), JsonPropertyName("strict")] public bool? Strict { get; init; }
}

/// <summary>Reads any JSON value as its raw text and writes that text back as JSON: lets a record carry a JSON
/// document (a schema, a tool definition) through Orleans' serializer, which has no codec for <see cref="JsonElement"/>.</summary>
public sealed class RawJsonConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null) writer.WriteNullValue();
        else writer.WriteRawValue(value);
    }
}
