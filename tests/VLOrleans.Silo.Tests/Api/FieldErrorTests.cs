using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using VLOrleans.Contracts;
using VLOrleans.Silo.Endpoints;
using VLOrleans.Silo.Endpoints.OpenAi;
using VLOrleans.Silo.Errors;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>
/// Issue 22: a body the deserialiser refuses is a 400 whose message names the field as the client wrote it and what
/// it must be, quoting at most the start of the value — never a .NET type (<c>System.Nullable`1[System.Int32]</c>,
/// <c>…ChatCompletionRequest</c>) or a parameter name. Every JSON API reads its body through <see cref="BoundedJson"/>.
/// </summary>
public sealed class FieldErrorTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static async Task<RequestRejectedException> RefusedAsync<T>(string body, JsonSerializerOptions? options = null)
    {
        var http = new DefaultHttpContext();
        http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        var refused = await Assert.ThrowsAsync<RequestRejectedException>(() => BoundedJson.ReadAsync<T>(http.Request, 1 << 20, options, CancellationToken.None));
        Assert.Equal((400, "invalid_request"), (refused.Status, refused.Code));
        foreach (var internals in new[] { "System.", "VLOrleans.", "Parameter", "Nullable", "`1" })
            Assert.DoesNotContain(internals, refused.Message, StringComparison.Ordinal);
        return refused;
    }

    [Theory]
    [InlineData("""{"text":"hi","max_tokens":"ten"}""", "max_tokens must be an integer (got \"ten\").", "max_tokens")]
    [InlineData("""{"text":"hi","max_tokens":2.5}""", "max_tokens must be an integer (got 2.5).", "max_tokens")]
    [InlineData("""{"text":"hi","top_p":"high"}""", "top_p must be a number (got \"high\").", "top_p")]
    [InlineData("""{"text":"hi","seed":-1}""", "seed must be a non-negative integer (got -1).", "seed")]
    [InlineData("""{"text":"hi","stream":"yes"}""", "stream must be true or false (got \"yes\").", "stream")]
    [InlineData("""{"text":"hi","stream":null}""", "stream must be true or false (got null).", "stream")]
    [InlineData("""{"text":"hi","image_ids":"abc"}""", "image_ids must be an array (got \"abc\").", "image_ids")]
    [InlineData("""{"text":"hi","image_ids":[1]}""", "image_ids[0] must be a string (got 1).", "image_ids[0]")]
    [InlineData("""{"text":{"a":1}}""", "text must be a string (got {\"a\":1}).", "text")]
    [InlineData("""{"max_tokens":5}""", "text is required.", "text")]
    public async Task A_session_question_names_the_field_and_what_it_must_be(string body, string message, string field)
    {
        var refused = await RefusedAsync<AskRequest>(body);
        Assert.Equal((message, field), (refused.Message, refused.Param));
    }

    [Theory]
    [InlineData("""{"messages":[{"role":5,"content":"x"}]}""", "messages[0].role must be a string (got 5).")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"n":1.5}""", "n must be an integer (got 1.5).")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"temperature":"hot"}""", "temperature must be a number (got \"hot\").")]
    [InlineData("""{"messages":{"role":"user"}}""", "messages must be an array (got {\"role\":\"user\"}).")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"stream_options":true}""", "stream_options must be an object (got true).")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"logprobs":"yes"}""", "logprobs must be true or false (got \"yes\").")]
    public async Task An_openai_request_names_the_field_as_openai_spells_it(string body, string message)
    {
        Assert.Equal(message, (await RefusedAsync<ChatCompletionRequest>(body, Web)).Message);
    }

    [Fact]
    public async Task A_one_shot_question_names_its_field()
    {
        Assert.Equal("max_tokens must be an integer (got true).", (await RefusedAsync<OneShotQuestion>("""{"question":"q","max_tokens":true}""")).Message);
        Assert.Equal("image must be a string (got [1,2]).", (await RefusedAsync<OneShotQuestion>("""{"question":"q","image":[1,2]}""")).Message);
    }

    [Fact]
    public async Task An_echoed_value_is_cut_to_a_short_prefix()
    {
        var long_ = new string('A', 5000);
        var refused = await RefusedAsync<AskRequest>($$"""{"text":"hi","max_tokens":"{{long_}}"}""");
        Assert.Equal($"max_tokens must be an integer (got \"{new string('A', JsonFieldErrors.EchoLength - 1)}…).", refused.Message);
    }

    [Theory]
    [InlineData("""{"text": hi}""")]
    [InlineData("""{"text":"hi",""")]
    [InlineData("""[1,2""")]
    public async Task Malformed_json_says_where_without_internals(string body)
    {
        var refused = await RefusedAsync<AskRequest>(body);
        Assert.StartsWith("The request body is not valid JSON: ", refused.Message, StringComparison.Ordinal);
        Assert.Matches(@"\((in text, )?line 1, byte \d+\)\.$", refused.Message);
    }

    [Fact]
    public void A_value_the_engine_refuses_is_named_in_snake_case()
    {
        var refused = JsonFieldErrors.OutOfRange(new ArgumentException("TopP must be in (0, 1].", "TopP"));
        Assert.Equal(("top_p must be in (0, 1].", "top_p"), (refused.Message, refused.Param));
        refused = JsonFieldErrors.OutOfRange(new ArgumentException("RepetitionPenalty must be in (0, 10].", "RepetitionPenalty"));
        Assert.Equal(("repetition_penalty must be in (0, 10].", "repetition_penalty"), (refused.Message, refused.Param));
    }
}
