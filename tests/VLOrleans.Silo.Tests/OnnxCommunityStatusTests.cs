using System.Text.Json;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.OnnxCommunity;
using VLOrleans.Engine.Models.TinyModels;
using VLOrleans.Silo.Tests.Api;

namespace VLOrleans.Silo.Tests;

/// <summary>The real server on a tiny Qwen3-VL folder in the onnx-community / transformers.js layout: it loads, and
/// its status says which layout it serves and that DeepStack is not there (the export has none).</summary>
public sealed class OnnxCommunityStatusTests
{
    [Fact]
    public async Task Status_names_the_layout_and_says_deepstack_is_not_available()
    {
        var root = Directory.CreateTempSubdirectory("vlo-silo-onnxc-").FullName;
        try
        {
            var model = Path.Combine(root, "qwen3_vl");
            OnnxCommunityTinyModel.Write(model, QwenVlFamily.Qwen3Vl, TinyModelTokenizer.Locate(null));
            await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
            {
                ["VLO__Model__Path"] = model,
                ["VLO__DataPath"] = Path.Combine(root, "data"),
                ["VLO__Engine__DecoderThreads"] = "1",
                ["VLO__Engine__VisionThreads"] = "1",
                ["VLO__Engine__SlotCount"] = "1",
                ["VLO__Engine__MaxSequenceLength"] = "512",
            });
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            var status = await ServerProbes.WaitForStatusAsync(http, s => s.GetProperty("ready").GetBoolean() || s.GetProperty("load_error").ValueKind == JsonValueKind.String, TimeSpan.FromSeconds(90));
            Assert.True(status.GetProperty("ready").GetBoolean(), status.ToString());
            var info = status.GetProperty("model");
            Assert.Equal("onnx-community", info.GetProperty("layout").GetString());
            Assert.Equal("Qwen3Vl", info.GetProperty("family").GetString());
            Assert.Equal("fp32", info.GetProperty("variant").GetString());
            Assert.False(info.GetProperty("deepstack").GetBoolean());
            Assert.Contains("not available", info.GetProperty("deepstack_note").GetString());
            Assert.Equal("float32", info.GetProperty("kv_cache_type").GetString());
            Assert.Equal(JsonValueKind.Null, info.GetProperty("decode_graph").ValueKind);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }
}
