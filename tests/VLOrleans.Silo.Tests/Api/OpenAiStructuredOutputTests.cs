// ChatCompletionOptions.Seed is marked experimental by the SDK (OPENAI001); the server honours it, and the tests need reproducible samples.
#pragma warning disable OPENAI001
extern alias JsonSchemaNet;
using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using JsonSchemaNet::Json.Schema;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>
/// response_format on the tiny random-weight model, which left alone writes token soup: every answer — sampled with
/// 50+ seeds over several schemas, streamed and not, through the official OpenAI SDK — must parse and validate against
/// its schema with an independent validator (JsonSchema.Net); the same on a session's ask (REST). String lengths stay
/// within what JsonSchema.Net and the spec agree on (it counts grapheme clusters: maxLength, and minLength ≤ 1).
/// </summary>
[Collection(TinyServerCollection.Name)]
public sealed class OpenAiStructuredOutputTests(TinyServerFixture fixture)
{
    private static readonly string[] Schemas =
    [
        // an inspection report: every scalar kind, an enum, a nullable, a bounded array
        """
        {"type": "object", "properties": {
          "item": {"type": "string", "minLength": 1, "maxLength": 10},
          "damaged": {"type": "boolean"},
          "severity": {"enum": ["none", "minor", "major"]},
          "count": {"type": "integer"},
          "note": {"type": ["string", "null"], "maxLength": 6},
          "areas": {"type": "array", "items": {"type": "number"}, "maxItems": 3}},
         "required": ["item", "damaged", "severity", "count", "note", "areas"], "additionalProperties": false}
        """,
        // nesting and anyOf
        """
        {"type": "object", "properties": {
          "boxes": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "object", "properties": {
            "label": {"type": "string", "maxLength": 5},
            "at": {"anyOf": [{"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}, {"type": "null"}]}},
            "required": ["label", "at"], "additionalProperties": false}}},
         "required": ["boxes"], "additionalProperties": false}
        """,
        // optional properties, const
        """
        {"type": "object", "properties": {"kind": {"const": "gauge"}, "reading": {"type": "number"}, "unit": {"enum": ["bar", "psi"]}},
         "required": ["kind"], "additionalProperties": false}
        """,
        // a map with typed values
        """{"type": "object", "additionalProperties": {"type": "integer"}}""",
        // a top-level array of constants
        """{"type": "array", "items": {"enum": ["cat", "dog", 3, true]}, "minItems": 1, "maxItems": 3}""",
    ];

    private const int SeedsPerSchema = 11; // 5 × 11 = 55 answers, every other one streamed

