using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>
/// What /v1/chat/completions refuses rather than quietly ignore: an unknown model (404 model_not_found; the served
/// id and the configured aliases are accepted), fields it does not model, malformed tools and tool choices, schemas
/// outside the constrained-decoding subset (unsupported_schema naming the keyword) — each a 4xx in OpenAI's envelope
/// naming the field as the client wrote it.
/// </summary>
[Collection(TinyServerCollection.Name)]
public sealed class OpenAiStrictnessTests(TinyServerFixture fixture)
{
    private const string Weather = """{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}""";

    private async Task<(HttpStatusCode Status, JsonElement Error)> PostAsync(string json)
    {
        using var response = await fixture.Http.PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, response.IsSuccessStatusCode ? default : (await ApiRequests.ErrorOfAsync(response)).Clone());
    }

    [Fact]
    public async Task An_unknown_model_is_404_model_not_found_while_the_served_id_and_its_aliases_answer()
    {
        var (status, error) = await PostAsync("""{"model": "gpt-5", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Equal("not_found_error", error.GetProperty("type").GetString());
        Assert.Contains("gpt-5", error.GetProperty("message").GetString());

        foreach (var name in new[] { "vlorleans", TinyServerFixture.ModelAlias })
        {
            var body = ApiRequests.Chat("hi", maxTokens: 1);
            body["model"] = name;
            using var response = await fixture.Http.SendAsync(ApiRequests.Post(body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // the answer names the served model, whichever alias asked
            Assert.Equal("vlorleans", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetString());
        }
    }

    [Theory]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "logit_bias": {"100": 5}}""", "logit_bias")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "max_token": 5}""", "max_token")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "functions": [{"name": "f"}]}""", "functions")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "modalities": ["text", "audio"]}""", "modalities")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi", "name": "bob"}]}""", "messages[0].name")]
    public async Task A_field_the_server_does_not_model_is_refused_by_name(string json, string param)
    {
        var (status, error) = await PostAsync(json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("unsupported_parameter", error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(param, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Fields_that_change_nothing_are_accepted()
    {
        var (status, _) = await PostAsync("""{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 1, "user": "u1", "store": false, "modalities": ["text"], "logit_bias": {}, "metadata": {"k": "v"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "n": 3}""", "invalid_request", "n")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "xml"}}""", "invalid_request", "response_format.type")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}""", "invalid_request", "response_format.json_schema.schema")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "string", "pattern": "a+"}}}}""", "unsupported_schema", "response_format.json_schema.schema")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_schema", "json_schema": {"name": "x", "strict": true, "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}}}""", "unsupported_schema", "response_format.json_schema.schema")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "tool_choice": "required"}""", "invalid_request", "tool_choice")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "tools": [WEATHER], "tool_choice": "sometimes"}""", "invalid_request", "tool_choice")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "zoom"}}}""", "invalid_request", "tool_choice.function.name")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "retrieval"}]}""", "invalid_request", "tools[0].type")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function", "function": {"parameters": {}}}]}""", "invalid_request", "tools[0].function.name")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "tools": [WEATHER, {"type": "function", "function": {"name": "z", "parameters": {"type": "object", "properties": {"q": {"type": "string", "format": "email"}}}}}], "tool_choice": "required"}""", "unsupported_schema", "tools[1].function.parameters")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "tools": [WEATHER], "logprobs": true}""", "invalid_request", "logprobs")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "tools": [WEATHER], "tool_choice": "required", "response_format": {"type": "json_object"}}""", "invalid_request", "tool_choice")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "parallel_tool_calls": false}""", "invalid_request", "parallel_tool_calls")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi", "tool_calls": []}]}""", "invalid_request", "messages[0].tool_calls")]
    [InlineData("""{"messages": [{"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"a": 1}}}]}]}""", "invalid_request", "messages[0].tool_calls[0].function.arguments")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi", "tool_call_id": "call_1"}]}""", "invalid_request", "messages[0].tool_call_id")]
    public async Task A_malformed_or_unsupported_output_request_is_refused_naming_the_field(string json, string code, string param)
    {
        var (status, error) = await PostAsync(json.Replace("WEATHER", Weather, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task An_unsupported_schema_names_the_keyword_and_where_it_is()
    {
        var (_, error) = await PostAsync("""
            {"messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_schema", "json_schema": {"name": "x",
             "schema": {"type": "object", "properties": {"when": {"type": "string", "format": "date-time"}}}}}}
            """);
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("'format'", message);
        Assert.Contains("/properties/when", message);
    }

    [Fact]
    public async Task A_budget_below_the_shortest_valid_answer_is_refused_before_anything_streams()
    {
        var body = ApiRequests.Chat("hi", maxTokens: 2, stream: true);
        body["response_format"] = JsonNode.Parse("""{"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "properties": {"description": {"type": "string"}}, "required": ["description"]}}}""");
        using var response = await fixture.Http.SendAsync(ApiRequests.Post(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("max_tokens_too_small", (await ApiRequests.ErrorOfAsync(response)).GetProperty("code").GetString());
    }
}
