using System.Text.Json;
using Json.Schema;
using Xunit.Abstractions;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Constraints;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Text;
using static VLOrleans.Engine.Tests.Generation.TinyEngine;

namespace VLOrleans.Engine.Tests.Constraints;

/// <summary>
/// Constrained answers from the tiny random-weight model, which on its own writes token soup: every answer, greedy or
/// sampled (seeded), must parse with System.Text.Json and validate against its schema with an independent validator
/// (JsonSchema.Net). Both the streamed text (the deltas joined) and the tokens decoded at once are checked.
/// String lengths in these schemas stay within what JsonSchema.Net and the spec agree on: it counts grapheme clusters,
/// the spec (and our grammar) code points, which agree on maxLength and on minLength ≤ 1.
/// </summary>
public sealed class ConstrainedGenerationTests(ITestOutputHelper log)
{
    private static readonly string[] Schemas =
    [
        // an inspection report: every scalar kind, an enum, a nullable, a bounded array
        """
        {"type": "object", "properties": {
          "item": {"type": "string", "minLength": 1, "maxLength": 12},
          "damaged": {"type": "boolean"},
          "severity": {"enum": ["none", "minor", "major"]},
          "count": {"type": "integer"},
          "score": {"type": "number"},
          "note": {"type": ["string", "null"], "maxLength": 8},
          "areas": {"type": "array", "items": {"type": "number"}, "maxItems": 3}},
         "required": ["item", "damaged", "severity", "areas"], "additionalProperties": false}
        """,
        // nesting and anyOf
        """
        {"type": "object", "properties": {
          "boxes": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "object", "properties": {
            "label": {"type": "string", "maxLength": 6},
            "at": {"anyOf": [{"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}, {"type": "null"}]}},
            "required": ["label", "at"], "additionalProperties": false}}},
         "required": ["boxes"], "additionalProperties": false}
        """,
        // a top-level array of constants
        """{"type": "array", "items": {"enum": ["cat", "dog", 3, true]}, "minItems": 2, "maxItems": 4}""",
        // a bounded string
        """{"type": "string", "minLength": 1, "maxLength": 10}""",
        // a map with typed values
        """{"type": "object", "additionalProperties": {"type": "integer"}}""",
    ];

    private const int SeedsPerSchema = 10;

    [Fact]
    public async Task Every_answer_parses_and_validates_greedy_and_sampled()
    {
        await using var engine = Load(slots: 4);
        var runs = new List<(int Schema, ulong? Seed, Task<(int[] Tokens, string Text, GenerationCompleted Done)> Answer)>();
        for (var s = 0; s < Schemas.Length; s++)
        {
            var output = new JsonSchemaOutput(JsonDocument.Parse(Schemas[s]).RootElement.Clone());
            runs.Add((s, null, Ask(engine, output, SamplingParameters.Greedy, $"Report {s}.")));
            for (var seed = 1UL; seed <= SeedsPerSchema; seed++)
            {
                var sampling = new SamplingParameters { Temperature = 1f, Seed = seed * 7919 + (ulong)s };
                runs.Add((s, seed, Ask(engine, output, sampling, $"Report {s}.")));
            }
        }
        Assert.True(runs.Count >= 50);
        var distinct = new HashSet<string>();
        foreach (var (schema, seed, answer) in runs)
        {
            var (tokens, streamed, done) = await answer;
            log.WriteLine($"{schema} {seed?.ToString() ?? "greedy"} {done.Reason} {tokens.Length}: {streamed}");
            distinct.Add(streamed);
            var decoded = engine.Tokenizer.Decode(tokens, skipSpecialTokens: true);
            Assert.Equal(decoded, streamed);
            AssertValid(Schemas[schema], streamed, $"schema {schema}, seed {seed?.ToString() ?? "greedy"}");
            Assert.True(done.Reason is FinishReason.Stop or FinishReason.Length);
        }
        // sampling really explores: the seeds give different answers (far more than one per schema)
        Assert.True(distinct.Count > 3 * Schemas.Length, $"{distinct.Count} distinct answers");
    }