    private ChatClient Client() => new("vlorleans", new ApiKeyCredential("no-key-needed"),
        new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.BaseAddress, "/v1") });

    [Fact]
    public async Task Every_sampled_answer_parses_and_matches_its_schema_streamed_and_not()
    {
        var client = Client();
        var jobs = new List<(int Schema, int Seed, bool Streamed)>();
        for (var s = 0; s < Schemas.Length; s++)
            for (var seed = 0; seed < SeedsPerSchema; seed++) jobs.Add((s, seed, (s + seed) % 2 == 0));
        var answers = new (int Schema, int Seed, bool Streamed, string Text, ChatFinishReason? Finish)[jobs.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, jobs.Count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, token) =>
        {
            var (schema, seed, streamed) = jobs[i];
            var options = new ChatCompletionOptions
            {
                Temperature = 1f,
                Seed = seed,
                MaxOutputTokenCount = 200,
                ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat($"schema{schema}", BinaryData.FromString(Schemas[schema]), jsonSchemaIsStrict: schema != 3),
            };
            ChatMessage[] question = [new UserChatMessage($"Report #{seed} about the photo.")];
            if (!streamed)
            {
                ChatCompletion whole = (await client.CompleteChatAsync(question, options, token)).Value;
                answers[i] = (schema, seed, false, whole.Content.Single().Text, whole.FinishReason);
                return;
            }
            var text = new StringBuilder();
            ChatFinishReason? finish = null;
            await foreach (var update in client.CompleteChatStreamingAsync(question, options, token))
            {
                foreach (var part in update.ContentUpdate) text.Append(part.Text);
                finish ??= update.FinishReason;
            }
            answers[i] = (schema, seed, true, text.ToString(), finish);
        });

        foreach (var a in answers)
        {
            AssertValid(Schemas[a.Schema], a.Text, $"schema {a.Schema}, seed {a.Seed}, {(a.Streamed ? "streamed" : "whole")}");
            // the grammar closes the document within the budget: it ends by itself, or its last token fills the budget
            Assert.Contains(a.Finish, new ChatFinishReason?[] { ChatFinishReason.Stop, ChatFinishReason.Length });
        }
        Assert.True(answers.Select(a => a.Text).Distinct().Count() > Schemas.Length, "different seeds sample different documents");
    }

    [Fact]
    public async Task Json_object_answers_are_json_objects()
    {
        for (var seed = 0; seed < 4; seed++)
        {
            var body = ApiRequests.Chat("Describe it as JSON.", maxTokens: 40);
            body["temperature"] = 1;
            body["seed"] = seed;
            body["stream"] = seed % 2 == 1;
            body["response_format"] = new JsonObject { ["type"] = "json_object" };
            var text = seed % 2 == 1 ? await StreamedTextAsync(body) : await ApiRequests.AnswerAsync(fixture.Http, body);
            using var document = JsonDocument.Parse(text);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        }
    }

    [Fact]
    public async Task A_session_ask_with_response_format_answers_with_json_matching_the_schema()
    {
        var http = fixture.Http;
        using var created = await http.PostAsync("/api/v1/sessions", null);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        for (var seed = 0; seed < 3; seed++)
        {
            var ask = new JsonObject
            {
                ["text"] = "Fill in the report.",
                ["max_tokens"] = 200,
                ["temperature"] = 1,
                ["seed"] = seed,
                ["response_format"] = new JsonObject
                {
                    ["type"] = "json_schema",
                    ["json_schema"] = new JsonObject { ["name"] = "report", ["strict"] = true, ["schema"] = JsonNode.Parse(Schemas[0]) },
                },
            };
            using var response = await http.PostAsJsonAsync($"/api/v1/sessions/{id}/messages", ask);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            AssertValid(Schemas[0], JsonNode.Parse(body)!["turn"]!["text"]!.GetValue<string>(), $"session turn {seed}");
        }

        // an unsupported keyword is refused before anything runs, naming it
        var bad = new JsonObject
        {
            ["text"] = "Fill in the report.",
            ["response_format"] = new JsonObject
            {
                ["type"] = "json_schema",
                ["json_schema"] = new JsonObject { ["name"] = "r", ["schema"] = JsonNode.Parse("""{"type": "string", "pattern": "^a+$"}""") },
            },
        };
        using var refused = await http.PostAsJsonAsync($"/api/v1/sessions/{id}/messages", bad);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("unsupported_schema", problem["code"]!.GetValue<string>());
        Assert.Contains("pattern", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_hub_ask_with_response_format_streams_json_matching_the_schema()
    {
        await using var hub = await Sessions.HubSocket.ConnectAsync(fixture.Server.BaseAddress);
        var id = (await hub.InvokeAsync("CreateSession"))!.GetValue<string>();
        var request = new JsonObject
        {
            ["text"] = "Fill in the report.",
            ["max_tokens"] = 200,
            ["temperature"] = 1,
            ["seed"] = 3,
            ["response_format"] = new JsonObject
            {
                ["type"] = "json_schema",
                ["json_schema"] = new JsonObject { ["name"] = "boxes", ["schema"] = JsonNode.Parse(Schemas[1]) },
            },
        };
        var stream = await hub.StartStreamAsync("Ask", id, request);
        var pieces = new StringBuilder();
        string? stored = null;
        JsonObject message;
        while ((message = await hub.NextOfAsync(stream))["type"]!.GetValue<int>() == 2)
        {
            var item = message["item"]!;
            if (item["type"]!.GetValue<string>() == "delta") pieces.Append(item["text"]!.GetValue<string>());
            else stored = item["turn"]!["text"]!.GetValue<string>();
        }
        Assert.Null(message["error"]);
        Assert.Equal(pieces.ToString(), stored);
        AssertValid(Schemas[1], stored!, "hub ask");
    }

    private async Task<string> StreamedTextAsync(JsonObject body)
    {
        using var response = await fixture.Http.SendAsync(ApiRequests.Post(body), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = new StringBuilder();
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]") continue;
            var choices = JsonNode.Parse(line["data: ".Length..])!["choices"]!.AsArray();
            if (choices.Count > 0 && choices[0]!["delta"]!["content"] is { } content) text.Append(content.GetValue<string>());
        }
        return text.ToString();
    }

    internal static void AssertValid(string schemaText, string json, string what)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"{what}: the answer does not parse ({e.Message}): {json}");
        }
        using (document)
        {
            var result = JsonSchema.FromText(schemaText).Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{what}: the answer does not match its schema: {json}");
        }
    }
}
