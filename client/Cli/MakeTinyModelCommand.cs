using System.CommandLine;
using System.Diagnostics;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.TinyModels;

namespace VLOrleans.Cli;

/// <summary><c>vl make-tiny-model</c>: writes a random-weight Hugging Face checkpoint (tests, converter, benchmarks).</summary>
internal static class MakeTinyModelCommand
{
    public static Command Create()
    {
        var family = new Option<string>("--family") { Description = "Model family: qwen3-vl, qwen2.5-vl or qwen2-vl.", DefaultValueFactory = _ => "qwen3-vl" };
        var output = new Option<string>("--out") { Description = "Folder to write the checkpoint into.", Required = true };
        var preset = new Option<string>("--preset") { Description = "tiny (a few MB, for tests), 2b or 4b (real Qwen3-VL shapes, qwen3-vl only).", DefaultValueFactory = _ => "tiny" };
        var seed = new Option<ulong>("--seed") { Description = "Random seed; the same seed gives byte-identical files.", DefaultValueFactory = _ => 0UL };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Folder with tokenizer.json and tokenizer_config.json (default: the repository's .deps/tokenizer-qwen3)." };
        var command = new Command("make-tiny-model", "Write a Qwen-VL checkpoint with random weights and the real tokenizer.")
        {
            family, output, preset, seed, tokenizer,
        };
        command.SetAction(parse =>
        {
            try
            {
                var stopwatch = Stopwatch.StartNew();
                var info = WorkProgress.Run("make-tiny-model", report => TinyModelMaker.Write(ParseFamily(parse.GetValue(family)!), TinyModelPresets.Parse(parse.GetValue(preset)!),
                    parse.GetValue(output)!, parse.GetValue(seed), parse.GetValue(tokenizer),
                    new InlineProgress<TinyModelProgress>(p => report(new WorkStatus("weights", p.BytesTotal == 0 ? 1 : (double)p.BytesDone / p.BytesTotal,
                        $"{p.TensorsDone}/{p.TensorCount} tensors, {WorkProgress.Bytes(p.BytesDone)} written")))));
                Console.WriteLine($"wrote {info.Folder}: {info.TensorCount} tensors, {info.ParameterCount:N0} parameters, {info.WeightBytes / 1e6:F1} MB bf16 in {stopwatch.Elapsed.TotalSeconds:F1} s");
                return 0;
            }
            catch (TinyModelException e)
            {
                Console.Error.WriteLine($"make-tiny-model: {e.Message} [{e.Reason}]");
                return 2;
            }
        });
        return command;
    }

    private static QwenVlFamily ParseFamily(string name) => name.ToLowerInvariant() switch
    {
        "qwen3-vl" or "qwen3_vl" => QwenVlFamily.Qwen3Vl,
        "qwen2.5-vl" or "qwen2_5_vl" => QwenVlFamily.Qwen25Vl,
        "qwen2-vl" or "qwen2_vl" => QwenVlFamily.Qwen2Vl,
        _ => throw new TinyModelException(TinyModelException.UnsupportedFamily, $"unknown family '{name}' (expected qwen3-vl, qwen2.5-vl or qwen2-vl)"),
    };
}