    [Fact]
    public async Task Json_object_mode_gives_an_object_even_when_the_budget_is_short()
    {
        await using var engine = Load(slots: 4);
        var tasks = Enumerable.Range(1, 6)
            .Select(seed => Ask(engine, new JsonObjectOutput(), new SamplingParameters { Temperature = 1f, Seed = (ulong)seed }, "Anything.", maxTokens: 12))
            .ToArray();
        foreach (var task in tasks)
        {
            var (tokens, text, _) = await task;
            Assert.True(tokens.Length <= 12);
            AssertValid("""{"type": "object"}""", text, "json_object");
        }
    }

    [Fact]
    public async Task Same_seed_same_constrained_answer()
    {
        await using var engine = Load(slots: 2);
        var output = new JsonSchemaOutput(JsonDocument.Parse(Schemas[1]).RootElement.Clone());
        var sampling = new SamplingParameters { Temperature = 1f, Seed = 42 };
        var first = await Ask(engine, output, sampling, "Where?");
        var second = await Ask(engine, output, sampling, "Where?");
        Assert.Equal(first.Tokens, second.Tokens);
    }

    [Fact]
    public async Task Too_small_a_budget_for_the_schema_is_refused_up_front()
    {
        await using var engine = Load(slots: 1);
        var output = new JsonSchemaOutput(JsonDocument.Parse(Schemas[0]).RootElement.Clone());
        var request = engine.BuildRequest([UserAsking("x", 0)], [], new GenerationSettings { MaxTokens = 5, Output = output }, null);
        var e = Assert.Throws<GenerationRejectedException>(() => engine.Worker.Submit(request));
        Assert.Equal("max_tokens_too_small", e.Code);
    }

    [Fact]
    public async Task Forced_tool_calls_parse_into_known_functions_with_valid_arguments()
    {
        const string weatherSchema = """{"type": "object", "properties": {"city": {"type": "string", "maxLength": 10}, "unit": {"enum": ["c", "f"]}}, "required": ["city"], "additionalProperties": false}""";
        const string timeSchema = """{"type": "object", "properties": {"zone": {"type": "string", "maxLength": 6}}, "required": ["zone"], "additionalProperties": false}""";
        ToolFunction[] functions =
        [
            new("get_weather", JsonDocument.Parse(weatherSchema).RootElement.Clone()),
            new("get_time", JsonDocument.Parse(timeSchema).RootElement.Clone()),
        ];
        var schemas = new Dictionary<string, string> { ["get_weather"] = weatherSchema, ["get_time"] = timeSchema };
        await using var engine = Load(slots: 4);
        var tasks = new List<(string? Only, Task<(int[] Tokens, string Text, GenerationCompleted Done)> Answer)>();
        for (var seed = 1UL; seed <= 6; seed++)
        {
            var only = seed % 3 == 0 ? "get_time" : null;
            tasks.Add((only, Ask(engine, new ToolCallOutput(functions, only), new SamplingParameters { Temperature = 1f, Seed = seed }, "Weather in Paris?", maxTokens: 120)));
        }
        foreach (var (only, answer) in tasks)
        {
            var (tokens, text, _) = await answer;
            log.WriteLine(text);
            Assert.Equal(SpecialTokens.ToolCallStart, tokens[0]);
            var parsed = ToolCallParser.Parse(text);
            Assert.NotEmpty(parsed.Calls);
            Assert.Equal("", parsed.Content);
            if (only is not null) Assert.Equal(only, Assert.Single(parsed.Calls).Name);
            foreach (var call in parsed.Calls) AssertValid(schemas[call.Name], call.ArgumentsJson, call.Name);
        }
    }

    private static Task<(int[] Tokens, string Text, GenerationCompleted Done)> Ask(VisionLanguageEngine engine, OutputConstraint output,
        SamplingParameters sampling, string question, int maxTokens = 96) =>
        Collect(engine.Ask([UserAsking(question, 0)], [], new GenerationSettings { MaxTokens = maxTokens, Sampling = sampling, Output = output }));

    private static void AssertValid(string schemaText, string json, string what)
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
