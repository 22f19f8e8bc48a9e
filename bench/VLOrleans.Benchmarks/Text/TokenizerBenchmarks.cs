using BenchmarkDotNet.Attributes;
using VLOrleans.Engine.Text;

namespace VLOrleans.Benchmarks.Text;

/// <summary>
/// Tokenising a ~4,000-token mixed prompt (chat markers, English, Chinese, code, numbers, emoji) with the real
/// Qwen tokenizer (.deps/tokenizer-qwen3/tokenizer.json), warm (the server's steady state: the per-piece cache
/// holds the prompt's words) and cold (cache cleared before each encode), plus decoding and streaming it back.
/// Run: dotnet run -c Release --project bench/VLOrleans.Benchmarks -- --filter '*TokenizerBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class TokenizerBenchmarks
{
    private QwenTokenizer _tokenizer = null!;
    private string _prompt = "";
    private int[] _ids = [];

    [GlobalSetup]
    public void Setup()
    {
        _tokenizer = QwenTokenizer.FromFile(Path.Combine(BenchPaths.Deps, "tokenizer-qwen3", "tokenizer.json"));
        _prompt = MixedPrompt.Build(_tokenizer, targetTokenCount: 4000);
        _ids = _tokenizer.Encode(_prompt);
        Console.WriteLine($"// prompt: {_prompt.Length} chars, {_ids.Length} tokens");
    }

    [Benchmark(Baseline = true)]
    public int EncodeWarm() => _tokenizer.Encode(_prompt).Length;

    [Benchmark]
    public int EncodeCold()
    {
        _tokenizer.ClearCache();
        return _tokenizer.Encode(_prompt).Length;
    }

    [Benchmark]
    public int Decode() => _tokenizer.Decode(_ids).Length;

    [Benchmark]
    public int DetokenizeIncrementally()
    {
        var detok = new IncrementalDetokenizer(_tokenizer);
        var chars = 0;
        foreach (var id in _ids) chars += detok.Push(id).Length;
        return chars + detok.Flush().Length;
    }
}

/// <summary>A deterministic mixed-language chat prompt of about the requested token count.</summary>
internal static class MixedPrompt
{
    private static readonly string[] Paragraphs =
    [
        "The customer sent a photo of the parcel: the box is dented at the top-left corner and the tape is torn. ",
        "包裹的左上角被压坏了，胶带也撕开了。请判断里面的商品是否可能受损，并给出处理建议。",
        "def total(items):\n    return sum(i.price * i.quantity for i in items if i.price > 0)\n\n",
        "Order #20261122-0042 shipped 2026-11-20 at 14:35, weight 2.75 kg, declared value $129.99 (¥935). ",
        "Il pacco è arrivato danneggiato 😞📦 — the customer asks for a refund or a replacement 🙏. ",
        "写真の箱は角がつぶれています。안녕하세요, 상자가 손상되었습니다. Посылка повреждена.\n",
        "{\"name\": \"create_ticket\", \"arguments\": {\"order\": 20261122, \"reason\": \"damaged\", \"photos\": 3}}\n",
        "    if (score >= 0.85 && !isFlagged) { approve(request); } else { escalate(request, \"manual review\"); }\n",
    ];

    public static string Build(QwenTokenizer tokenizer, int targetTokenCount)
    {
        var sb = new System.Text.StringBuilder("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n");
        sb.Append("<|vision_start|><|image_pad|><|vision_end|>");
        var i = 0;
        while (tokenizer.Encode(sb.ToString()).Length < targetTokenCount - 20)
        {
            sb.Append(Paragraphs[i % Paragraphs.Length]);
            if (i % 3 == 2) sb.Append("Turn ").Append(i).Append(": what else do you see?\n");
            i++;
        }
        sb.Append("<|im_end|>\n<|im_start|>assistant\n");
        return sb.ToString();
    }
}
