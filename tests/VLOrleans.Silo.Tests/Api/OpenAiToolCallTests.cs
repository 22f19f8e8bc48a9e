// ChatCompletionOptions.Seed is marked experimental by the SDK (OPENAI001); the server honours it, and the tests need reproducible samples.
#pragma warning disable OPENAI001
using System.ClientModel;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>
/// Tool calling through the official OpenAI .NET SDK's tool API against the tiny Qwen3-VL model (random weights: it
/// calls a tool only when tool_choice forces it, which constrained decoding does): the calls come back as the SDK's
/// <see cref="ChatToolCall"/>s (streamed: as tool-call updates) with finish reason ToolCalls and arguments that match
/// the function's parameters; the round trip — the assistant's calls and the tool's result sent back — is answered.
/// </summary>
[Collection(TinyServerCollection.Name)]
public sealed class OpenAiToolCallTests(TinyServerFixture fixture)
{
    private const string WeatherParameters = """
        {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12}, "unit": {"enum": ["celsius", "fahrenheit"]}},
         "required": ["city", "unit"], "additionalProperties": false}
        """;

    private const string ZoomParameters = """
        {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}}, "required": ["x", "y"], "additionalProperties": false}
        """;

    private static readonly ChatTool Weather = ChatTool.CreateFunctionTool("get_weather", "The weather in a city.",
        BinaryData.FromString(WeatherParameters), functionSchemaIsStrict: true);

    private static readonly ChatTool Zoom = ChatTool.CreateFunctionTool("zoom", "Zoom into the photo.", BinaryData.FromString(ZoomParameters));

    private ChatClient Client() => new("vlorleans", new ApiKeyCredential("no-key-needed"),
        new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.BaseAddress, "/v1") });

    private static ChatCompletionOptions Options(ChatToolChoice choice, int seed) => new()
    {
        Tools = { Weather, Zoom },
        ToolChoice = choice,
        Temperature = 1f,
        Seed = seed,
        MaxOutputTokenCount = 120,
    };

    [Fact]
    public async Task A_required_call_comes_back_as_tool_calls_whose_arguments_match_the_function()
    {
        var client = Client();
        for (var seed = 0; seed < 4; seed++)
        {
            ChatCompletion answer = (await client.CompleteChatAsync([new UserChatMessage("What is the weather where this was taken?")],
                Options(ChatToolChoice.CreateRequiredChoice(), seed))).Value;
            Assert.Equal(ChatFinishReason.ToolCalls, answer.FinishReason);
            Assert.NotEmpty(answer.ToolCalls);
            foreach (var call in answer.ToolCalls) AssertCallMatches(call.FunctionName, call.FunctionArguments.ToString(), $"seed {seed}");
            Assert.All(answer.ToolCalls, c => Assert.StartsWith("call_", c.Id));
            Assert.Equal(answer.ToolCalls.Count, answer.ToolCalls.Select(c => c.Id).Distinct().Count());
        }
    }

    [Fact]
    public async Task A_named_call_is_streamed_as_tool_call_updates_then_the_tool_result_round_trips()
    {
        var client = Client();
        List<ChatMessage> conversation = [new UserChatMessage("Zoom into the gauge.")];
        for (var seed = 0; seed < 3; seed++)
        {
            var names = new Dictionary<int, string>();
            var ids = new Dictionary<int, string>();
            var arguments = new Dictionary<int, StringBuilder>();
            var content = new StringBuilder();
            ChatFinishReason? finish = null;
            await foreach (var update in client.CompleteChatStreamingAsync(conversation, Options(ChatToolChoice.CreateFunctionChoice("zoom"), seed)))
            {
                foreach (var part in update.ContentUpdate) content.Append(part.Text);
                foreach (var call in update.ToolCallUpdates)
                {
                    if (call.FunctionName is { } name) names[call.Index] = name;
                    if (call.ToolCallId is { } id) ids[call.Index] = id;
                    if (!arguments.TryGetValue(call.Index, out var args)) arguments[call.Index] = args = new StringBuilder();
                    args.Append(call.FunctionArgumentsUpdate?.ToString());
                }
                finish ??= update.FinishReason;
            }
            Assert.Equal(ChatFinishReason.ToolCalls, finish);
            Assert.Equal([0], names.Keys); // a named choice is exactly one call
            Assert.Equal("zoom", names[0]);
            Assert.Equal("", content.ToString());
            AssertCallMatches(names[0], arguments[0].ToString(), $"seed {seed}");

            // the round trip: the assistant's call and the tool's result go back, and the model answers again
            var made = ChatToolCall.CreateFunctionToolCall(ids[0], names[0], BinaryData.FromString(arguments[0].ToString()));
            var followUp = new List<ChatMessage>(conversation) { new AssistantChatMessage([made]), new ToolChatMessage(ids[0], "Zoomed: the needle points at 3 bar.") };
            ChatCompletion next = (await client.CompleteChatAsync(followUp, Options(ChatToolChoice.CreateFunctionChoice("get_weather"), seed))).Value;
            Assert.Equal(ChatFinishReason.ToolCalls, next.FinishReason);
            Assert.Equal("get_weather", Assert.Single(next.ToolCalls).FunctionName);
            AssertCallMatches("get_weather", next.ToolCalls[0].FunctionArguments.ToString(), $"follow-up, seed {seed}");
            Assert.True(next.Usage.InputTokenCount > 0);
        }
    }

    [Fact]
    public async Task Parallel_tool_calls_false_gives_exactly_one_call()
    {
        for (var seed = 0; seed < 3; seed++)
        {
            var options = Options(ChatToolChoice.CreateRequiredChoice(), seed);
            options.AllowParallelToolCalls = false;
            ChatCompletion answer = (await Client().CompleteChatAsync([new UserChatMessage("Call one tool.")], options)).Value;
            var call = Assert.Single(answer.ToolCalls);
            AssertCallMatches(call.FunctionName, call.FunctionArguments.ToString(), $"seed {seed}");
        }
    }

    [Fact]
    public async Task Tool_choice_none_answers_in_prose_without_calls()
    {
        ChatCompletion answer = (await Client().CompleteChatAsync([new UserChatMessage("Just describe it.")],
            new ChatCompletionOptions { Tools = { Weather }, ToolChoice = ChatToolChoice.CreateNoneChoice(), Temperature = 0f, MaxOutputTokenCount = 8 })).Value;
        Assert.Empty(answer.ToolCalls);
        Assert.Contains(answer.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length });
    }

    /// <summary>The call names a listed function and its arguments validate against that function's parameters.</summary>
    private static void AssertCallMatches(string name, string argumentsJson, string what)
    {
        var schema = name switch
        {
            "get_weather" => WeatherParameters,
            "zoom" => ZoomParameters,
            _ => throw new Xunit.Sdk.XunitException($"{what}: the model called '{name}', which is not among the tools"),
        };
        OpenAiStructuredOutputTests.AssertValid(schema, argumentsJson, $"{what}: {name} arguments");
        using var document = JsonDocument.Parse(argumentsJson);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
    }
}
