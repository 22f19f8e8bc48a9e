using System.Text.Json;
using BenchmarkDotNet.Attributes;
using VLOrleans.Engine.Generation.Constraints;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Text;

namespace VLOrleans.Benchmarks.Generation;

/// <summary>
/// What constrained decoding adds to one decode step, at 1 and 8 sequences, with the real Qwen tokenizer
/// (.deps/tokenizer-qwen3/tokenizer.json) and Qwen-VL's 151,936 logits per row: <see cref="Unconstrained"/> samples every
/// row as the worker does today (Qwen3-VL's defaults: temperature 0.7, top-k 20, top-p 0.8); <see cref="Constrained"/>
/// does the same under a JSON Schema — mask lookup, masking the row, sampling, advancing the cursor — in the steady
/// state where masks of recurring states are cached (a cursor that completes its document starts a new one);
/// the difference is the per-step cost. <see cref="FirstMaskOfAState"/> is the uncached case: one trie walk, paid once
/// per new automaton state (e.g. per string length under maxLength). The logits are fixed noise: what the model computes
/// does not change what the mask costs.
/// Run: dotnet run -c Release --project bench/VLOrleans.Benchmarks -- --filter '*ConstrainedDecodingBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class ConstrainedDecodingBenchmarks
{
    private const int Logits = 151936;

    // max_tokens of each document: noise logits rarely close a string, so documents run until the budget forces them
    // shut — which includes the budget-limited (uncached) masks of a document's last tokens, the expensive path.
    private const int Budget = 128;

    // An inspection report: strings, an enum, numbers, a nullable, a bounded array.
    private const string Schema = """
        {"type": "object", "properties": {
          "item": {"type": "string", "maxLength": 40},
          "damaged": {"type": "boolean"},
          "severity": {"enum": ["none", "minor", "major"]},
          "count": {"type": "integer"},
          "note": {"type": ["string", "null"]},
          "areas": {"type": "array", "items": {"type": "number"}, "maxItems": 4}},
         "required": ["item", "damaged", "severity", "areas"], "additionalProperties": false}
        """;

    private static readonly SamplingParameters Sampling = new() { Temperature = 0.7f, TopK = 20, TopP = 0.8f };

    private readonly TokenSampler _sampler = new();
    private TokenVocabulary _vocabulary = null!;
    private GrammarNode _grammar = null!;
    private TokenConstraint _constraint = null!;
    private ConstraintCursor[] _cursors = [];
    private SamplingRandom[] _random = [];
    private float[] _logits = [];
    private int[] _generated = [];

    [Params(1, 8)]
    public int Sequences { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var tokenizer = QwenTokenizer.FromFile(Path.Combine(BenchPaths.Deps, "tokenizer-qwen3", "tokenizer.json"));
        _vocabulary = TokenVocabulary.For(tokenizer, Logits, [SpecialTokens.ImEnd, SpecialTokens.EndOfText]);
        _grammar = JsonSchemaCompiler.Compile(JsonDocument.Parse(Schema).RootElement.Clone());
        _constraint = new TokenConstraint(_grammar, _vocabulary);
        _cursors = Enumerable.Range(0, Sequences).Select(_ => _constraint.NewCursor()).ToArray();
        _random = Enumerable.Range(0, Sequences).Select(i => new SamplingRandom((ulong)i + 1)).ToArray();
        var noise = new SamplingRandom(12345);
        _logits = new float[Sequences * Logits];
        for (var i = 0; i < _logits.Length; i++) _logits[i] = (float)(noise.NextDouble() * 8 - 4);
        _generated = new int[Sequences];
        for (var i = 0; i < 2000; i++) Constrained(); // fill the mask cache with the states a document passes through
    }

    [Benchmark(Baseline = true)]
    public int Unconstrained()
    {
        var sum = 0;
        for (var s = 0; s < Sequences; s++) sum += _sampler.Sample(_logits.AsSpan(s * Logits, Logits), Sampling, null, _random[s]).TokenId;
        return sum;
    }

    [Benchmark]
    public int Constrained()
    {
        var sum = 0;
        for (var s = 0; s < Sequences; s++)
        {
            var cursor = _cursors[s];
            if (cursor.IsFinished || _generated[s] == Budget)
            {
                cursor = _cursors[s] = _constraint.NewCursor();
                _generated[s] = 0;
            }
            var mask = cursor.Mask(Budget - _generated[s]++);
            var token = _sampler.Sample(_logits.AsSpan(s * Logits, Logits), Sampling, null, _random[s], allowed: mask).TokenId;
            cursor.Advance(token);
            sum += token;
        }
        return sum;
    }

    [Benchmark]
    public int FirstMaskOfAState()
    {
        // a fresh constraint has no cached masks: the string-content state allows almost every token, the walk's worst case
        var constraint = new TokenConstraint(_grammar, _vocabulary);
        var cursor = constraint.NewCursor();
        foreach (var id in _vocabulary.Tokenizer.Encode("{\"item\": \"")) cursor.Advance(id);
        return cursor.Mask(Budget).AllowedCount;
    }
}
