using System.CommandLine;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Cli;

/// <summary><c>vl convert</c>: a Hugging Face Qwen-VL checkpoint → a model package (adds one weight variant per run).</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "Hugging Face checkpoint folder (config.json + safetensors).", Required = true };
        var to = new Option<string>("--to") { Description = "Model package folder to write (created; other variants there are kept).", Required = true };
        var weights = new Option<string>("--weights") { Description = "Weight storage: fp32, fp16, int8 or int4 (MatMulNBits), w8a8 (int8 weights per column, int8 activations: DynamicQuantizeMatMul, fastest for vision/prefill on CPU).", DefaultValueFactory = _ => "fp32" };
        var lmHead = new Option<string?>("--lm-head") { Description = "Storage of the LM head (default: as --weights)." };
        var blockSize = new Option<int>("--block-size") { Description = "int8/int4 block size along K (power of two ≥ 16).", DefaultValueFactory = _ => 32 };
        var accuracy = new Option<int>("--accuracy-level") { Description = "MatMulNBits accuracy_level 0..4 (4 = int8 activations, fastest on CPU).", DefaultValueFactory = _ => 4 };
        var keepPrecise = new Option<string?>("--keep-precise")
        {
            Description = "Comma-separated layers kept in --precise-format: name prefixes (lm_head, layers.0., visual.blocks.23.) or the aliases merger, deepstack, patch_embed; 'none' for none. Default: lm_head,merger,deepstack for w8a8, none otherwise.",
        };
        var preciseFormat = new Option<string>("--precise-format") { Description = "Storage of the --keep-precise layers.", DefaultValueFactory = _ => "int8" };
        var kvCache = new Option<string?>("--kv-cache") { Description = "KV cache element type: fp16 or fp32 (default: fp16 for int8, int4 and w8a8; fp32 for fp32 and fp16 weights)." };
        var decodeWeights = new Option<string?>("--decode-weights")
        {
            Description = "Also write a decoder graph with this weight format (e.g. int4) that the engine uses for decode steps only; prefill keeps --weights. Faster single-stream decode for the memory of a second copy of the decoder weights.",
        };
        var decodeBlockSize = new Option<int?>("--decode-block-size") { Description = "MatMulNBits block size of the --decode-weights graph (default: --block-size)." };
        var attention = new Option<string>("--attention")
        {
            Description = "Decoder attention over an fp16 cache: 'switched' (the engine's own kernel for decode steps, GroupQueryAttention for prefill; loads only in VLOrleans) or 'gqa' (GroupQueryAttention throughout; loads in any ONNX Runtime).",
            DefaultValueFactory = _ => "switched",
        };
        var target = new Option<string>("--target")
        {
            Description = "Execution provider the variant is for: 'cpu', or 'cuda' (fp16 or int4 weights, GroupQueryAttention throughout, fp16 cache, no CPU-only op; variant named cuda-<weights>).",
            DefaultValueFactory = _ => "cpu",
        };
        var command = new Command("convert", "Convert a Hugging Face Qwen-VL checkpoint into an ONNX model package.")
        {
            from, to, weights, lmHead, blockSize, accuracy, keepPrecise, preciseFormat, kvCache, decodeWeights, decodeBlockSize, attention, target,
        };
        command.SetAction(parse =>
        {
            try
            {
                var options = new ConversionOptions
                {
                    Weights = ParseFormat(parse.GetValue(weights)!),
                    LmHead = parse.GetValue(lmHead) is { } head ? ParseFormat(head) : null,
                    BlockSize = parse.GetValue(blockSize),
                    AccuracyLevel = parse.GetValue(accuracy),
                    KeepPrecise = parse.GetValue(keepPrecise) is { } list ? ParseLayerList(list) : null,
                    PreciseFormat = ParseFormat(parse.GetValue(preciseFormat)!),
                    KvCache = parse.GetValue(kvCache) is { } kv ? ParseKvCache(kv) : null,
                    DecodeWeights = parse.GetValue(decodeWeights) is { } dw ? ParseFormat(dw) : null,
                    DecodeBlockSize = parse.GetValue(decodeBlockSize),
                    Attention = ParseAttention(parse.GetValue(attention)!),
                }.ForTarget(ParseTarget(parse.GetValue(target)!));
                var result = WorkProgress.Run("convert", report => ModelConverter.Convert(parse.GetValue(from)!, parse.GetValue(to)!, options,
                    progress: new InlineProgress<ConversionProgress>(p => report(new WorkStatus(p.Step, p.Fraction,
                        $"{p.TensorsDone}/{p.TensorCount} tensors, {WorkProgress.Bytes(p.BytesWritten)} written")))));
                var decode = result.DecodeDecoderPath is null ? "" : $", decode-step decoder {result.DecodeDecoderBytes / 1e6:F1} MB";
                Console.WriteLine($"wrote variant {result.Variant}: vision {result.VisionBytes / 1e6:F1} MB, decoder {result.DecoderBytes / 1e6:F1} MB{decode} in {result.Elapsed.TotalSeconds:F1} s");
                return 0;
            }
            catch (ModelLoadException e)
            {
                Console.Error.WriteLine($"convert: {e.Message}");
                return 2;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"convert: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static WeightFormat ParseFormat(string name) =>
        WeightFormats.TryParse(name, out var format) ? format : throw new ArgumentException($"unknown weight format '{name}' (expected fp32, fp16, int8, int4 or w8a8)");

    private static OnnxElementType ParseKvCache(string name) => name.ToLowerInvariant() switch
    {
        "fp16" or "float16" => OnnxElementType.Float16,
        "fp32" or "float32" => OnnxElementType.Float,
        _ => throw new ArgumentException($"unknown KV cache type '{name}' (expected fp16 or fp32)"),
    };

    private static DecoderAttention ParseAttention(string name) => name.ToLowerInvariant() switch
    {
        "switched" => DecoderAttention.OwnForDecodeSteps,
        "gqa" => DecoderAttention.GroupQuery,
        _ => throw new ArgumentException($"unknown attention '{name}' (expected switched or gqa)"),
    };

    private static ConversionTarget ParseTarget(string name) => name.ToLowerInvariant() switch
    {
        "cpu" => ConversionTarget.Cpu,
        "cuda" => ConversionTarget.Cuda,
        _ => throw new ArgumentException($"unknown target '{name}' (expected cpu or cuda)"),
    };

    private static string[] ParseLayerList(string list) =>
        list.Trim().Equals("none", StringComparison.OrdinalIgnoreCase) ? [] : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
