using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Tests.TinyModels;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// A checkpoint without tokenizer.json or preprocessor_config.json is refused at conversion, naming the file and
/// writing nothing; a package that lost one is refused at load with a <see cref="ModelLoadException"/> naming it,
/// not a FileNotFoundException from deep inside the engine.
/// </summary>
public sealed class RequiredFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vlo-required-files-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string CheckpointWithout(string file)
    {
        var checkpoint = Path.Combine(_folder, "hf-without-" + file);
        Directory.CreateDirectory(checkpoint);
        foreach (var source in Directory.GetFiles(TinyModelFiles.Qwen3VlTiny))
        {
            if (Path.GetFileName(source) != file) File.Copy(source, Path.Combine(checkpoint, Path.GetFileName(source)));
        }
        return checkpoint;
    }

    [Theory]
    [InlineData("tokenizer.json")]
    [InlineData("preprocessor_config.json")]
    public void Conversion_refuses_a_checkpoint_without_the_file_and_writes_nothing(string file)
    {
        var checkpoint = CheckpointWithout(file);
        var to = Path.Combine(_folder, "pkg");

        var error = Assert.Throws<ModelLoadException>(() => ModelConverter.Convert(checkpoint, to, new ConversionOptions { Weights = WeightFormat.Int8 }));

        Assert.StartsWith($"{checkpoint}: the checkpoint has no {file};", error.Message);
        Assert.False(Directory.Exists(to), "nothing is written for a refused checkpoint");
    }

    [Theory]
    [InlineData("tokenizer.json")]
    [InlineData("preprocessor_config.json")]
    public void Loading_a_package_that_lacks_the_file_names_it(string file)
    {
        var package = Path.Combine(_folder, "pkg-" + file);
        ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, package, new ConversionOptions { Weights = WeightFormat.Int8 });
        File.Delete(Path.Combine(package, file));

        var opened = Assert.Throws<ModelLoadException>(() => ModelPackage.Open(package));
        Assert.StartsWith($"{package}: the model has no {file}, which the server needs to answer.", opened.Message);
        var loaded = Assert.Throws<ModelLoadException>(() => VisionLanguageEngine.Load(new EngineOptions { ModelPath = package, SlotCount = 1 }));
        Assert.Equal(opened.Message, loaded.Message);
    }

    [Fact]
    public void An_onnx_community_export_without_its_tokenizer_is_refused_naming_it()
    {
        var source = OnnxCommunity.OnnxCommunityFolders.For(QwenVlFamily.Qwen2Vl);
        var export = Path.Combine(_folder, "export");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(export, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        File.Delete(Path.Combine(export, "tokenizer.json"));

        var error = Assert.Throws<ModelLoadException>(() => VisionLanguageEngine.Load(new EngineOptions { ModelPath = export, SlotCount = 1 }));

        Assert.StartsWith($"{export}: the model has no tokenizer.json, which the server needs to answer.", error.Message);
    }

    [Fact]
    public void Conversion_reports_progress_over_every_checkpoint_tensor_ending_at_the_bytes_on_disk()
    {
        var package = Path.Combine(_folder, "pkg-progress");
        var reports = new List<ConversionProgress>();
        var checkpointTensors = Directory.GetFiles(TinyModelFiles.Qwen3VlTiny, "*.safetensors").Sum(f =>
        {
            using var file = VLOrleans.Engine.Models.Safetensors.SafetensorsFile.Open(f);
            return file.Tensors.Count;
        });

        ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, package, new ConversionOptions { Weights = WeightFormat.Int8 }, progress: new Recorder(reports));

        Assert.Equal(["embed_tokens", "vision (int8)", "decoder (int8)", "done"], reports.Select(r => r.Step).Distinct().ToArray());
        Assert.All(reports, r => Assert.Equal(checkpointTensors, r.TensorCount));
        for (var i = 1; i < reports.Count; i++)
        {
            Assert.True(reports[i].TensorsDone >= reports[i - 1].TensorsDone);
            Assert.True(reports[i].SourceBytesDone >= reports[i - 1].SourceBytesDone);
        }
        var last = reports[^1];
        Assert.Equal((checkpointTensors, 1.0), (last.TensorsDone, last.Fraction));
        var onDisk = new DirectoryInfo(Path.Combine(package, "onnx")).EnumerateFiles().Sum(f => f.Length);
        Assert.Equal(onDisk, last.BytesWritten);
        // Every tensor is read while building: the counts before "done" already reached the total.
        Assert.Equal(checkpointTensors, reports.Last(r => r.Step != "done").TensorsDone);
    }

    private sealed class Recorder(List<ConversionProgress> reports) : IProgress<ConversionProgress>
    {
        public void Report(ConversionProgress value) => reports.Add(value);
    }
}
